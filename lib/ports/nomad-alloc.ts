/**
 * The allocation I/O port: what `nomadguard logs` and `nomadguard exec` need from Nomad besides the job
 * API: allocations by ID prefix, an allocation read that can block, a task's log stream and an exec
 * session. Implemented over HTTP and a websocket by NomadAllocClient (lib/adapters/nomad-http). Failures
 * are the typed errors of ./errors; a token without `read-logs` or `alloc-exec` is a ForbiddenError.
 */
import type { AllocListStub } from '../core/nomad/types';
import type { Indexed } from './nomad-api';

/** Which of a task's two log streams. */
export type LogType = 'stdout' | 'stderr';

/** Options of a log stream (`/v1/client/fs/logs/:alloc`). */
export interface LogStreamOptions {
  /** A full allocation ID (resolve short ones with `allocationsByPrefix`). */
  allocId: string;
  namespace?: string;
  task: string;
  type: LogType;
  /** Keep the stream open for new output (it never ends by itself: the caller stops it). */
  follow?: boolean;
  /** Where `offset` counts from: the start (default) or back from the end. */
  origin?: 'start' | 'end';
  /** Bytes from the origin. */
  offset?: number;
  /** Ends the stream quietly. */
  signal?: AbortSignal;
}

/** What a log stream yields: file bytes, heartbeats (about one a second while following) and file events. */
export type LogEvent =
  | { kind: 'data'; data: Uint8Array; file: string; offset: number }
  | { kind: 'heartbeat' }
  | { kind: 'file-event'; file: string; event: string };

/** Options of an exec session (`/v1/client/allocation/:alloc/exec`). */
export interface ExecOptions {
  allocId: string;
  namespace?: string;
  task: string;
  /** The command and its arguments (not run through a shell). */
  command: string[];
  /** Ask for a pseudo-terminal: stderr is merged into stdout; send the size with `resize`. */
  tty: boolean;
  onStdout(data: Uint8Array): void;
  onStderr(data: Uint8Array): void;
  /** Closes the session; `exitCode` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A running exec session. */
export interface ExecSession {
  sendStdin(data: Uint8Array): void;
  /** End of input (the remote command sees EOF). */
  closeStdin(): void;
  /** The terminal's size (TTY sessions). */
  resize(size: { width: number; height: number }): void;
  /** The command's exit code; rejects with an ApiError when Nomad refuses or breaks the session. */
  readonly exitCode: Promise<number>;
  /** Closes the connection. */
  close(): void;
}

/** Allocation I/O on a Nomad cluster. */
export interface NomadAllocApi {
  /** Allocations (all namespaces the token can see) whose ID starts with `prefix` (any length ≥ 1). */
  allocationsByPrefix(prefix: string): Promise<AllocListStub[]>;
  /** A full allocation (embedded job, task states); blocking with `index`; NotFoundError when unknown. */
  readAllocation(id: string, opts?: { namespace?: string; index?: number; wait?: string; signal?: AbortSignal }): Promise<Indexed<Record<string, unknown>>>;
  /** A task's log as an async iterator of events; ends when the server ends the stream or `signal` aborts. */
  logs(opts: LogStreamOptions): AsyncIterable<LogEvent>;
  /** Opens an exec session; resolves once the websocket is connected. */
  exec(opts: ExecOptions): Promise<ExecSession>;
}
