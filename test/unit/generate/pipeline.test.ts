import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec, validateRepo } from '../../../lib/core/pipeline';
import { jobHash } from '../../../lib/core/hash';

const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
const SPEC = (name: string, extra = ''): string => `name = "${name}"\ntier = "production"\ncontact = "c@example.com"\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name  = "app"\n  image = "registry.internal/es/app:1.0.0"\n  port  = 8080\n  check = { type = "http", path = "/" }\n${extra}`;

describe('renderSpec', () => {
  it('renders a valid spec to a job with its source and spec in Meta, and its hash beside it', () => {
    const r = renderSpec({ text: SPEC('app'), file: 'es/app/nomadgen.toml', team: 'es', commit: 'c0ffee', source: 'git@x:specs.git' }, env);
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.jobId).toBe('p-es-app');
    expect(r.job?.Meta).toEqual({ contact: 'c@example.com', 'nomadguard.managed': 'true', 'nomadguard.source': 'git@x:specs.git', 'nomadguard.spec': 'es/app/nomadgen.toml' });
    expect(r.hash).toBe(jobHash(r.job!));
    // The commit moves with every change: it must not change the job (Nomad would replace every allocation).
    const other = renderSpec({ text: SPEC('app'), file: 'es/app/nomadgen.toml', team: 'es', commit: 'beef', source: 'git@x:specs.git' }, env);
    expect(JSON.stringify(other.job)).toBe(JSON.stringify(r.job));
  });

  it('gives policy diagnostics the line and column of the key they are about', () => {
    const r = renderSpec({ text: SPEC('app', '  docker = { privileged = true }\n'), file: 'es/app/nomadgen.toml', team: 'es' }, env);
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.severity === 'error');
    expect(d).toMatchObject({ file: 'es/app/nomadgen.toml', line: 13 });
    expect(d?.col).toBeGreaterThan(1);
  });

  it('stops at load errors without a job', () => {
    const r = renderSpec({ text: 'name = ', file: 'x.toml', team: 'es' }, env);
    expect(r).toMatchObject({ ok: false, legacy: false, modifications: [] });
    expect(r.job).toBeUndefined();
    expect(r.diagnostics[0].code).toBe('TOML_SYNTAX');
  });
});

describe('validateRepo', () => {
  it('renders every spec and applies the repository-wide rules', () => {
    const results = validateRepo([
      { file: 'es/a/nomadgen.toml', text: SPEC('app'), team: 'es' },
      { file: 'es/b/nomadgen.toml', text: SPEC('app'), team: 'es' },
      { file: 'es/c/nomadgen.toml', text: SPEC('other'), team: 'es' },
    ], env);
    expect(results.get('es/a/nomadgen.toml')?.ok).toBe(true);
    expect(results.get('es/c/nomadgen.toml')?.ok).toBe(true);
    const dup = results.get('es/b/nomadgen.toml')!;
    expect(dup.ok).toBe(false);
    expect(dup.diagnostics.map((d) => d.code)).toContain('DUPLICATE_JOB_ID');
    expect(dup.diagnostics.every((d) => d.line !== undefined && d.file === 'es/b/nomadgen.toml')).toBe(true);
  });
});
