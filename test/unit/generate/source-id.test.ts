/** The source identity: the repository without credentials, everything else as written. */
import { repoHasCredentials, repoWithoutCredentials, sourceIdentity } from '../../../lib/core/source-id';
import { renderSpec } from '../../../lib/core/pipeline';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';

describe('repoWithoutCredentials', () => {
  it.each([
    ['https://user:TOKEN@host/x', 'https://host/x'],
    ['https://TOKEN@git.example.com/team/specs.git', 'https://git.example.com/team/specs.git'],
    ['HTTP://oauth2:glpat-abc@gitlab.internal:8443/p/specs.git?x=1#y', 'HTTP://gitlab.internal:8443/p/specs.git?x=1#y'],
    ['https://u:p@ss@host/x', 'https://host/x'],
    ['https://x-access-token:ghs_1@github.com', 'https://github.com'],
    ['ssh://git:hunter2@gitea.internal/platform/specs.git', 'ssh://git@gitea.internal/platform/specs.git'],
    ['git+ssh://deploy:pw@[2001:db8::1]:22/specs.git', 'git+ssh://deploy@[2001:db8::1]:22/specs.git'],
  ])('%s -> %s', (repo, stripped) => {
    expect(repoWithoutCredentials(repo)).toBe(stripped);
    expect(repoHasCredentials(repo)).toBe(true);
  });

  it.each([
    'ssh://git@gitea.internal/platform/nomad-specs.git',
    'git@github.com:acme/specs.git',
    'https://git.example.com/Team/Specs.git',
    'https://git.example.com/a@b/specs.git',
    'git://git.example.com/specs.git',
    '/srv/git/specs.git',
    './specs',
    'file:///srv/git/specs.git',
  ])('%s is kept as written', (repo) => {
    expect(repoWithoutCredentials(repo)).toBe(repo);
    expect(repoHasCredentials(repo)).toBe(false);
  });
});

describe('sourceIdentity', () => {
  it('is the configured name, else the repository without credentials, else the fallback repository, else local', () => {
    expect(sourceIdentity({ name: 'specs', repo: 'https://u:t@h/x' })).toBe('specs');
    expect(sourceIdentity({ repo: 'https://u:t@h/x' }, 'https://other/y')).toBe('https://h/x');
    expect(sourceIdentity({}, 'https://u:t@h/y')).toBe('https://h/y');
    expect(sourceIdentity({})).toBe('local');
  });

  it('is what render writes to nomadguard.source', () => {
    const base = defaultOperatorConfig({});
    const config = { ...base, source: { ...base.source, repo: 'https://bot:S3CRET-t@git.example/specs.git' } };
    const text = 'name = "app"\ntier = "test"\ncontact = "a@example.com"\n[[group]]\nname = "main"\n[[group.task]]\nname = "app"\nimage = "registry.internal/es/app:1.0.0"\n';
    const r = renderSpec({ text, file: 'es/app/nomadgen.toml', team: 'es' }, { config, policy: defaultPolicy() });
    expect(r.job?.Meta?.['nomadguard.source']).toBe('https://git.example/specs.git');
  });
});
