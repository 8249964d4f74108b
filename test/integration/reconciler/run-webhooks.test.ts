/** `nomadguard run` serving the push webhooks, in-process against a simulator on the real clock (scaled down). */
import * as fs from 'node:fs';
import { main } from '../../../lib/cli/main';
import { credentialFor } from '../../../lib/server/webhooks';
import { Simulator } from '../../../lib/sim';
import { TestRepo } from '../../helpers/git-repo';
import { spec } from './harness';

describe('nomadguard run: push webhooks', () => {
  let sim: Simulator;
  let repo: TestRepo;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 5, timings: { timeScale: 0.01, allocStartMs: 20, evalMs: 5 } });
    repo = TestRepo.create();
    repo.write('web/shop/nomadgen.toml', spec('shop'));
    repo.commitAndPush('specs');
  });
  afterAll(async () => {
    await sim.stop();
    repo.cleanup();
  });

  function run(args: string[], extraEnv: Record<string, string> = {}) {
    let out = '';
    let err = '';
    const stop = new AbortController();
    const env = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl, PATH: process.env.PATH, NOMADGUARD_LOG_LEVEL: 'info', ...extraEnv };
    const code = main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env, cwd: repo.dir, signal: stop.signal });
    return { code, out: () => out, err: () => err, stop: () => stop.abort() };
  }

  it('answers a signed ping with the secret from NOMADGUARD_WEBHOOK_SECRET and refuses a wrong signature', async () => {
    const r = run(['run', '--repo', repo.remote, '--work-dir', repo.tempDir('work-a'), '--listen', '127.0.0.1:0'], { NOMADGUARD_WEBHOOK_SECRET: 'env-secret' });
    let url: string | undefined;
    for (let i = 0; i < 2000 && !url; i++) {
      url = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"status API listening"/.exec(r.out())?.[1];
      if (!url) await new Promise((res) => setTimeout(res, 5));
    }
    expect(url).toBeDefined();
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const send = (secret: string) => fetch(`${url}/api/v1/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': `ping-${secret.length}`, 'x-hub-signature-256': credentialFor('github', secret, Buffer.from(body)) },
      body,
    });
    const pong = await send('env-secret');
    expect(pong.status).toBe(200);
    expect(await pong.json()).toEqual({ result: 'pong' });
    expect((await send('wrong')).status).toBe(401);
    r.stop();
    expect(await r.code).toBe(0);
    expect(r.out()).not.toContain('env-secret');
  });

  it('a secret file that cannot be read stops the start with one line naming it', async () => {
    fs.writeFileSync(repo.tempDir('nomadguard.yaml'), 'webhooks: { secretFile: ./missing-secret }\n');
    const r = run(['run', '--config', repo.tempDir('nomadguard.yaml'), '--repo', repo.remote, '--work-dir', repo.tempDir('work-b'), '--listen', '127.0.0.1:0']);
    expect(await r.code).toBe(1);
    expect(r.err()).toBe('nomadguard: webhooks.secretFile: cannot read ./missing-secret (ENOENT)\n');
  });
});
