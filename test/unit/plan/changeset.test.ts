import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobDiff, JobPlanResponse } from '../../../lib/core/nomad/types';
import { changeEntry, decide, diffChanges, diffLines, filterDiffNoise, formatChangeset, ignoreScaledCounts, isSecretField, judgePlan, redactDiff, REDACTED, summarize, type ChangeEntry } from '../../../lib/core/plan';
import { SOURCE, stub, valid } from './fixtures';

const samples = path.join(__dirname, '../../contracts/samples');
const sample = (name: string): JobPlanResponse => JSON.parse(fs.readFileSync(path.join(samples, name), 'utf8')) as JobPlanResponse;

function edited(fields: JobDiff['Fields'], objects: JobDiff['Objects'] = null): JobDiff {
  return { Type: 'Edited', ID: 'a', Fields: fields, Objects: objects, TaskGroups: null };
}
const f = (Name: string, Old: string, New: string, Type: 'Edited' | 'Added' | 'Deleted' | 'None' = 'Edited') => ({ Type, Name, Old, New, Annotations: null });

describe('filterDiffNoise', () => {
  it.each([
    { name: 'our commit meta alone is no change', diff: edited([f('Meta[nomadguard.commit]', 'aaa', 'bbb')]), changes: false },
    { name: 'our commit meta inside a Meta object is no change', diff: edited(null, [{ Type: 'Edited', Name: 'Meta', Fields: [f('nomadguard.commit', 'a', 'b'), f('nomadguard.hash', 'x', 'y')], Objects: null }]), changes: false },
    { name: 'NomadTokenID is no change', diff: edited([f('NomadTokenID', 'x', 'y')]), changes: false },
    { name: 'contextual None fields are no change', diff: edited([f('Priority', '50', '50', 'None')]), changes: false },
    { name: 'a real field is a change', diff: edited([f('Priority', '50', '60'), f('NomadTokenID', 'x', 'y')]), changes: true },
    { name: 'a contact change in Meta is a change', diff: edited([f('Meta[contact]', 'a@x', 'b@x')]), changes: true },
    { name: 'an added job stays added', diff: { Type: 'Added', ID: 'a', Fields: null, Objects: null, TaskGroups: null } as JobDiff, changes: true },
    { name: 'no diff at all is no change', diff: null, changes: false },
  ])('$name', ({ diff, changes }) => {
    expect(diffChanges(diff)).toBe(changes);
  });

  it('keeps the image change of the recorded sample and drops the unchanged port', () => {
    const lines = diffLines(sample('nomad-job-plan-diff.json').Diff);
    expect(lines).toEqual(['~ group[web].task[app].Config.image: "ghcr.io/acme/web:1.4.2" => "ghcr.io/acme/web:1.5.0"']);
  });

  it('the recorded no-change sample is None', () => {
    expect(filterDiffNoise(sample('nomad-job-plan-diff-nochange.json').Diff).Type).toBe('None');
  });
});

describe('formatChangeset', () => {
  it('prints one line per job, sorted, with field lines under updates only', () => {
    const lines = formatChangeset([
      { subject: 'job/web/t-web-b', action: 'unchanged' },
      { subject: 'job/es/p-es-a', action: 'update', diff: edited([f('Priority', '50', '60'), f('Meta[nomadguard.commit]', 'a', 'b')], [{ Type: 'Added', Name: 'Constraint', Fields: [f('Operand', '', 'distinct_hosts', 'Added')], Objects: null }]) },
      { subject: 'job/es/p-es-c', action: 'create', diff: { Type: 'Added', ID: 'c', Fields: [f('Priority', '', '50', 'Added')], Objects: null, TaskGroups: null } },
      { subject: 'job/es/p-es-d', action: 'delete' },
      { subject: 'job/es/p-es-e', action: 'invalid', note: 'es/e/nomadgen.toml:3:1: error[X]: bad' },
    ]);
    expect(lines).toEqual([
      'job/es/p-es-a: update',
      '    ~ Priority: "50" => "60"',
      '    + Constraint.Operand: "distinct_hosts"',
      'job/es/p-es-c: create',
      'job/es/p-es-d: delete',
      'job/es/p-es-e: invalid (es/e/nomadgen.toml:3:1: error[X]: bad)',
      'job/web/t-web-b: unchanged',
    ]);
  });

  it('summarizes by action', () => {
    expect(summarize([{ subject: 'a', action: 'create' }, { subject: 'b', action: 'create' }, { subject: 'c', action: 'unchanged' }])).toMatchObject({ create: 2, unchanged: 1, update: 0 });
  });
});

