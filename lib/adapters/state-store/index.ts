/** Where the operator remembers what it wrote: Consul KV, or a local file without Consul. */
export { type StateStore, type SharedJobStatus, parseRecord } from './types';
export { FileStateStore } from './file-state-store';
export { ConsulStateStore, type KvPort } from './consul-state-store';
