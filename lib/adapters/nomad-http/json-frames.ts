/**
 * Incremental splitting of a byte stream of JSON objects written back to back, with or without whitespace
 * between them, as Nomad's log stream writes its StreamFrames (go-codec's JSON encoder adds no separator).
 * A frame may arrive split over any number of chunks, and a chunk may hold many frames.
 */

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** Accumulates chunks and returns each complete top-level JSON object's text. */
export class JsonObjectSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  /** Scan position, nesting depth and string state carried between chunks. */
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private strayBytes: number[] = [];

  /** Adds a chunk; returns the objects it completed, in order. Text outside objects is skipped. */
  push(chunk: Uint8Array): string[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const out: string[] = [];
    const b = this.buffer;
    for (; this.pos < b.length; this.pos++) {
      const c = b[this.pos];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE && this.depth > 0) this.inString = true;
      else if (this.depth === 0 && c !== OPEN && c !== CLOSE) {
        if (this.strayBytes.length < 2000) this.strayBytes.push(c);
      }
      else if (c === OPEN) {
        if (this.depth === 0) this.start = this.pos;
        this.depth++;
      } else if (c === CLOSE && this.depth > 0) {
        this.depth--;
        if (this.depth === 0) {
          out.push(b.subarray(this.start, this.pos + 1).toString('utf8'));
          this.start = -1;
        }
      }
    }
    // Keep only the unfinished object.
    if (this.depth === 0) {
      this.buffer = Buffer.alloc(0);
      this.pos = 0;
    } else if (this.start > 0) {
      this.buffer = this.buffer.subarray(this.start);
      this.pos -= this.start;
      this.start = 0;
    }
    return out;
  }

  /**
   * Text found between objects (its first 2000 bytes, trimmed; whitespace alone is no text). Nomad's agent
   * writes an error that happens after the stream started as plain text after the last frame.
   */
  get stray(): string {
    return Buffer.from(this.strayBytes).toString('utf8').trim();
  }

  /** Bytes of an object begun but not finished (the stream ended inside a frame). */
  get pending(): number {
    return this.depth > 0 ? this.buffer.length : 0;
  }
}
