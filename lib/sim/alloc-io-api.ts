/**
 * A client agent's allocation I/O: task logs (`GET /v1/client/fs/logs/:alloc`) and `alloc exec` (the
 * websocket `/v1/client/allocation/:alloc/exec`), with the checks and texts of Nomad's agent and client.
 *
 * Logs (command/agent/fs_endpoint.go `Logs`, client/fs_endpoint.go `logs` and `logsImpl`): the agent reads
 * `task`, `follow`, `plain`, `type`, `offset` and `origin` (400s with its texts), then the client checks the
 * allocation (404 `Unknown allocation "<id>"`), `read-logs` or `read-fs` in its namespace (403
 * `Permission denied`), the task (400 `unknown task name`) and that it started (404). The body is a run of
 * JSON StreamFrames with no separator between them (go-codec's JSON encoder): `{"Offset","Data" (base64),
 * "File"}` with `Offset` the file offset after the frame's data, and `{}` heartbeats every second while
 * following; `plain=true` sends the bytes alone. Without `follow` the stream ends at the end of the file.
 * A followed stream stays open after the task died, as Nomad's does (its file still exists until the
 * allocation is collected): the client decides when to stop.
 *
 * Exec (command/agent/alloc_endpoint.go `allocExec`, `execStreamImpl`; command/agent/websockets.go;
 * client/alloc_endpoint.go `execImpl`): the connection is upgraded first, so every refusal is a close frame
 * whose reason is Nomad's text: code 1011 for errors without an HTTP code (`Permission denied` without
 * `alloc-exec`) and 1008 for coded ones (unknown allocation, missing task or command, a task not running).
 * Frames are JSON text messages (plugins/drivers/execstreaming.go): input `{"stdin":{"data","close"}}`,
 * `{"tty_size":{"height","width"}}` and `{}` heartbeats; output `{"stdout":{"data"}}`, `{"stderr":{"data"}}`
 * and finally `{"exited":true,"result":{"exit_code":N}}`. With a TTY, stderr is merged into stdout and
 * newlines become CRLF, as a pseudo-terminal does.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../runtime/clock';
import type { AclStore } from './acl';
import type { SimAlloc } from './alloc-render';
import type { Cluster } from './cluster';
import { containerOf } from './container';
import { startCommand, type SimProcess } from './exec-commands';
import { HttpError, type ApiServer } from './http-server';
import { logFileName, nextLogChange, taskLog, type LogType } from './task-logs';

/** Nomad's log stream heartbeat period (client/fs_endpoint.go `streamHeartbeatRate`). */
export const LOG_HEARTBEAT_MS = 1000;
/** Nomad's largest log frame (client/fs_endpoint.go `streamFrameSize`). */
const FRAME_SIZE = 64 * 1024;

