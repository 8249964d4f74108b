/** Only a running operator builds the notifier: `plan` with an endpoint whose URL variable is unset works as before. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { buildOperatorDeps, WiringError } from '../../../controllers/wiring';
import { Simulator } from '../../../lib/sim';

describe('notifier wiring', () => {
  let dir: string;
  let sim: Simulator;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 1 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-notify-'));
    fs.writeFileSync(path.join(dir, 'ng.yaml'), 'source:\n  repo: /nowhere/specs\nnotifications:\n  endpoints:\n    - urlEnv: HOOK_URL\n');
  });
  afterAll(async () => {
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const build = (notify: boolean, env: NodeJS.ProcessEnv) =>
    buildOperatorDeps({ configFile: 'ng.yaml', cwd: dir, env: { NOMAD_ADDR: sim.nomadUrl, ...env }, consul: null, stateFile: 'state.json', notify, logger: pino({ level: 'silent' }) });

  it('plan (no notify) needs no endpoint variable', async () => {
    const deps = await build(false, {});
    expect(deps.notifier).toBeUndefined();
    deps.close();
  });

  it('run (notify) refuses an unset endpoint variable by name, and builds the notifier when it is set', async () => {
    await expect(build(true, {})).rejects.toEqual(new WiringError('notifications.endpoints[0]: the environment variable HOOK_URL is not set'));
    const deps = await build(true, { HOOK_URL: 'http://127.0.0.1:9/hook' });
    expect(deps.notifier).toBeDefined();
    await deps.notifier?.stop(0);
    deps.close();
  });
});
