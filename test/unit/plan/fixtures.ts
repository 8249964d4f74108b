import type { Job, JobListStub } from '../../../lib/core/nomad/types';
import { jobKey, META, type DesiredInvalid, type DesiredValid } from '../../../lib/core/plan';

export const SOURCE = 'git@example.com:platform/specs.git';

/** A live job list stub; `meta` merges over nomadguard's marker unless `managed: false`. */
export function stub(namespace: string, id: string, o: { hash?: string; index?: number; managed?: boolean; source?: string; spec?: string; parent?: string; stop?: boolean } = {}): JobListStub {
  const meta: Record<string, string> = {};
  if (o.managed !== false) {
    meta[META.managed] = 'true';
    meta[META.source] = o.source ?? SOURCE;
    meta[META.spec] = o.spec ?? `${namespace}/${id}/nomadgen.toml`;
    if (o.hash) meta[META.hash] = o.hash;
  }
  return {
    ID: id, ParentID: o.parent ?? '', Name: id, Namespace: namespace, Datacenters: ['dc1', 'dc2'], Type: 'service', Priority: 50,
    Periodic: false, ParameterizedJob: false, Stop: o.stop ?? false, Status: 'running', StatusDescription: '', JobSummary: null,
    CreateIndex: 1, ModifyIndex: o.index ?? 10, JobModifyIndex: o.index ?? 10, SubmitTime: 0, Meta: meta,
  };
}

/** A valid desired job. */
export function valid(namespace: string, id: string, hash: string, o: Partial<DesiredValid> = {}): DesiredValid {
  const job: Job = { ID: id, Namespace: namespace, TaskGroups: [], Meta: { [META.managed]: 'true', [META.source]: SOURCE } };
  return { state: 'valid', key: jobKey(namespace, id), namespace, jobId: id, spec: `${namespace}/${id}/nomadgen.toml`, team: namespace, job, hash, mode: 'self-heal', suspended: false, ...o };
}

/** An invalid spec. */
export function invalid(spec: string, key?: string): DesiredInvalid {
  return { state: 'invalid', spec, team: spec.split('/')[0], key, diagnostics: [{ code: 'TOML_SYNTAX', severity: 'error', message: 'bad', file: spec, line: 1, col: 1 }] };
}
