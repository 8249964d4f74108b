/**
 * checks: a `script` check needs a command, an `http` check needs a path following the check path grammar
 * (`isCheckPath` in generate/grammar.ts: a path on the task's own address, nothing Nomad interpolates), `tcp` and `http` checks
 * need the task's port, and interval, timeout and grace are durations Nomad understands (`10s`, `1m30s`).
 * Codes: CHECK_SCRIPT_COMMAND, CHECK_HTTP_PATH, CHECK_PORT, CHECK_DURATION.
 */
import type { Diagnostic } from '../../diagnostics';
import { CHECK_PATH_MAX, isCheckPath } from '../../generate/grammar';
import { parseDuration } from '../../spec/duration';
import type { ValidatorRule } from '../types';
import { stripUrlCredentials } from '../../plan/redact';

/** The `checks` validator rule (see the file comment for what it checks). */
export const checks: ValidatorRule<'checks'> = {
  name: 'checks',
  validate(spec) {
    const out: Diagnostic[] = [];
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) => {
        const c = t.check;
        if (!c) return;
        const at = ['group', gi, 'task', ti, 'check'];
        if (c.type === 'script' && (c.command === undefined || c.command.trim() === '')) {
          out.push({
            code: 'CHECK_SCRIPT_COMMAND',
            severity: 'error',
            message: `the script check of task ${JSON.stringify(t.name)} has no command; add command = "/bin/healthcheck" (and args if needed) or use type = "tcp" or "http".`,
            path: at,
          });
        }
        if (c.type === 'http') {
          if (c.path === undefined || c.path === '') {
            out.push({
              code: 'CHECK_HTTP_PATH',
              severity: 'error',
              message: `the http check of task ${JSON.stringify(t.name)} has no path; add path = "/health" (any path that answers 2xx when the task is healthy).`,
              path: at,
            });
          } else if (!c.path.startsWith('/')) {
            out.push({
              code: 'CHECK_HTTP_PATH',
              severity: 'error',
              message: `the http check path ${JSON.stringify(stripUrlCredentials(c.path))} of task ${JSON.stringify(t.name)} must start with "/", e.g. "/${c.path}".`,
              path: [...at, 'path'],
            });
          } else if (!isCheckPath(c.path)) {
            out.push({
              code: 'CHECK_HTTP_PATH',
              severity: 'error',
              message: `the http check path ${JSON.stringify(stripUrlCredentials(c.path))} of task ${JSON.stringify(t.name)} is not a plain URL path: write "/" followed by letters, digits and - . _ ~ ! & * + , ; = : @ / or %XX, at most ${CHECK_PATH_MAX} characters, optionally ?query of the same characters; no "//", no "." or ".." segment, no "$", "{", "}", "\\", "#" or whitespace.`,
              path: [...at, 'path'],
            });
          }
        }
        if ((c.type === 'http' || c.type === 'tcp') && t.port === undefined) {
          out.push({
            code: 'CHECK_PORT',
            severity: 'error',
            message: `the ${c.type} check of task ${JSON.stringify(t.name)} needs the port the task listens on; add port = <number> to the task.`,
            path: [...at, 'type'],
          });
        }
        for (const key of ['interval', 'timeout', 'grace'] as const) {
          const v = c[key];
          if (v === undefined) continue;
          const n = parseDuration(v);
          if (n === undefined || (key !== 'grace' && n === 0)) {
            out.push({
              code: 'CHECK_DURATION',
              severity: 'error',
              message: `check ${key} ${JSON.stringify(v)} of task ${JSON.stringify(t.name)} is not a ${key === 'grace' ? '' : 'positive '}duration; write a number with a unit, e.g. "10s", "500ms" or "1m30s".`,
              path: [...at, key],
            });
          }
        }
      }),
    );
    return out;
  },
};
