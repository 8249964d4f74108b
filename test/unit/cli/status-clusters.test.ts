import type { JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { main } from '../../../lib/cli/main';
import { serveOperator } from '../../../lib/cli/operator-server';
import type { Listener } from '../../../lib/server/http-listener';

function job(key: string, cluster: string, phase: JobStatus['phase']): JobStatus {
  const [namespace, jobId] = key.split('/');
  return { key, cluster, namespace, jobId, phase, conditions: [], history: [] };
}

const STATUS: OperatorStatus = {
  sources: [
    { name: 'specs', cluster: 'prod', repo: '/srv/specs', branch: 'main', healthy: true, counts: {} as OperatorStatus['sources'][0]['counts'] },
    { name: 'specs', cluster: 'nonprod', repo: '/srv/specs', branch: 'main', healthy: false, lastError: { reason: 'NomadUnavailable', message: 'Nomad: down', time: 't' }, counts: {} as OperatorStatus['sources'][0]['counts'] },
  ],
  jobs: [job('web/p-web-shop', 'prod', 'Healthy'), job('web/t-web-blog', 'nonprod', 'Synced')],
};

describe('status of an operator of several clusters', () => {
  let listener: Listener;
  beforeEach(async () => {
    listener = await serveOperator({ status: () => STATUS, sync: () => undefined }, '127.0.0.1:0');
  });
  afterEach(() => listener.close());

  it('names the cluster of every source and job', async () => {
    let stdout = '';
    const env = { NOMADGUARD_ADDR: listener.url };
    const code = await main(['status'], { stdout: (t) => { stdout += t; }, stderr: () => undefined, env, signal: new AbortController().signal });
    expect(code).toBe(0);
    expect(stdout).toContain('source specs (cluster nonprod): /srv/specs main @ - (UNHEALTHY: Nomad: down)');
    expect(stdout).toMatch(/^CLUSTER\s+JOB\s+PHASE\s+VERSION\s+COMMIT\s+MESSAGE$/m);
    expect(stdout).toMatch(/^prod\s+web\/p-web-shop\s+Healthy/m);
    let one = '';
    await main(['status', 't-web-blog'], { stdout: (t) => { one += t; }, stderr: () => undefined, env, signal: new AbortController().signal });
    expect(one).toContain('Cluster:        nonprod');
  });
});
