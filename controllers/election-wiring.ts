/**
 * The elector of one operator unit: a lock per source in that unit's Consul, under the state prefix,
 * `<statePrefix>/leader/<16 hex of sha256(source identity # branch)>`, so instances on one source elect one
 * leader and instances on different sources never compete.
 */
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../crd-schemas/operator-config';
import { ConsulElector, type ElectorOptions } from '../lib/adapters/leader/consul-elector';
import { sourceIdentity } from '../lib/core/source-id';
import type { ConsulApi } from '../lib/ports/consul-api';
import type { Clock } from '../lib/runtime/clock';

/** Timings of an election (see `ElectorOptions`); the key and names are derived. */
export type ElectionOptions = Omit<ElectorOptions, 'key' | 'sessionName' | 'holder'> & { instance?: string };

/** The lock key of a source under `statePrefix`. */
export function leaderKey(statePrefix: string, sourceId: string, branch: string): string {
  const id = crypto.createHash('sha256').update(`${sourceId}#${branch}`).digest('hex').slice(0, 16);
  return `${statePrefix.replace(/\/+$/, '')}/leader/${id}`;
}

/** An elector for the unit's source in its Consul, its lock under the unit's `statePrefix`. */
export function electorFor(consul: ConsulApi, clock: Clock, logger: Logger, config: OperatorConfig, repo: string, cluster: string, statePrefix: string, opts: ElectionOptions = {}): ConsulElector {
  const sourceId = sourceIdentity(config.source, repo);
  const instance = opts.instance ?? `${os.hostname()}/${process.pid}`;
  const key = leaderKey(statePrefix, sourceId, config.source.branch);
  return new ConsulElector(consul, clock, logger.child({ cluster }), {
    ...opts,
    key,
    sessionName: `nomadguard ${instance}`,
    holder: JSON.stringify({ instance, source: sourceId }),
  });
}
