/**
 * The write gate: the Nomad port and the state store as the controller sees them under an election. Every
 * write asks the lease (`Leadership.isLeader()`) right before it is sent and is refused with
 * `NotLeaderError`, never sent, when this instance does not hold it; reads pass. Each method of the ports
 * is classified below, so a write added to a port without a class here does not compile.
 */
import type { NomadApi } from '../../ports/nomad-api';
import { NotLeaderError } from '../../ports/leadership';
import type { StateStore } from '../state-store/types';

type Access = 'read' | 'write';

/** Every NomadApi method, read or write (what changes Nomad's state is a write). */
export const NOMAD_ACCESS: Readonly<Record<keyof NomadApi, Access>> = {
  capabilities: 'read',
  listJobs: 'read',
  readJob: 'read',
  registerJob: 'write',
  planJob: 'read', // a plan changes nothing (Nomad's Job.Plan runs the scheduler on a snapshot)
  deregisterJob: 'write',
  jobVersions: 'read',
  tagVersion: 'write',
  untagVersion: 'write',
  jobAllocations: 'read',
  listAllocations: 'read',
  allocationStats: 'read',
  jobDeployment: 'read',
  jobSummary: 'read',
  deployment: 'read',
  evaluation: 'read',
  allocation: 'read',
  namespaces: 'read',
  readNamespace: 'read',
  upsertNamespace: 'write',
  nodes: 'read',
  readNode: 'read',
  eventStream: 'read',
};

/** Every StateStore method, read or write (the in-memory refreshes are reads of the shared state). */
export const STATE_ACCESS: Readonly<Record<keyof StateStore, Access>> = {
  load: 'read',
  get: 'read',
  snapshot: 'read',
  reload: 'read',
  follow: 'read',
  confirmations: 'read',
  statuses: 'read',
  putStatus: 'write',
  put: 'write',
  delete: 'write',
  putConfirmations: 'write',
};

/** `target` with every write checked against `mayWrite` right before it is sent. */
function gate<T extends object>(target: T, access: Readonly<Record<keyof T, Access>>, what: string, mayWrite: () => boolean): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (access[prop as keyof T] !== 'write') return fn.bind(t);
      return (...args: unknown[]): unknown => {
        if (!mayWrite()) return Promise.reject(new NotLeaderError(`${what}.${String(prop)}`));
        return fn.apply(t, args);
      };
    },
  });
}

/** The Nomad port whose writes need the lease. */
export function gateNomadWrites(nomad: NomadApi, mayWrite: () => boolean): NomadApi {
  return gate(nomad, NOMAD_ACCESS, 'Nomad', mayWrite);
}

/** The state store whose writes need the lease. */
export function gateStateWrites(state: StateStore, mayWrite: () => boolean): StateStore {
  return gate(state, STATE_ACCESS, 'state store', mayWrite);
}
