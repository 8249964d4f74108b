import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobDiff, JobPlanResponse } from '../../../lib/core/nomad/types';
import { diffChanges, diffLines, filterDiffNoise, formatChangeset, ignoreScaledCounts, summarize } from '../../../lib/core/plan';

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
