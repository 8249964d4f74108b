/**
 * env: every environment variable name follows `[A-Za-z_][A-Za-z0-9_]*` (at most 128 characters), the
 * grammar a shell and an env file agree on; values are the team's own and are never checked or shown.
 * Code: ENV_KEY_INVALID.
 */
import type { Diagnostic } from '../../diagnostics';
import { isEnvKey } from '../../generate/grammar';
import type { ValidatorRule } from '../types';

/** The `env` validator rule (see the file comment for what it checks). */
export const env: ValidatorRule<'env'> = {
  name: 'env',
  validate(spec) {
    const out: Diagnostic[] = [];
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) => {
        for (const key of Object.keys(t.env ?? {})) {
          if (isEnvKey(key)) continue;
          out.push({
            code: 'ENV_KEY_INVALID',
            severity: 'error',
            message: `environment variable name ${JSON.stringify(key)} of task ${JSON.stringify(t.name)} is not a plain name: start with a letter or "_", then letters, digits and "_" (at most 128 characters).`,
            path: ['group', gi, 'task', ti, 'env', key],
          });
        }
      }),
    );
    return out;
  },
};
