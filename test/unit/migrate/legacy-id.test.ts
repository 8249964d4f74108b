import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy, PolicySchema } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';

const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
const LEGACY = (job: string): string => `job = "${job}"\ncontact = "c@example.com"\ntier = "production"\n\n[[taskgroup]]\nname = "main"\n\n[[task.main]]\nname = "app"\nimage = "registry.internal/team/app:1.0.0"\nport = 8080\nporttype = "http"\n`;
const V1 = (head: string): string => `${head}\ntier = "production"\ncontact = "c@example.com"\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name = "app"\n  image = "registry.internal/team/app:1.0.0"\n  port = 8080\n  check = { type = "http", path = "/" }\n`;

describe('legacy job IDs', () => {
  it('keeps the legacy `job` value as the job ID exactly', () => {
    const r = renderSpec({ text: LEGACY('prefix-p-team-mattermost'), file: 'team/mattermost/nomadgen.toml', team: 'team' }, env);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.jobId).toBe('prefix-p-team-mattermost');
    expect(r.job?.ID).toBe('prefix-p-team-mattermost');
    expect(r.job?.Name).toBe('prefix-p-team-mattermost');
  });

  it('gives a migration hint whose v1 spec renders to the same ID', () => {
    const r = renderSpec({ text: LEGACY('prefix-p-team-mattermost'), file: 'team/mattermost/nomadgen.toml', team: 'team' }, env);
    const hint = r.diagnostics.find((d) => d.code === 'LEGACY')?.hint ?? '';
    const name = /name = "([^"]+)"/.exec(hint)?.[1];
    const id = /id = "([^"]+)"/.exec(hint)?.[1];
    expect(id).toBe('prefix-p-team-mattermost');
    const v1 = renderSpec({ text: V1(`name = "${name}"\nid = "${id}"`), file: 'team/mattermost/nomadgen.toml', team: 'team' }, env);
    expect(v1.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(v1.job?.ID).toBe(r.job?.ID);
    expect(JSON.stringify(v1.job?.TaskGroups)).toBe(JSON.stringify(r.job?.TaskGroups));
  });

  it('needs no `id` when the legacy job follows <tier letter>-<team>-<name>', () => {
    const r = renderSpec({ text: LEGACY('p-team-chat'), file: 'team/chat/nomadgen.toml', team: 'team' }, env);
    expect(r.job?.ID).toBe('p-team-chat');
    expect(r.diagnostics.find((d) => d.code === 'LEGACY')?.hint).not.toContain('id = ');
  });

  it('refuses a legacy job that is not a valid job ID, at the position of `job`', () => {
    const r = renderSpec({ text: LEGACY('Team_Chat.v2'), file: 'team/chat/nomadgen.toml', team: 'team' }, env);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ code: 'NAME_INVALID', line: 1, col: 1 });
  });

  it('refuses an id that does not name the team, unless the policy allows it', () => {
    const r = renderSpec({ text: V1('name = "chat"\nid = "p-other-chat"'), file: 'team/chat/nomadgen.toml', team: 'team' }, env);
    expect(r.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ code: 'NAME_ID_TEAM', line: 2 });
    const open = PolicySchema.parse({ apiVersion: 'nomadguard/v1', kind: 'Policy', rules: { names: { idNamesTeam: false } } });
    const ok = renderSpec({ text: V1('name = "chat"\nid = "p-other-chat"'), file: 'team/chat/nomadgen.toml', team: 'team' }, { ...env, policy: open });
    expect(ok.job?.ID).toBe('p-other-chat');
  });
});
