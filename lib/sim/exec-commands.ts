/**
 * The commands a simulated container can run under `alloc exec`: `hostname`, `env`, `echo [-n]`, `cat`
 * (rendered template files; stdin when given no file), `ss` (the task's listening socket on its IPv6
 * address), `stty size` (the terminal size the client last sent), `true` and `false`. Anything else fails as docker reports a missing executable, with exit code 127.
 */
import type { SimContainer } from './container';

/** A running command: stdin goes in, output and the exit code come out through the callbacks. */
export interface SimProcess {
  stdin(data: Buffer): void;
  closeStdin(): void;
}

/** Where a command's output and its end go. */
export interface ProcessIo {
  stdout(data: string): void;
  stderr(data: string): void;
  exit(code: number): void;
  /** The terminal's size when the session has a TTY (rows, columns), else undefined. */
  terminal(): { rows: number; cols: number } | undefined;
}

/** Starts `argv` in `c`. Commands that read no stdin finish at once. */
export function startCommand(c: SimContainer, argv: string[], io: ProcessIo): SimProcess {
  const none: SimProcess = { stdin: () => undefined, closeStdin: () => undefined };
  const [cmd, ...args] = argv;
  const name = cmd.includes('/') ? cmd.slice(cmd.lastIndexOf('/') + 1) : cmd;
  switch (name) {
    case 'hostname':
      io.stdout(`${c.hostname}\n`);
      io.exit(0);
      return none;
    case 'env':
      io.stdout(
        Object.entries(c.env)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      );
      io.exit(0);
      return none;
    case 'echo': {
      const newline = args[0] !== '-n';
      io.stdout(`${(newline ? args : args.slice(1)).join(' ')}${newline ? '\n' : ''}`);
      io.exit(0);
      return none;
    }
    case 'true':
      io.exit(0);
      return none;
    case 'false':
      io.exit(1);
      return none;
    case 'stty': {
      const size = io.terminal();
      if (!size) {
        io.stderr(`stty: 'standard input': Inappropriate ioctl for device\n`);
        io.exit(1);
      } else {
        io.stdout(`${size.rows} ${size.cols}\n`);
        io.exit(0);
      }
      return none;
    }
    case 'ss':
      io.stdout(socketTable(c));
      io.exit(0);
      return none;
    case 'cat': {
      const files = args.filter((a) => a !== '-' && !a.startsWith('-'));
      if (files.length === 0) {
        let open = true;
        return {
          stdin: (data) => {
            if (open) io.stdout(data.toString('utf8'));
          },
          closeStdin: () => {
            if (!open) return;
            open = false;
            io.exit(0);
          },
        };
      }
      let code = 0;
      for (const f of files) {
        const path = f.startsWith('/') ? f : `/${f.replace(/^\.\/+/, '')}`;
        const content = c.files.get(path);
        if (content === undefined) {
          io.stderr(`cat: ${f}: No such file or directory\n`);
          code = 1;
        } else io.stdout(content);
      }
      io.exit(code);
      return none;
    }
    default:
      io.stderr(`OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(cmd)}: executable file not found in $PATH: unknown\n`);
      io.exit(127);
      return none;
  }
}

/** `ss -an` of the container: its listening TCP socket on the allocation's IPv6 address. */
function socketTable(c: SimContainer): string {
  const rows = [['Netid', 'State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port']];
  if (c.listen) rows.push(['tcp', 'LISTEN', '0', '4096', `[${c.listen.address}]:${c.listen.port}`, '[::]:*']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join(' ')}\n`).join('');
}
