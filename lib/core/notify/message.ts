/**
 * What a notification says, and its two bodies: the generic JSON document and the `{"text": ...}` body
 * that Slack and Mattermost incoming webhooks take. Everything comes from the job's status, which never
 * holds a secret value; text that a spec controls (messages, names) is made inert for the chat markup
 * (no mentions, links or code blocks a team could smuggle in) and cut to a bounded length.
 */
import type { NotifyEvent, NotifyFormat } from '../../../crd-schemas/notifications';
import type { JobPhase, JobStatus } from '../../../crd-schemas/status';
import type { Transition } from './transitions';

/** The generic JSON body (`format: json`). */
export interface NotificationBody {
  event: NotifyEvent;
  /** `namespace/job`, or the spec path of a spec that never named its job. */
  key: string;
  job: string;
  namespace: string;
  team?: string;
  spec?: string;
  cluster?: string;
  phase: JobPhase;
  previousPhase?: JobPhase;
  reason?: string;
  message?: string;
  commit?: string;
  dashboard?: string;
  /** RFC 3339 time of the transition. */
  at: string;
}

/** Longest message kept (characters). */
export const MESSAGE_LIMIT = 500;

/** What the message of a status is: its last error, else the condition that explains its phase. */
function explain(s: JobStatus): { reason?: string; message?: string } {
  if (s.phase !== 'Healthy' && s.lastError) return { reason: s.lastError.reason, message: s.lastError.message };
  const c = s.conditions.find((x) => x.type === (s.phase === 'Healthy' ? 'Healthy' : 'Synced')) ?? s.conditions[s.conditions.length - 1];
  return c ? { reason: c.reason, message: c.message } : {};
}

/** One line, no control characters, at most `limit` characters. */
export function oneLine(text: string, limit = MESSAGE_LIMIT): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

/** The JSON body of a transition. */
export function notificationBody(
  s: JobStatus,
  t: Transition,
  ctx: { at: string; team?: string; cluster?: string; dashboardUrl?: string },
): NotificationBody {
  const { reason, message } = explain(s);
  return {
    event: t.event,
    key: s.key,
    job: s.jobId,
    namespace: s.namespace,
    ...(ctx.team ? { team: ctx.team } : {}),
    ...(s.spec ? { spec: s.spec } : {}),
    ...(ctx.cluster ? { cluster: ctx.cluster } : {}),
    phase: s.phase,
    ...(t.previousPhase ? { previousPhase: t.previousPhase } : {}),
    ...(reason ? { reason: oneLine(reason, 100) } : {}),
    ...(message ? { message: oneLine(message) } : {}),
    ...(s.desiredCommit ? { commit: s.desiredCommit } : {}),
    ...(ctx.dashboardUrl ? { dashboard: dashboardLink(ctx.dashboardUrl, s.key) } : {}),
    at: ctx.at,
  };
}

/** The dashboard's address with the job named in the fragment. */
export function dashboardLink(base: string, key: string): string {
  return `${base.replace(/#.*$/, '')}#job=${encodeURIComponent(key)}`;
}

/**
 * Text that Slack's and Mattermost's markup show as written: `&`, `<` and `>` escaped as both document,
 * the characters that open code, emphasis, links or mentions (`` ` * _ ~ [ ] | @ ``) replaced by
 * look-alikes that open nothing, and a word joiner (U+2060) after `:` of `://` and after each dot inside a
 * word, so chat does not turn a URL or a host name from a spec into a link.
 */
export function chatText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[`*_~[\]|@]/g, (c) => CHAT_LOOKALIKE[c] ?? ' ')
    .replace(/:\/\//g, ':\u2060//')
    .replace(/\.(?=[A-Za-z0-9])/g, '.\u2060');
}

const CHAT_LOOKALIKE: Record<string, string> = { '`': "'", '*': '∗', _: '‗', '~': '∼', '[': '(', ']': ')', '|': '¦', '@': '＠' };

const HEADLINE: Record<NotifyEvent, string> = {
  Degraded: ':red_circle: is Degraded',
  Invalid: ':warning: has an invalid spec',
  Stalled: ':rewind: was auto-reverted and is held',
  Error: ':x: cannot be reconciled',
  Recovered: ':large_green_circle: is Healthy again',
};

/** The `{"text": ...}` body for Slack and Mattermost. */
export function chatBody(b: NotificationBody): { text: string } {
  const facts = [
    b.team ? `team ${chatText(b.team)}` : undefined,
    b.cluster ? `cluster ${chatText(b.cluster)}` : undefined,
    b.commit ? `commit ${chatText(b.commit.slice(0, 12))}` : undefined,
  ].filter((x): x is string => x !== undefined);
  const why = b.event === 'Recovered' ? '' : [b.reason ? `${chatText(b.reason)}: ` : '', b.message ? chatText(b.message) : ''].join('');
  const link = b.dashboard ? ` <${b.dashboard.replace(/[<>|]/g, encodeURIComponent)}|dashboard>` : '';
  const lines = [`**${chatText(b.key)}** ${HEADLINE[b.event]}${link}`];
  if (why) lines.push(why);
  if (facts.length > 0) lines.push(facts.join(' · '));
  return { text: lines.join('\n') };
}

/** The body for `format`, serialised. */
export function renderNotification(b: NotificationBody, format: NotifyFormat): string {
  return JSON.stringify(format === 'slack' ? chatBody(b) : b);
}
