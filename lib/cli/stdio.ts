/**
 * Byte-level standard streams and the terminal, for the commands that relay a remote process (`exec`):
 * stdin as bytes (or a terminal in raw mode), stdout and stderr as bytes, the terminal's size and its
 * resizes. `main` passes the process's own; tests pass their own streams and a simulated terminal.
 */

/** The standard streams and the terminal, as bytes. */
export interface CliStdio {
  /** Whether stdin is a terminal (exec then asks for a TTY and puts it in raw mode). */
  readonly stdinIsTTY: boolean;
  /** Raw mode on or off; only called when `stdinIsTTY`. */
  setRawMode(raw: boolean): void;
  /** Starts reading stdin: each chunk to `onData`, its end to `onEnd`; returns a function that stops reading. */
  readStdin(onData: (data: Uint8Array) => void, onEnd: () => void): () => void;
  writeStdout(data: Uint8Array): void;
  writeStderr(data: Uint8Array): void;
  /** The terminal's size (of stdout), or undefined when stdout is no terminal. */
  terminalSize(): { columns: number; rows: number } | undefined;
  /** Calls `fn` on every window resize (SIGWINCH); returns the function that stops it. */
  onResize(fn: () => void): () => void;
}

/** The process's own streams; nothing is touched until a method is called. */
export function processStdio(): CliStdio {
  return {
    get stdinIsTTY(): boolean {
      return process.stdin.isTTY === true;
    },
    setRawMode(raw: boolean): void {
      if (process.stdin.isTTY) process.stdin.setRawMode(raw);
    },
    readStdin(onData, onEnd) {
      const stdin = process.stdin;
      const data = (c: Buffer | string): void => onData(typeof c === 'string' ? Buffer.from(c) : c);
      stdin.on('data', data);
      stdin.once('end', onEnd);
      stdin.resume();
      return () => {
        stdin.off('data', data);
        stdin.off('end', onEnd);
        stdin.pause();
      };
    },
    writeStdout: (data) => void process.stdout.write(data),
    writeStderr: (data) => void process.stderr.write(data),
    terminalSize() {
      const out = process.stdout;
      return out.isTTY ? { columns: out.columns, rows: out.rows } : undefined;
    },
    onResize(fn) {
      process.on('SIGWINCH', fn);
      return () => void process.off('SIGWINCH', fn);
    },
  };
}
