import type { JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { findJobs, sourceLine } from '../../../lib/cli/commands/status';

function job(key: string, extra: Partial<JobStatus> = {}): JobStatus {
  const i = key.indexOf('/');
  return { key, namespace: key.slice(0, i), jobId: key.slice(i + 1), phase: 'Healthy', conditions: [], history: [], ...extra };
}

const source = (name: string, repo: string): OperatorStatus['sources'][number] => ({
  name, repo, branch: 'main', lastProcessedCommit: 'abcdef0123456789', healthy: true, counts: {} as OperatorStatus['sources'][number]['counts'],
});

describe('status: naming a job on the command line', () => {
  const jobs = [
    job('es/p-es-cerebro', { spec: 'es/cerebro/nomadgen.toml' }),
    job('es/broken/nomadgen.toml', { phase: 'Invalid', spec: 'es/broken/nomadgen.toml' }),
    job('web/p-web-shop', { spec: 'web/shop/nomadgen.toml' }),
  ];

  it.each([
    ['its key', 'es/p-es-cerebro', 'es/p-es-cerebro'],
    ['its job ID', 'p-web-shop', 'web/p-web-shop'],
    ['a keyless spec by its path', 'es/broken/nomadgen.toml', 'es/broken/nomadgen.toml'],
    ['a keyless spec by its folder', 'es/broken', 'es/broken/nomadgen.toml'],
    ['a spec folder with a trailing slash', 'es/broken/', 'es/broken/nomadgen.toml'],
    ['a valid spec by its folder', 'web/shop', 'web/p-web-shop'],
  ])('finds %s', (_name, given, key) => {
    expect(findJobs(jobs, given).map((j) => j.key)).toEqual([key]);
  });

  it('finds nothing for an unknown name', () => {
    expect(findJobs(jobs, 'es/none')).toEqual([]);
  });
});

describe('status: the source line', () => {
  it('names the repository once when it is the source name', () => {
    expect(sourceLine(source('/srv/specs', '/srv/specs'))).toBe('source /srv/specs main @ abcdef01 (healthy)');
  });

  it('names both when the source has a name of its own', () => {
    expect(sourceLine(source('specs', '/srv/specs'))).toBe('source specs: /srv/specs main @ abcdef01 (healthy)');
  });
});
