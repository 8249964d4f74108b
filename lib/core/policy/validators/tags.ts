/**
 * tags: the spec's Consul tags follow the tag grammar (printable ASCII without whitespace, quotes,
 * backticks, backslashes, "$", "{" or "}", at most 128 characters) and stay out of traefik's namespace:
 * every traefik tag comes from the traefik modifier, so a spec cannot route another team's host, raise a
 * router's priority or attach a middleware. The generator registers only the tags this rule accepts.
 * Codes: TAG_RESERVED, TAG_INVALID.
 */
import type { Diagnostic } from '../../diagnostics';
import { isTag, isTraefikTag, TAG_MAX } from '../../generate/grammar';
import type { ValidatorRule } from '../types';

/** The `tags` validator rule (see the file comment for what it checks). */
export const tags: ValidatorRule<'tags'> = {
  name: 'tags',
  validate(spec) {
    const out: Diagnostic[] = [];
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) =>
        (t.tags ?? []).forEach((tag, i) => {
          const path = ['group', gi, 'task', ti, 'tags', i];
          if (isTraefikTag(tag)) {
            out.push({
              code: 'TAG_RESERVED',
              severity: 'error',
              message: `tag ${JSON.stringify(tag)} of task ${JSON.stringify(t.name)} is in traefik's namespace; routes come only from the platform (set http = { expose, internet, path_prefix } instead). Remove the tag.`,
              path,
            });
          } else if (!isTag(tag)) {
            out.push({
              code: 'TAG_INVALID',
              severity: 'error',
              message: `tag ${JSON.stringify(tag)} of task ${JSON.stringify(t.name)} is not a plain tag: use 1 to ${TAG_MAX} printable characters without spaces, quotes, backticks, backslashes, "$", "{" or "}".`,
              path,
            });
          }
        }),
      ),
    );
    return out;
  },
};
