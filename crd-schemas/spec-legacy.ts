/**
 * The legacy nomadgen format, as the original nomadgen tool read it.
 *
 * Still accepted so old services keep deploying; the loader converts it to v1 (lib/core/spec/legacy.ts)
 * and warns with `LEGACY`. Unknown keys are rejected here too, so a typo is caught before conversion.
 */
import { z } from 'zod';
import { TIERS } from './spec-v1';

/** A nagios threshold: a number of failing instances, written as a number or a string. */
const threshold = z.union([z.number().int(), z.string()]);

/** One legacy task, written as `[[task.<group>]]`. */
export const LegacyTaskSchema = z.strictObject({
  name: z.string().describe('Task name.'),
  image: z.string().describe('Docker image.'),
  args: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  porttype: z.enum(['http', 'tcp']).optional().describe('How the port is checked: http (GET checkpath) or tcp connect.'),
  checkpath: z.string().optional().describe('HTTP check path.'),
  grace: z.string().optional().describe('Check grace period, e.g. "60s".'),
  cpu: z.number().int().optional(),
  memory: z.number().int().optional(),
  firewall: z.string().optional().describe('Ingress firewall group(s), e.g. "g/netscaler" (comma separated).'),
  nagiossms: threshold.optional().describe('Failing instances before nagios sends an SMS.'),
  nagiosmail: threshold.optional().describe('Failing instances before nagios sends a mail.'),
});

/** One legacy group, written as `[[taskgroup]]`. */
export const LegacyGroupSchema = z.strictObject({
  name: z.string(),
  count: z.number().int().min(0).optional(),
});

/** The whole legacy file. */
export const SpecLegacySchema = z.strictObject({
  job: z.string().describe('The job name, e.g. "p-es-cerebro"; kept as the job ID.'),
  contact: z.string(),
  tier: z.enum(TIERS).optional().describe('Defaults to the tier letter of the job name.'),
  taskgroup: z.array(LegacyGroupSchema).min(1),
  task: z.record(z.string(), z.array(LegacyTaskSchema)).describe('Tasks per group name: [[task.<group>]].'),
});

/** A parsed legacy file. */
export type SpecLegacy = z.infer<typeof SpecLegacySchema>;
/** A parsed legacy task. */
export type LegacyTask = z.infer<typeof LegacyTaskSchema>;

/** True when a parsed TOML document looks like the legacy format rather than v1. */
export function isLegacyDocument(doc: Record<string, unknown>): boolean {
  return ('job' in doc || 'taskgroup' in doc) && !('name' in doc) && !('group' in doc);
}
