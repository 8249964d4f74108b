/**
 * images: the image comes from an allowed registry, and its tag is immutable (`latest` or no tag moves
 * under you: a reschedule may start a different build). The image holds no `$`, `{` or `}`: Nomad fills
 * `${...}` from the task environment on the node (see `interpolates`), after both checks.
 * Codes: IMAGE_INTERPOLATION, IMAGE_REGISTRY, IMAGE_MUTABLE_TAG.
 */
import type { Diagnostic } from '../../diagnostics';
import { interpolates, listText } from '../helpers';
import type { ValidatorRule } from '../types';

/** An image reference split the way docker does: registry (docker.io when absent), repository, tag, digest. */
export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Split `registry/path/name:tag@digest`; the first component is a registry when it has a dot, a colon or is localhost. */
export function parseImage(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, repository: rest.slice(slash + 1), tag, digest };
  }
  return { registry: 'docker.io', repository: rest, tag, digest };
}

/** Whether `ref` comes from `allowed`: a registry host (`registry.internal`) or a host/path prefix (`registry.internal/es`). */
function fromRegistry(ref: ImageRef, allowed: string): boolean {
  const full = `${ref.registry}/${ref.repository}`;
  return allowed.includes('/') ? full === allowed || full.startsWith(allowed.endsWith('/') ? allowed : `${allowed}/`) : ref.registry === allowed;
}

/** The `images` validator rule (see the file comment for what it checks). */
export const images: ValidatorRule<'images'> = {
  name: 'images',
  validate(spec, _ctx, params) {
    const out: Diagnostic[] = [];
    const mutable = params.mutableTags[spec.tier] ?? params.mutableTags.default;
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) => {
        if (interpolates(t.image)) {
          out.push({
            code: 'IMAGE_INTERPOLATION',
            severity: 'error',
            message: `image ${JSON.stringify(t.image)} contains "$", "{" or "}"; Nomad would fill \`\${…}\` from the task's environment on the node, so neither the registry nor the tag could be checked. Write the image reference literally.`,
            path: ['group', gi, 'task', ti, 'image'],
          });
          return;
        }
        const ref = parseImage(t.image);
        if (params.registries.length > 0 && !params.registries.some((r) => fromRegistry(ref, r))) {
          out.push({
            code: 'IMAGE_REGISTRY',
            severity: 'error',
            message: `image ${JSON.stringify(t.image)} comes from registry ${JSON.stringify(ref.registry)}, which the platform does not pull from; allowed: ${listText(params.registries)}. Push the image there and reference it as "${params.registries[0]}/${ref.repository}:<version>".`,
            path: ['group', gi, 'task', ti, 'image'],
          });
        }
        if (mutable !== 'off' && ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest')) {
          const what = ref.tag === undefined ? 'has no tag (docker reads it as "latest")' : 'uses the tag "latest"';
          out.push({
            code: 'IMAGE_MUTABLE_TAG',
            severity: mutable,
            message: `image ${JSON.stringify(t.image)} ${what}, which can point to a different build on every pull; in tier ${JSON.stringify(spec.tier)} use an immutable version tag such as ":1.4.2" or a digest "@sha256:…".`,
            path: ['group', gi, 'task', ti, 'image'],
          });
        }
      }),
    );
    return out;
  },
};
