/**
 * The work queue: a set of keys waiting to be reconciled, with client-go's guarantees.
 *
 * - A key is handed to at most one worker at a time (the `processing` set).
 * - A key added while it waits is coalesced: it is handed out once (the `dirty` set).
 * - A key added while a worker holds it is handed out once more after that worker calls `done`.
 * - After `shutdown`, `get` resolves `undefined` for every waiting worker and every later call.
 */

/** A queue of string keys with exclusive processing. */
export class WorkQueue {
  private readonly order: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private closed = false;
  private readonly onChange?: (depth: number) => void;

  /** `onDepth` is told the number of queued keys whenever it changes (for a depth gauge). */
  constructor(opts: { onDepth?: (depth: number) => void } = {}) {
    this.onChange = opts.onDepth;
  }

  /** Marks `key` as needing work. No effect after shutdown or when the key already waits. */
  add(key: string): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by `done`
    this.order.push(key);
    this.handOut();
    this.onChange?.(this.order.length);
  }

  /** Resolves the next key (the caller then owns it until `done`), or `undefined` once shut down. */
  get(): Promise<string | undefined> {
    if (this.order.length > 0) return Promise.resolve(this.take());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases `key`; if it was added again meanwhile, it goes back in line. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.closed) {
      this.order.push(key);
      this.handOut();
      this.onChange?.(this.order.length);
    }
  }

  /** Number of keys waiting (not counting those being processed). */
  len(): number {
    return this.order.length;
  }

  /** Number of keys held by workers (taken and not yet `done`). */
  processingCount(): number {
    return this.processing.size;
  }

  /** True while `key` is held by a worker. */
  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** Stops handing out keys: waiting and future `get` calls resolve `undefined`. */
  shutdown(): void {
    this.closed = true;
    this.order.length = 0;
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    this.onChange?.(0);
  }

  /** True after `shutdown`. */
  shuttingDown(): boolean {
    return this.closed;
  }

  private take(): string {
    const key = this.order.shift() as string;
    this.dirty.delete(key);
    this.processing.add(key);
    this.onChange?.(this.order.length);
    return key;
  }

  private handOut(): void {
    while (this.waiters.length > 0 && this.order.length > 0) {
      const waiter = this.waiters.shift() as (key: string | undefined) => void;
      waiter(this.take());
    }
  }
}
