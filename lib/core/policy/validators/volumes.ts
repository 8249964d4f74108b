/**
 * volumes: `"name:/container/path[:ro|rw]"` mounts a named volume; `"/host/path:/container/path[:ro|rw]"`
 * mounts a host directory and is allowed only under the policy's host path prefixes; `..` is never allowed,
 * nor `$`, `{` or `}` (Nomad fills `${...}` from the task environment on the node: see `interpolates`).
 * Codes: VOLUME_INTERPOLATION, VOLUME_FORMAT, VOLUME_TRAVERSAL, VOLUME_HOST_PATH.
 */
import type { Diagnostic } from '../../diagnostics';
import { interpolates, listText } from '../helpers';
import type { ValidatorRule } from '../types';

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const FORMAT_HINT = 'write "name:/container/path" for a named volume (append ":ro" for read-only)';

function hasTraversal(p: string): boolean {
  return p.includes('..') && p.split('/').includes('..');
}

/** Whether `path` equals `prefix` or lies below it, compared by whole path segments. */
function under(path: string, prefix: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
}

/** The `volumes` validator rule (see the file comment for what it checks). */
export const volumes: ValidatorRule<'volumes'> = {
  name: 'volumes',
  validate(spec, _ctx, params) {
    const out: Diagnostic[] = [];
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) =>
        (t.volumes ?? []).forEach((v, vi) => {
          const path = ['group', gi, 'task', ti, 'volumes', vi];
          if (interpolates(v)) {
            out.push({
              code: 'VOLUME_INTERPOLATION',
              severity: 'error',
              message: `volume ${JSON.stringify(v)} contains "$", "{" or "}"; Nomad would fill \`\${…}\` from the task's environment on the node, after the source and target are checked. Write the volume literally.`,
              path,
            });
            return;
          }
          const parts = v.split(':');
          const [source, target, mode] = parts;
          if (parts.length < 2 || parts.length > 3 || source === '' || !target?.startsWith('/') || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
            out.push({
              code: 'VOLUME_FORMAT',
              severity: 'error',
              message: `volume ${JSON.stringify(v)} is not of the form "source:/container/path[:ro|rw]"; ${FORMAT_HINT}.`,
              path,
            });
            return;
          }
          if (hasTraversal(source) || hasTraversal(target)) {
            out.push({
              code: 'VOLUME_TRAVERSAL',
              severity: 'error',
              message: `volume ${JSON.stringify(v)} contains "..", which could escape the allowed directory; write the path without "..".`,
              path,
            });
            return;
          }
          if (source.startsWith('/')) {
            if (!params.hostPathPrefixes.some((p) => under(source, p))) {
              const allowed = params.hostPathPrefixes.length > 0 ? `host paths are allowed only under ${listText(params.hostPathPrefixes)}` : 'the platform allows no host paths';
              out.push({
                code: 'VOLUME_HOST_PATH',
                severity: 'error',
                message: `volume ${JSON.stringify(v)} mounts the host directory ${JSON.stringify(source)}, but ${allowed}; use a named volume instead: "data:${target}${mode ? `:${mode}` : ''}".`,
                path,
              });
            }
          } else if (!VOLUME_NAME.test(source)) {
            out.push({
              code: 'VOLUME_FORMAT',
              severity: 'error',
              message: `volume name ${JSON.stringify(source)} in ${JSON.stringify(v)} may contain only letters, digits, "_", "." and "-", and must start with a letter or digit; ${FORMAT_HINT}.`,
              path,
            });
          }
        }),
      ),
    );
    return out;
  },
};
