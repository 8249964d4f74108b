/**
 * Nomad fills `${...}` in driver config from the task environment on the node, after every rule ran: a
 * value a rule judges (image, volumes, sysctl values) may hold no `$`, `{` or `}`. Values no rule reads
 * (args, command, entrypoint, work_dir, env values) keep them: `${NOMAD_ALLOC_DIR}` in args is ordinary.
 */
import { renderSpec } from '../../../lib/core/pipeline';
import { interpolates } from '../../../lib/core/policy/helpers';
import { CONFIG, declaredPolicy, positionOf, specText, type SpecParts } from './harness';

const env = { config: CONFIG, policy: declaredPolicy() };

function render(parts: SpecParts) {
  const text = specText(parts);
  return { text, r: renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, env) };
}

describe('values Nomad would interpolate', () => {
  it.each([
    ['a tag filled with "latest" in production', { image: 'registry.internal/es/cerebro:${TAG}', task: '  env = { TAG = "latest" }' }, 'IMAGE_INTERPOLATION', 'image'],
    ['a registry filled from env', { image: '${R}/es/cerebro:1.0.0', task: '  env = { R = "evil.example.com" }' }, 'IMAGE_INTERPOLATION', 'image'],
    ['an HCL directive in the image', { image: 'registry.internal/es/cerebro:%{ if true }latest%{ endif }' }, 'IMAGE_INTERPOLATION', 'image'],
    ['a volume target', { task: '  volumes = ["data:/x${X}"]' }, 'VOLUME_INTERPOLATION', '"data:/x${X}"'],
    ['a volume source that would become a host path', { task: '  volumes = ["${ROOT}:/data"]' }, 'VOLUME_INTERPOLATION', '"${ROOT}:/data"'],
    ['a sysctl value', { task: '  docker = { sysctl = { "net.core.somaxconn" = "${N}" } }' }, 'DOCKER_SYSCTL', '"net.core.somaxconn"'],
  ] as Array<[string, SpecParts, string, string]>)('%s is refused', (_name, parts, code, at) => {
    const { text, r } = render(parts);
    expect(r.ok).toBe(false);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    const { line, col } = positionOf(text, at);
    expect(errors.map((d) => `${d.code} ${d.line}:${d.col}`)).toContain(`${code} ${line}:${col}`);
  });

  it('an image with interpolation gets that one diagnostic, not a registry or tag verdict on the raw text', () => {
    const { r } = render({ image: '${R}/es/cerebro', task: '  env = { R = "registry.internal" }' });
    expect(r.diagnostics.filter((d) => d.path?.includes('image')).map((d) => d.code)).toEqual(['IMAGE_INTERPOLATION']);
  });

  it('args, command, entrypoint, work_dir and env values may use the task environment', () => {
    const { r } = render({ task: '  command = "${NOMAD_TASK_DIR}/run"\n  args = ["--dir=${NOMAD_ALLOC_DIR}"]\n  env = { A = "${NOMAD_META_x}" }\n  docker = { entrypoint = ["${NOMAD_TASK_DIR}/entry"], work_dir = "${NOMAD_TASK_DIR}" }' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('interpolates: $, { or } anywhere', () => {
    for (const s of ['${X}', '$X', 'a{', 'b}', '%{ if x }']) expect(interpolates(s)).toBe(true);
    for (const s of ['registry.internal/es/app:1.0.0', 'data:/data:ro', '']) expect(interpolates(s)).toBe(false);
  });
});
