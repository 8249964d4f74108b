import { crossSpecRules, liveHolders } from '../../../lib/core/policy';
import type { JobListStub } from '../../../lib/core/nomad/types';
import { declaredPolicy } from './harness';

describe('cross-spec rules', () => {
  it.each([
    ['distinct job IDs and hosts pass', [
      { file: 'es/a/nomadgen.toml', jobId: 'p-es-a', hosts: ['p-es-a.d'] },
      { file: 'es/b/nomadgen.toml', jobId: 'p-es-b', hosts: ['p-es-b.d'] },
    ], {}],
    ['the later path gets DUPLICATE_JOB_ID, whatever the input order', [
      { file: 'es/z/nomadgen.toml', jobId: 'p-es-a', hosts: [] },
      { file: 'es/a/nomadgen.toml', jobId: 'p-es-a', hosts: [] },
    ], { 'es/z/nomadgen.toml': ['DUPLICATE_JOB_ID'] }],
    ['a third clash also points at the first owner', [
      { file: 'es/a/nomadgen.toml', jobId: 'p-es-a', hosts: [] },
      { file: 'es/b/nomadgen.toml', jobId: 'p-es-a', hosts: [] },
      { file: 'es/c/nomadgen.toml', jobId: 'p-es-a', hosts: [] },
    ], { 'es/b/nomadgen.toml': ['DUPLICATE_JOB_ID'], 'es/c/nomadgen.toml': ['DUPLICATE_JOB_ID'] }],
    ['a job-ID clash is not reported twice as a host clash', [
      { file: 'es/a/nomadgen.toml', jobId: 'p-es-a', hosts: ['p-es-a.d'] },
      { file: 'es/b/nomadgen.toml', jobId: 'p-es-a', hosts: ['p-es-a.d'] },
    ], { 'es/b/nomadgen.toml': ['DUPLICATE_JOB_ID'] }],
    ['hosts compare case-insensitively', [
      { file: 'es/a/nomadgen.toml', jobId: 'p-es-a', hosts: ['WWW.example.com'] },
      { file: 'web/a/nomadgen.toml', jobId: 'p-web-a', hosts: ['www.example.com'] },
    ], { 'web/a/nomadgen.toml': ['DUPLICATE_HOST'] }],
    ['one spec repeating its own host is fine; specs without a job ID are skipped', [
      { file: 'es/a/nomadgen.toml', jobId: 'p-es-a', hosts: ['h', 'h'] },
      { file: 'es/broken/nomadgen.toml', hosts: [] },
    ], {}],
  ])('%s', (_name, rendered, expected) => {
    const got = Object.fromEntries([...crossSpecRules(rendered)].map(([f, ds]) => [f, ds.map((d) => d.code)]));
    expect(got).toEqual(expected);
  });

  it('names the earlier spec in the message and points at name', () => {
    const out = crossSpecRules([
      { file: 'web/x/nomadgen.toml', jobId: 'p-web-x', hosts: ['shop.example.com'] },
      { file: 'es/x/nomadgen.toml', jobId: 'p-es-x', hosts: ['shop.example.com'] },
    ]);
    expect(out.get('web/x/nomadgen.toml')).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_HOST', severity: 'error', file: 'web/x/nomadgen.toml', path: ['name'], message: expect.stringContaining('es/x/nomadgen.toml') }),
    ]);
  });

  it('each rule can be switched off', () => {
    const rendered = [
      { file: 'a', jobId: 'j', hosts: ['h'] },
      { file: 'b', jobId: 'j', hosts: ['h'] },
    ];
    const off = declaredPolicy((p) => { p.rules = { ...p.rules, uniqueJobId: { enabled: false } }; });
    expect([...crossSpecRules(rendered, off).values()].flat().map((d) => d.code)).toEqual(['DUPLICATE_HOST']);
  });

  it('job IDs clash across namespaces: x/y-z and x-y/z both give t-x-y-z; the first by path keeps it and is named', () => {
    const out = crossSpecRules([
      { file: 'x/y-z/nomadgen.toml', jobId: 't-x-y-z', key: 'x/t-x-y-z', hosts: ['t-x-y-z.d'] },
      { file: 'x-y/z/nomadgen.toml', jobId: 't-x-y-z', key: 'x-y/t-x-y-z', hosts: ['t-x-y-z.d'] },
    ]);
    expect([...out.keys()]).toEqual(['x/y-z/nomadgen.toml']);
    expect(out.get('x/y-z/nomadgen.toml')).toEqual([expect.objectContaining({ code: 'DUPLICATE_JOB_ID', message: expect.stringContaining('x-y/z/nomadgen.toml') })]);
  });

  it('the spec whose job is live holds the job ID and the host, even when it is later by path', () => {
    const rendered = [
      { file: 'x/y-z/nomadgen.toml', jobId: 't-x-y-z', key: 'x/t-x-y-z', hosts: ['t-x-y-z.d'] },
      { file: 'x-y/z/nomadgen.toml', jobId: 't-x-y-z', key: 'x-y/t-x-y-z', hosts: ['t-x-y-z.d'] },
    ];
    const holders = new Map([['x/t-x-y-z', 'x/y-z/nomadgen.toml']]);
    const out = crossSpecRules(rendered, undefined, holders);
    expect([...out.keys()]).toEqual(['x-y/z/nomadgen.toml']);
    expect(out.get('x-y/z/nomadgen.toml')?.[0].message).toContain('x/y-z/nomadgen.toml');
    const hostsOnly = declaredPolicy((p) => { p.rules = { ...p.rules, uniqueJobId: { enabled: false } }; });
    const byHost = crossSpecRules(rendered, hostsOnly, holders);
    expect([...byHost.entries()].map(([f, ds]) => [f, ds.map((d) => d.code)])).toEqual([['x-y/z/nomadgen.toml', ['DUPLICATE_HOST']]]);
  });

  it('a live job naming another spec holds nothing for the claimants', () => {
    const out = crossSpecRules(
      [
        { file: 'es/a/nomadgen.toml', jobId: 'p-es-a', key: 'es/p-es-a', hosts: [] },
        { file: 'es/b/nomadgen.toml', jobId: 'p-es-a', key: 'es/p-es-a', hosts: [] },
      ],
      undefined,
      new Map([['es/p-es-a', 'es/old/nomadgen.toml']]),
    );
    expect([...out.keys()]).toEqual(['es/b/nomadgen.toml']);
  });

  it('a task service named like another job is a clash too: t-x-y with task z registers t-x-y-z', () => {
    const out = crossSpecRules([
      { file: 'x/y/nomadgen.toml', jobId: 't-x-y', key: 'x/t-x-y', hosts: ['t-x-y.d'], services: ['t-x-y-w', 't-x-y-z'] },
      { file: 'x-y/z/nomadgen.toml', jobId: 't-x-y-z', key: 'x-y/t-x-y-z', hosts: ['t-x-y-z.d'], services: ['t-x-y-z'] },
    ]);
    expect([...out.entries()].map(([f, ds]) => [f, ds.map((d) => d.code)])).toEqual([['x/y/nomadgen.toml', ['DUPLICATE_SERVICE']]]);
    const live = crossSpecRules(
      [
        { file: 'x/y/nomadgen.toml', jobId: 't-x-y', key: 'x/t-x-y', hosts: ['t-x-y.d'], services: ['t-x-y-w', 't-x-y-z'] },
        { file: 'x-y/z/nomadgen.toml', jobId: 't-x-y-z', key: 'x-y/t-x-y-z', hosts: ['t-x-y-z.d'], services: ['t-x-y-z'] },
      ],
      undefined,
      new Map([['x/t-x-y', 'x/y/nomadgen.toml']]),
    );
    expect(live.get('x-y/z/nomadgen.toml')?.[0]).toMatchObject({ code: 'DUPLICATE_SERVICE', message: expect.stringContaining('"t-x-y-z"') });
  });

  it('a held job whose spec is invalid keeps every name it may have registered: its ID, "<id>-…" and its host', () => {
    const broken = { file: 'x/app/nomadgen.toml', hosts: [], services: [], invalid: true };
    const holders = new Map([['x/t-x-app', 'x/app/nomadgen.toml']]);
    const claimants = [
      { file: 'x-app/web/nomadgen.toml', jobId: 't-x-app-web', key: 'x-app/t-x-app-web', hosts: ['t-x-app-web.d'], services: ['t-x-app-web'] },
      { file: 'y/app/nomadgen.toml', jobId: 't-x-app', key: 'y/t-x-app', hosts: [], services: [] },
      { file: 'z/host/nomadgen.toml', jobId: 't-z-host', key: 'z/t-z-host', hosts: ['T-X-APP.d/api'], services: [] },
      { file: 'x/apple/nomadgen.toml', jobId: 't-x-apple', key: 'x/t-x-apple', hosts: ['t-x-apple.d'], services: ['t-x-apple'] },
    ];
    const out = crossSpecRules([broken, ...claimants], undefined, holders);
    expect([...out.entries()].map(([f, ds]) => [f, ds.map((d) => d.code)]).sort()).toEqual([
      ['x-app/web/nomadgen.toml', ['DUPLICATE_SERVICE']],
      ['y/app/nomadgen.toml', ['DUPLICATE_JOB_ID']],
      ['z/host/nomadgen.toml', ['DUPLICATE_HOST']],
    ]);
    expect(out.get('x-app/web/nomadgen.toml')?.[0].message).toContain('x/app/nomadgen.toml');
    // Without a live view, or once the spec is valid (its render is what runs), only exact names count.
    expect(crossSpecRules([broken, ...claimants]).size).toBe(0);
    expect(crossSpecRules([{ ...broken, invalid: false, jobId: 't-x-app', key: 'x/t-x-app', services: ['t-x-app'] }, claimants[0]], undefined, holders).size).toBe(0);
    // A job that already runs beside it keeps what it has.
    expect(crossSpecRules([broken, claimants[0]], undefined, new Map([...holders, ['x-app/t-x-app-web', 'x-app/web/nomadgen.toml']])).size).toBe(0);
  });

  it('the live view counts running jobs this source manages, by key', () => {
    const stub = (ns: string, id: string, meta: Record<string, string> | undefined, stop = false) => ({ ID: id, Namespace: ns, Stop: stop, Meta: meta }) as unknown as JobListStub;
    const ours = (spec: string) => ({ 'nomadguard.managed': 'true', 'nomadguard.source': 'specs', 'nomadguard.spec': spec });
    const holders = liveHolders([
      stub('x', 't-x-y-z', ours('x/y-z/nomadgen.toml')),
      stub('x-y', 't-x-y-z', { ...ours('x-y/z/nomadgen.toml'), 'nomadguard.source': 'other' }),
      stub('web', 't-web-a', ours('web/a/nomadgen.toml'), true),
      stub('web', 't-web-b', undefined),
      stub('web', 't-web-c', { 'nomadguard.spec': 'web/c/nomadgen.toml' }),
    ], 'specs');
    expect([...holders]).toEqual([['x/t-x-y-z', 'x/y-z/nomadgen.toml']]);
  });
});
