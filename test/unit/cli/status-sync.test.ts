import type { JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { main } from '../../../lib/cli/main';
import { serveOperator } from '../../../lib/cli/operator-server';
import { listen, type Listener } from '../../../lib/server/http-listener';
import { createStatusApp, type OperatorView } from '../../../lib/server/status-app';

function job(key: string, phase: JobStatus['phase'], extra: Partial<JobStatus> = {}): JobStatus {
  const [namespace, jobId] = key.split('/');
  return { key, namespace, jobId, phase, conditions: [], history: [], ...extra };
}

class RecordingView implements OperatorView {
  readonly synced: Array<{ keys: string[]; all: boolean }> = [];
  status(): OperatorStatus {
    return {
      sources: [{ name: 'specs', repo: '/srv/specs', branch: 'main', lastProcessedCommit: 'abcdef0123456789', healthy: true, counts: {} as OperatorStatus['sources'][0]['counts'] }],
      jobs: [
        job('web/p-web-shop', 'Healthy', { jobVersion: 4, desiredCommit: '0123456789abcdef', spec: 'web/shop/nomadgen.toml', history: [{ time: '2026-01-01T00:00:00Z', event: 'Updated', message: 'image changed' }] }),
        job('es/p-es-broken', 'Invalid', { lastError: { reason: 'SpecInvalid', message: 'unknown key memroy', time: '2026-01-01T00:00:00Z' } }),
      ],
    };
  }
  sync(request: { keys: string[]; all: boolean }): void { this.synced.push(request); }
}

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env, signal: new AbortController().signal });
  return { code, stdout, stderr };
}

describe('status and sync against a running operator API', () => {
  let listener: Listener;
  let view: RecordingView;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    view = new RecordingView();
    listener = await serveOperator(view, '127.0.0.1:0', { token: 'tok' }); // the hardened listener `run` serves
    env = { NOMADGUARD_ADDR: listener.url, NOMADGUARD_TOKEN: 'tok' };
  });
  afterEach(() => listener.close());

  it('prints a table of every job, and one job in detail', async () => {
    const all = await run(['status'], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('source specs: /srv/specs main @ abcdef01 (healthy)');
    expect(all.stdout).toMatch(/^JOB\s+PHASE\s+VERSION\s+COMMIT\s+MESSAGE$/m);
    expect(all.stdout).toMatch(/^es\/p-es-broken\s+Invalid\s+-\s+-\s+SpecInvalid: unknown key memroy$/m);
    const one = await run(['status', 'p-web-shop'], env);
    expect(one.stdout).toContain('Phase:          Healthy');
    expect(one.stdout).toContain('Updated: image changed');
    const json = await run(['status', '--json'], env);
    expect((JSON.parse(json.stdout) as OperatorStatus).jobs).toHaveLength(2);
  });

  it('queues a resync and exits 1 naming the jobs it does not know', async () => {
    const ok = await run(['sync', 'web/p-web-shop'], env);
    expect(ok).toMatchObject({ code: 0, stdout: 'resync queued: web/p-web-shop\n' });
    const partly = await run(['sync', 'p-es-broken', 'nope'], env);
    expect(partly.code).toBe(1);
    expect(partly.stderr).toContain('no job nope');
    const all = await run(['sync', '--all'], env);
    expect(all.stdout).toBe('resync of every job queued\n');
    expect(view.synced).toEqual([{ keys: ['web/p-web-shop'], all: false }, { keys: ['es/p-es-broken'], all: false }, { keys: [], all: true }]);
  });

  it('says how to fix a missing token, a missing argument and an unreachable operator', async () => {
    expect((await run(['sync', '--all'], { NOMADGUARD_ADDR: listener.url })).stderr).toContain('set NOMADGUARD_TOKEN');
    expect((await run(['sync'], env)).code).toBe(2);
    await listener.close();
    const down = await run(['status'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach the operator at ${listener.url}`);
    listener = await listen(createStatusApp(view));
  });

  it('reaches the hardened listener by localhost too, and names the fix for a host it does not answer to', async () => {
    const port = new URL(listener.url).port;
    const local = await run(['sync', 'web/p-web-shop'], { NOMADGUARD_ADDR: `http://localhost:${port}`, NOMADGUARD_TOKEN: 'tok' });
    expect(local).toMatchObject({ code: 0, stdout: 'resync queued: web/p-web-shop\n' });
    const wrongHost = await listen(createStatusApp(view, { hosts: () => ({ hosts: [{ hostname: 'ops.example.com' }] }) }));
    try {
      const refused = await run(['status'], { NOMADGUARD_ADDR: wrongHost.url });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('does not answer to that host name');
      expect(refused.stderr).toContain('--allowed-host');
    } finally {
      await wrongHost.close();
    }
  });
});