/** What the routes need. */
export interface AllocIoDeps {
  cluster: Cluster;
  acl: AclStore;
  clock: Clock;
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's `strconv.ParseBool`; the error text on failure. */
function parseBool(v: string): boolean | string {
  if (GO_TRUE.has(v)) return true;
  if (GO_FALSE.has(v)) return false;
  return `strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`;
}

function boolQuery(q: URLSearchParams, name: string, what: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  const b = parseBool(v);
  if (typeof b === 'string') throw new HttpError(400, `failed to parse ${what} field to boolean: ${b}`);
  return b;
}

/** Installs the log route and the exec websocket on the Nomad server. */
export function installAllocIo(server: ApiServer, deps: AllocIoDeps): void {
  const { cluster, acl, clock } = deps;

  server.route('GET', '/v1/client/fs/logs/:id', (r) => {
    const q = r.query;
    const task = q.get('task') ?? '';
    if (!task) throw new HttpError(400, 'must provide task name');
    const follow = boolQuery(q, 'follow', 'follow');
    const plain = boolQuery(q, 'plain', 'plain');
    const type = q.get('type') ?? '';
    if (type !== 'stdout' && type !== 'stderr') throw new HttpError(400, 'must provide log type (stdout/stderr)');
    const rawOffset = q.get('offset') ?? '';
    let offset = 0;
    if (rawOffset !== '') {
      if (!/^[+-]?\d+$/.test(rawOffset)) throw new HttpError(400, `error parsing offset: strconv.ParseInt: parsing ${JSON.stringify(rawOffset)}: invalid syntax`);
      offset = Number(rawOffset);
    }
    const origin = q.get('origin') || 'start';
    if (origin !== 'start' && origin !== 'end') throw new HttpError(400, 'origin must be start or end');
    const alloc = cluster.allocs.get(r.params.id);
    if (!alloc) throw new HttpError(404, `Unknown allocation ${JSON.stringify(r.params.id)}`);
    const token = acl.tokenOf(r.headers);
    if (!acl.allows(token, alloc.Namespace, 'read-logs') && !acl.allows(token, alloc.Namespace, 'read-fs')) throw new HttpError(403, 'Permission denied');
    const state = alloc.TaskStates[task];
    if (!state) throw new HttpError(400, `unknown task name ${JSON.stringify(task)}`);
    if (/^0001-01-01/.test(state.StartedAt ?? '')) throw new HttpError(404, `task ${JSON.stringify(task)} not started yet. No logs available`);

    const res = r.res;
    res.writeHead(200, { 'Content-Type': plain ? 'text/plain' : 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const file = logFileName(task, type);
    const initial = taskLog(alloc, task, type as LogType, cluster.now());
    // client/fs_endpoint.go findClosest: from the end the offset counts back (not before 0), from the start forward (not past the end).
    let sent = origin === 'end' ? Math.max(initial.length - Math.abs(offset), 0) : Math.min(Math.max(offset, 0), initial.length);
    const write = (chunk: string | Buffer): void => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    const sendNew = (content: Buffer): void => {
      while (content.length > sent) {
        const data = content.subarray(sent, Math.min(content.length, sent + FRAME_SIZE));
        sent += data.length;
        write(plain ? data : JSON.stringify({ Offset: sent, Data: data.toString('base64'), File: file }));
      }
    };
    sendNew(initial);
    if (!follow) {
      res.end();
      return 'streamed';
    }
    void (async () => {
      let nextBeat = cluster.now() + LOG_HEARTBEAT_MS;
      while (!r.signal.aborted && !res.writableEnded) {
        const a = cluster.allocs.get(alloc.ID);
        if (!a) break;
        // The simulated now: `settle()` may have run transitions (a stop) ahead of the clock.
        const now = cluster.now();
        sendNew(taskLog(a, task, type as LogType, now));
        if (now >= nextBeat) {
          if (!plain) write('{}');
          nextBeat = now + LOG_HEARTBEAT_MS;
        }
        const until = Math.min(nextBeat, nextLogChange(a, task, now) ?? Number.POSITIVE_INFINITY);
        await cluster.feed.wait(clock, Math.max(until - now, 0), r.signal);
      }
      if (!res.writableEnded) res.end();
    })();
    return 'streamed';
  });

  const wss = new WebSocketServer({ noServer: true });
  server.onUpgrade((req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const m = /^\/v1\/client\/allocation\/([^/]+)\/exec$/.exec(url.pathname);
    if (!m) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      void execSession(ws, decodeURIComponent(m[1]), url.searchParams, req).catch(() => ws.terminate());
    });
  });

  /** One exec session on an upgraded connection. */
  async function execSession(ws: WebSocket, allocId: string, q: URLSearchParams, req: IncomingMessage): Promise<void> {
    const refuse = (code: 1008 | 1011, text: string): void => ws.close(code, text.slice(0, 120));
    const messages: Buffer[] = [];
    let onMessage: (() => void) | undefined;
    ws.on('message', (data: Buffer) => {
      messages.push(data);
      onMessage?.();
    });
    const nextMessage = (): Promise<Buffer | undefined> =>
      new Promise((resolve) => {
        const take = (): void => {
          onMessage = undefined;
          resolve(messages.shift());
        };
        if (messages.length) take();
        else {
          onMessage = take;
          ws.once('close', () => resolve(undefined));
        }
      });

    // command/agent/websockets.go readWsHandshake: with ws_handshake the first message carries the token.
    let headerToken = (req.headers['x-nomad-token'] as string | undefined) ?? /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const hs = q.get('ws_handshake');
    if (hs) {
      const want = parseBool(hs);
      if (typeof want === 'string') return refuse(1008, `ws_handshake value is not a boolean: ${want}`);
      if (want) {
        const first = await nextMessage();
        let msg: { version?: unknown; auth_token?: unknown } = {};
        try {
          msg = JSON.parse(first?.toString('utf8') ?? '{}') as typeof msg;
        } catch {
          return refuse(1008, 'invalid handshake message');
        }
        const token = typeof msg.auth_token === 'string' ? msg.auth_token : '';
        if (headerToken && headerToken !== token) return refuse(1008, 'handshake auth token mismatched auth header token');
        if (msg.version !== 1) return refuse(1008, `unexpected handshake value: ${String(msg.version)}`);
        headerToken = token;
      }
    }
    let command: unknown;
    try {
      command = JSON.parse(q.get('command') ?? '');
    } catch (err) {
      return refuse(1011, `failed to marshal command into json: ${(err as Error).message}`);
    }
    const ttyRaw = q.get('tty') ?? '';
    const tty = ttyRaw === '' ? false : parseBool(ttyRaw);
    if (typeof tty === 'string') return refuse(1011, `tty value is not a boolean: ${tty}`);
    const alloc: SimAlloc | undefined = cluster.allocs.get(allocId);
    if (!alloc) return refuse(1008, `Unknown allocation ${JSON.stringify(allocId)}`);
    const token = acl.tokens.get((headerToken ?? '').trim());
    if (!acl.allows(token, alloc.Namespace, 'alloc-exec')) return refuse(1011, 'Permission denied');
    if (['complete', 'failed', 'lost'].includes(alloc.ClientStatus)) return refuse(1008, `exec not possible, client status of allocation ${alloc.ID} is ${alloc.ClientStatus}`);
    const taskName = q.get('task') ?? '';
    if (!taskName) return refuse(1008, 'must provide task name');
    const argv = Array.isArray(command) ? command.filter((c): c is string => typeof c === 'string') : [];
    if (argv.length === 0) return refuse(1008, 'command is not present');
    const state = alloc.TaskStates[taskName];
    const task = alloc.job.TaskGroups.find((g) => g.Name === alloc.TaskGroup)?.Tasks.find((t) => t.Name === taskName);
    if (!state || !task) return refuse(1008, `unknown task name ${JSON.stringify(taskName)}`);
    if (/^0001-01-01/.test(state.StartedAt ?? '')) return refuse(1008, `task ${JSON.stringify(taskName)} not started yet.`);
    if (state.State !== 'running') return refuse(1008, `task ${JSON.stringify(taskName)} is not running.`);

    const container = containerOf(alloc, task, alloc.Datacenter, cluster.region);
    let size: { rows: number; cols: number } | undefined = tty ? { rows: 24, cols: 80 } : undefined;
    let exited = false;
    const send = (obj: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(obj));
    };
    const out = (stream: 'stdout' | 'stderr', text: string): void => {
      if (!text || exited) return;
      const data = tty ? text.replace(/\r?\n/g, '\r\n') : text;
      send({ [tty ? 'stdout' : stream]: { data: Buffer.from(data, 'utf8').toString('base64') } });
    };
    const running: { proc?: SimProcess } = {};
    const early: Array<{ data?: Buffer; close?: boolean }> = [];
    const handle = (raw: Buffer): void => {
      let msg: { stdin?: { data?: string; close?: boolean }; tty_size?: { height?: number; width?: number } };
      try {
        msg = JSON.parse(raw.toString('utf8')) as typeof msg;
      } catch {
        return;
      }
      if (msg.tty_size && size) size = { rows: msg.tty_size.height ?? 0, cols: msg.tty_size.width ?? 0 };
      const input = { data: msg.stdin?.data ? Buffer.from(msg.stdin.data, 'base64') : undefined, close: msg.stdin?.close };
      const proc = running.proc;
      if (!proc) early.push(input);
      else {
        if (input.data) proc.stdin(input.data);
        if (input.close) proc.closeStdin();
      }
    };
    // A TTY client sends the terminal size first: the command starts once that (or any input) arrived.
    if (tty && messages.length === 0) await new Promise<void>((resolve) => {
      onMessage = resolve;
      ws.once('close', () => resolve());
    });
    if (ws.readyState !== ws.OPEN) return;
    for (const m of messages.splice(0)) handle(m);
    onMessage = () => {
      for (const m of messages.splice(0)) handle(m);
    };
    const proc = startCommand(container, argv, {
      stdout: (t) => out('stdout', t),
      stderr: (t) => out('stderr', t),
      terminal: () => size,
      exit: (code) => {
        if (exited) return;
        send({ exited: true, result: { exit_code: code } });
        exited = true;
        ws.close(1000);
      },
    });
    running.proc = proc;
    for (const input of early.splice(0)) {
      if (input.data) proc.stdin(input.data);
      if (input.close) proc.closeStdin();
    }
  }
}
