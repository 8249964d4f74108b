/**
 * Meta written by the generator: the job's ownership marker and provenance, and the task meta the node
 * firewall and nagios read.
 */
import type { SpecV1, TaskSpec } from '../../../crd-schemas/spec-v1';
import { META } from '../plan/types';
import { sortRecord } from '../hash';
import type { GenerateContext } from './context';
import { canonicalFirewallEntry } from './firewall-entry';

/** Task Meta keys the node firewall reads (comma-separated lists). */
export const FIREWALL_META = { ingress: 'firewall.ingress', egress: 'firewall.egress' } as const;

/**
 * Job Meta: the spec's own meta, then contact and the nomadguard keys (which win). Keys sorted.
 *
 * Only what never changes while the spec stays in place: Nomad compares job and group meta as part of every
 * task (`Job.CombinedTaskMeta` in `scheduler/util.go:tasksUpdated`), so a key that moved with each commit
 * would turn every change, even a count change, into a replacement of every allocation. The commit, the
 * hash and the list of modifications live in the operator's state store and status instead.
 */
export function jobMeta(spec: SpecV1, ctx: GenerateContext): Record<string, string> {
  return sortRecord({
    ...(spec.meta ?? {}),
    contact: spec.contact,
    [META.managed]: 'true',
    [META.source]: ctx.source,
    [META.spec]: ctx.file,
  });
}

/**
 * Task Meta: the spec's task meta (nagios thresholds live here) plus the firewall rules, each prefix in
 * canonical form (`2001:0db8::/048` is written `2001:db8::/48`). Undefined when empty.
 */
export function taskMeta(task: TaskSpec): Record<string, string> | undefined {
  const fw = task.firewall;
  const ingress = fw?.ingress && fw.ingress.length > 0 ? fw.ingress.map(canonicalFirewallEntry).join(',') : undefined;
  const egress = fw?.egress && fw.egress.length > 0 ? fw.egress.map(canonicalFirewallEntry).join(',') : undefined;
  if (ingress === undefined && egress === undefined) return task.meta && Object.keys(task.meta).length > 0 ? sortRecord(task.meta) : undefined;
  const meta: Record<string, string> = { ...(task.meta ?? {}) };
  if (ingress !== undefined) meta[FIREWALL_META.ingress] = ingress;
  if (egress !== undefined) meta[FIREWALL_META.egress] = egress;
  return sortRecord(meta);
}
