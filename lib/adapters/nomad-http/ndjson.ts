/** Incremental splitting of a newline-delimited JSON byte stream into complete lines. */

/** Accumulates chunks and yields each complete, non-blank line (without its newline). */
export class LineSplitter {
  private buffer = '';
  private readonly decoder = new TextDecoder('utf-8');

  /** Adds a chunk; returns the lines it completed. */
  push(chunk: Uint8Array | string): string[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.buffer.split('\n');
    this.buffer = parts.pop() ?? '';
    return parts.map((l) => l.trim()).filter((l) => l !== '');
  }

  /** The trailing line without a newline, if any (the stream ended). */
  flush(): string[] {
    const rest = (this.buffer + this.decoder.decode()).trim();
    this.buffer = '';
    return rest ? [rest] : [];
  }
}