describe('ignoreScaledCounts', () => {
  const groupDiff = (count: boolean, image: boolean): JobDiff => ({
    Type: 'Edited', ID: 'a', Fields: null, Objects: null,
    TaskGroups: [{ Type: 'Edited', Name: 'main', Fields: count ? [f('Count', '2', '5')] : [], Objects: null, Tasks: image ? [{ Type: 'Edited', Name: 't', Fields: [f('image', 'a', 'b')], Objects: null, Annotations: null }] : [], Updates: null }],
  });
  it.each([
    { name: 'a count change of a scaled group is no change', diff: groupDiff(true, false), groups: ['main'], type: 'None' },
    { name: 'a count change of an unscaled group is a change', diff: groupDiff(true, false), groups: ['other'], type: 'Edited' },
    { name: 'other changes of a scaled group remain', diff: groupDiff(true, true), groups: ['main'], type: 'Edited' },
  ])('$name', ({ diff, groups, type }) => {
    expect(ignoreScaledCounts(diff, new Set(groups)).Type).toBe(type);
  });
});

describe('secrets in diffs', () => {
  const SECRETS = ['hunter2-old', 'hunter2-new', 'tmpl-s3cr3t-old', 'tmpl-s3cr3t-new', 'dockerpass-9f', 'vault-role-x1', 'apitoken-77', 'urlpass-42', 'set-by-hand-5'];
  const obj = (Name: string, Fields: JobDiff['Fields'], Objects: JobDiff['Objects'] = null, Type: 'Edited' | 'Added' = 'Edited') => ({ Type, Name, Fields, Objects });
  const taskDiff: JobDiff = {
    Type: 'Edited',
    ID: 'p-web-shop',
    Fields: [f('Meta[api_token]', 'apitoken-77', '', 'Deleted')],
    Objects: null,
    TaskGroups: [{
      Type: 'Edited',
      Name: 'web',
      Fields: null,
      Objects: null,
      Updates: null,
      Tasks: [
        {
          Type: 'Edited',
          Name: 'app',
          Annotations: null,
          Fields: [f('Env[DB_PASSWORD]', 'hunter2-old', 'hunter2-new'), f('Env[PLAIN]', '', 'set-by-hand-5', 'Added'), f('KillTimeout', '5000000000', '10000000000')],
          Objects: [
            obj('Config', [f('image', 'shop:1.0', 'shop:1.1'), f('auth[0][password]', '', 'dockerpass-9f', 'Added'), f('auth[0].server_address', '', 'registry.internal', 'Added')]),
            obj('Template', [f('EmbeddedTmpl', 'tmpl-s3cr3t-old', 'tmpl-s3cr3t-new'), f('DestPath', 'secrets/env', 'secrets/env', 'None')]),
            obj('Vault', [f('Role', '', 'vault-role-x1', 'Added')], null, 'Added'),
            obj('Artifact', [f('GetterSource', '', 'https://deploy:urlpass-42@files.internal/app.tgz', 'Added')], null, 'Added'),
          ],
        },
        { Type: 'Edited', Name: 'auth', Annotations: null, Fields: null, Objects: [obj('Config', [f('image', 'auth:1', 'auth:2')])] },
      ],
    }],
  };

  it('prints secret fields by name and change only, and every other field with its values', () => {
    expect(diffLines(taskDiff)).toEqual([
      '- Meta[api_token]: (value hidden)',
      '~ group[web].task[app].Env[DB_PASSWORD]: (value changed)',
      '+ group[web].task[app].Env[PLAIN]: (value hidden)',
      '~ group[web].task[app].KillTimeout: "5000000000" => "10000000000"',
      '~ group[web].task[app].Config.image: "shop:1.0" => "shop:1.1"',
      '+ group[web].task[app].Config.auth[0][password]: (value hidden)',
      '+ group[web].task[app].Config.auth[0].server_address: (value hidden)',
      '~ group[web].task[app].Template.EmbeddedTmpl: (value changed)',
      '+ group[web].task[app].Vault.Role: (value hidden)',
      '+ group[web].task[app].Artifact.GetterSource: (value hidden)',
      '~ group[web].task[auth].Config.image: "auth:1" => "auth:2"',
    ]);
  });

  it('redactDiff keeps the structure and change types, hides every secret value, and leaves its input alone', () => {
    const before = JSON.stringify(taskDiff);
    const redacted = redactDiff(taskDiff);
    const text = JSON.stringify(redacted);
    for (const s of SECRETS) expect(text).not.toContain(s);
    expect(text).toContain('shop:1.1');
    const app = redacted.TaskGroups?.[0].Tasks?.[0];
    expect(app?.Fields?.[0]).toEqual({ Type: 'Edited', Name: 'Env[DB_PASSWORD]', Old: REDACTED, New: REDACTED, Annotations: null });
    expect(app?.Fields?.[1]).toMatchObject({ Type: 'Added', Old: '', New: REDACTED });
    expect(app?.Objects?.[1].Fields?.[1]).toMatchObject({ Name: 'DestPath', Old: 'secrets/env', New: 'secrets/env' });
    expect(redactDiff(redacted)).toEqual(redacted);
    expect(JSON.stringify(taskDiff)).toBe(before);
    expect(redactDiff(null)).toBeNull();
  });

  it.each([
    ['Env[HOME]', [], true],
    ['EmbeddedTmpl', ['Template'], true],
    ['ChangeMode', ['Vault'], true],
    ['Header[Authorization]', ['Service', 'Check'], true],
    ['Meta[DB_Credentials]', [], true],
    ['PRIVATE_thing', ['Config'], true],
    ['Port', ['Service'], false],
    ['image', ['Config'], false],
    ['Meta[contact]', [], false],
  ] as const)('%s in %j is secret: %s', (name, objects, secret) => {
    expect(isSecretField(objects, f(name, 'a', 'b'))).toBe(secret);
  });

  it.each([
    ['https://deploy:pw@files.internal/app.tgz', true],
    ['https://TOKEN123@files.internal/app.tgz', true],
    ['git::https://TOKEN123@git.internal/app?ref=v1', true],
    ['git::https://git.internal/app?sshkey=LS0tLS1CRUdJTg&ref=v1', true],
    ['s3::https://s3.amazonaws.com/b/app.tgz?aws_access_key_id=AKIA&aws_access_key_secret=SECRETX', true],
    ['https://files.internal/app.tgz?ref=v1', false],
    ['ssh://git@git.internal/app', false],
  ] as const)('the value %s in an artifact source is secret: %s', (value, secret) => {
    expect(isSecretField(['Artifact'], f('GetterSource', '', value, 'Added'))).toBe(secret);
  });

  it('formatChangeset and plan entries carry the redacted diff', () => {
    const item = decide([valid('es', 'a', 'h2')], [stub('es', 'a', { hash: 'h1', index: 10 })], new Map([['es/a', { jobModifyIndex: 10, hash: 'h1' }]]), { source: SOURCE, now: 0, sourceHealthy: true, prune: { enabled: true, graceMs: 0 } })[0];
    const entry = changeEntry(item, 0, judgePlan(item, taskDiff)) as ChangeEntry;
    const json = JSON.stringify(entry);
    for (const s of SECRETS) expect(json).not.toContain(s);
    expect(json).toContain('Env[DB_PASSWORD]');
    const printed = formatChangeset([entry]).join('\n');
    for (const s of SECRETS) expect(printed).not.toContain(s);
    expect(printed).toContain('Env[DB_PASSWORD]: (value changed)');
  });
});
