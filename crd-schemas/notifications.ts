/**
 * Notification endpoints, as the operator config (`notifications.endpoints`) and the policy (a team's
 * `notify`) write them. An endpoint is an http(s) URL given literally or, for URLs that carry a token
 * (Slack and Mattermost incoming webhooks do), through an environment variable read at start.
 */
import { z } from 'zod';

/** The transitions a notification is sent for. `Recovered` is the way back to Healthy from any of the others. */
export const NOTIFY_EVENTS = ['Degraded', 'Invalid', 'Stalled', 'Error', 'Recovered'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The body formats: `json` the generic document, `slack` `{"text": ...}` for Slack and Mattermost incoming webhooks. */
export const NOTIFY_FORMATS = ['json', 'slack'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

/** An environment variable name (what `urlEnv` may name). */
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Why `url` cannot be a notification endpoint, or `undefined`. Never echoes the URL (it may hold a token). */
export function notifyUrlProblem(url: string): string | undefined {
  if (url.length > 2048) return 'a notification URL may have at most 2048 characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'expected an absolute http:// or https:// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'expected an http:// or https:// URL';
  if (parsed.username || parsed.password) return 'credentials in a notification URL are not allowed; put a token in the path (through urlEnv) instead';
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'a notification URL may not contain spaces or control characters';
  return undefined;
}

/** An optional http(s) URL, checked by `notifyUrlProblem`. */
function httpUrl() {
  return z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const p = v === undefined ? undefined : notifyUrlProblem(v);
      if (p) ctx.addIssue({ code: 'custom', message: p });
    });
}

const endpointFields = {
  url: httpUrl().describe('The http(s) URL to POST to. A URL that carries a token belongs in urlEnv.'),
  urlEnv: z.string().regex(ENV_NAME_RE, 'expected an environment variable name').optional().describe('Environment variable holding the URL (read at start).'),
  format: z.enum(NOTIFY_FORMATS).default('json').describe('json: the generic body; slack: {"text": ...}, which Slack and Mattermost incoming webhooks take.'),
  events: z.array(z.enum(NOTIFY_EVENTS)).optional().describe('Only these transitions (default: every one).'),
};

function oneUrl(e: { url?: string; urlEnv?: string }, ctx: z.RefinementCtx): void {
  if ((e.url === undefined) === (e.urlEnv === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of url and urlEnv' });
}

/** A team's own endpoint (policy `teams.<team>.notify`): every transition of the team's jobs. */
export const TeamNotifyEndpointSchema = z.strictObject(endpointFields).superRefine(oneUrl);
export type TeamNotifyEndpoint = z.infer<typeof TeamNotifyEndpointSchema>;

/** A platform endpoint (config `notifications.endpoints`): every team's jobs, or the listed teams'. */
export const NotifyEndpointSchema = z
  .strictObject({ ...endpointFields, teams: z.array(z.string()).optional().describe('Only jobs of these teams (default: every team).') })
  .superRefine(oneUrl);
export type NotifyEndpoint = z.infer<typeof NotifyEndpointSchema>;

/** The config's `notifications` block. */
export const NotificationsSchema = z.strictObject({
  dashboardUrl: httpUrl().describe('The dashboard as people reach it; each notification links to the job there.'),
  endpoints: z.array(NotifyEndpointSchema).default([]),
  queueLimit: z.number().int().min(1).max(10_000).default(100).describe('Notifications kept per endpoint while it is down; the oldest are dropped beyond.'),
  maxAttempts: z.number().int().min(1).max(20).default(6).describe('Attempts per notification, the first included.'),
  timeout: z
    .string()
    .regex(/^(\d+(ms|s|m))+$/, 'expected a duration like "10s"')
    .refine((v) => /[1-9]/.test(v), 'a POST needs some time: give a duration above zero')
    .default('10s')
    .describe('Time allowed for one POST.'),
});
export type NotificationsConfig = z.infer<typeof NotificationsSchema>;
