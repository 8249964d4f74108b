/**
 * meta: job, group and task meta keys follow the meta key grammar (letters, digits, "_", "." and "-") and
 * stay out of the namespaces only the platform writes: `nomadguard.` (ownership and provenance the
 * operator trusts) and `firewall.` (the node firewall reads a task's `firewall.ingress`/`firewall.egress`;
 * a spec states its firewall in `firewall`, where the firewall rule checks it). Values are free text.
 * Codes: META_RESERVED, META_KEY_INVALID.
 */
import type { Diagnostic, SpecPath } from '../../diagnostics';
import { isMetaKey, isReservedMetaKey } from '../../generate/grammar';
import type { ValidatorRule } from '../types';

function check(meta: Record<string, string> | undefined, at: SpecPath, where: string, out: Diagnostic[]): void {
  for (const key of Object.keys(meta ?? {})) {
    const path = [...at, key];
    if (isReservedMetaKey(key)) {
      out.push({
        code: 'META_RESERVED',
        severity: 'error',
        message: `${where} meta key ${JSON.stringify(key)} is in a namespace only the platform writes ("nomadguard.", "firewall."); use another key (firewall rules go in firewall = { ingress, egress }).`,
        path,
      });
    } else if (!isMetaKey(key)) {
      out.push({
        code: 'META_KEY_INVALID',
        severity: 'error',
        message: `${where} meta key ${JSON.stringify(key)} is not a plain key: use letters, digits, "_", "." and "-", starting with a letter, digit or "_" (at most 128 characters).`,
        path,
      });
    }
  }
}

/** The `meta` validator rule (see the file comment for what it checks). */
export const meta: ValidatorRule<'meta'> = {
  name: 'meta',
  validate(spec) {
    const out: Diagnostic[] = [];
    check(spec.meta, ['meta'], 'job', out);
    spec.group.forEach((g, gi) => {
      check(g.meta, ['group', gi, 'meta'], `group ${JSON.stringify(g.name)}`, out);
      g.task.forEach((t, ti) => check(t.meta, ['group', gi, 'task', ti, 'meta'], `task ${JSON.stringify(t.name)}`, out));
    });
    return out;
  },
};
