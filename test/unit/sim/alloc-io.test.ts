/** The simulator's task logs and exec endpoints: Nomad's wire forms and texts, over real HTTP and websockets. */
import WebSocket from 'ws';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { renderTemplate, simSecret } from '../../../lib/sim/container';
import { taskLog } from '../../../lib/sim/task-logs';
import { http, serviceJob } from './http';

/** Opens an exec websocket and collects its frames until it closes. */
function execFrames(url: string, headers: Record<string, string>, send: unknown[] = []): Promise<{ frames: Array<Record<string, unknown>>; code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const frames: Array<Record<string, unknown>> = [];
    ws.on('open', () => {
      for (const m of send) ws.send(JSON.stringify(m));
    });
    ws.on('message', (m: Buffer) => frames.push(JSON.parse(m.toString()) as Record<string, unknown>));
    ws.on('close', (code, reason) => resolve({ frames, code, reason: reason.toString() }));
    ws.on('error', reject);
  });
}

describe('simulator: task logs and exec', () => {
  let sim: Simulator;
  let clock: FakeClock;
  let alloc: string;
  let mgmt: Record<string, string>;

  beforeAll(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 3, acl: true, namespaces: ['apps'] });
    mgmt = { 'X-Nomad-Token': sim.managementToken };
    const reg = await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') }, mgmt);
    expect(reg.status).toBe(200);
    await sim.settle();
    await clock.advance(sim.cluster.now() - clock.now() + 25_000);
    alloc = [...sim.cluster.allocs.values()].find((a) => a.JobID === 'web')!.ID;
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('serves StreamFrames back to back (base64 data, file, offset after the data), and plain bytes with plain=true', async () => {
    const content = taskLog(sim.cluster.allocs.get(alloc)!, 'app', 'stdout', sim.cluster.now());
    const res = await http('GET', `${sim.nomadUrl}/v1/client/fs/logs/${alloc}?task=app&type=stdout&origin=end&offset=10`, undefined, mgmt);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(res.text)).toEqual({ Offset: content.length, Data: content.subarray(content.length - 10).toString('base64'), File: 'alloc/logs/app.stdout.0' });
    const plain = await http('GET', `${sim.nomadUrl}/v1/client/fs/logs/${alloc}?task=app&type=stdout&plain=true&offset=5`, undefined, mgmt);
    expect(plain.headers.get('content-type')).toBe('text/plain');
    expect(plain.text).toBe(content.subarray(5).toString('utf8'));
  });

  it('answers the agent\'s and the client\'s error texts', async () => {
    const get = (q: string, id = alloc, headers = mgmt) => http('GET', `${sim.nomadUrl}/v1/client/fs/logs/${id}?${q}`, undefined, headers);
    expect(await get('type=stdout')).toMatchObject({ status: 400, text: 'must provide task name' });
    expect(await get('task=app&type=x')).toMatchObject({ status: 400, text: 'must provide log type (stdout/stderr)' });
    expect(await get('task=app&type=stdout&origin=middle')).toMatchObject({ status: 400, text: 'origin must be start or end' });
    expect(await get('task=app&type=stdout&follow=yes')).toMatchObject({ status: 400, text: 'failed to parse follow field to boolean: strconv.ParseBool: parsing "yes": invalid syntax' });
    expect(await get('task=app&type=stdout&offset=x')).toMatchObject({ status: 400, text: 'error parsing offset: strconv.ParseInt: parsing "x": invalid syntax' });
    expect(await get('task=app&type=stdout', 'nope')).toMatchObject({ status: 404, text: 'Unknown allocation "nope"' });
    expect(await get('task=db&type=stdout')).toMatchObject({ status: 400, text: 'unknown task name "db"' });
    const reader = sim.createToken({ namespace: 'apps', policy: 'read' });
    expect(await get('task=app&type=stdout', alloc, { 'X-Nomad-Token': reader })).toMatchObject({ status: 403, text: 'Permission denied' });
    const logs = sim.createToken({ namespace: 'apps', policy: 'read', capabilities: ['read-logs'] });
    expect((await get('task=app&type=stdout', alloc, { 'X-Nomad-Token': logs })).status).toBe(200);
  });

  it('exec: output frames then the exit code; refusals are close frames with Nomad\'s text', async () => {
    const ws = sim.nomadUrl.replace(/^http/, 'ws');
    const url = (cmd: string[], task = 'app') => `${ws}/v1/client/allocation/${alloc}/exec?task=${task}&tty=false&command=${encodeURIComponent(JSON.stringify(cmd))}`;
    const echo = await execFrames(url(['echo', 'hi', 'there']), mgmt);
    expect(echo.frames).toEqual([{ stdout: { data: Buffer.from('hi there\n').toString('base64') } }, { exited: true, result: { exit_code: 0 } }]);
    const missing = await execFrames(url(['nosuch']), mgmt);
    expect(missing.frames[missing.frames.length - 1]).toEqual({ exited: true, result: { exit_code: 127 } });
    expect(Buffer.from(String((missing.frames[0].stderr as { data: string }).data), 'base64').toString()).toContain('exec: "nosuch": executable file not found in $PATH');
    const cat = await execFrames(url(['cat']), mgmt, [{ stdin: { data: Buffer.from('abc').toString('base64') } }, { stdin: { close: true } }]);
    expect(cat.frames).toEqual([{ stdout: { data: Buffer.from('abc').toString('base64') } }, { exited: true, result: { exit_code: 0 } }]);
    const noExec = sim.createToken({ namespace: 'apps', policy: 'read', capabilities: ['read-logs'] });
    expect(await execFrames(url(['id']), { 'X-Nomad-Token': noExec })).toMatchObject({ frames: [], code: 1011, reason: 'Permission denied' });
    expect(await execFrames(url(['id'], 'db'), mgmt)).toMatchObject({ frames: [], code: 1008, reason: 'unknown task name "db"' });
    expect(await execFrames(url([]), mgmt)).toMatchObject({ frames: [], code: 1008, reason: 'command is not present' });
    expect(await execFrames(`${ws}/v1/client/allocation/nope/exec?task=app&command=["id"]`, mgmt)).toMatchObject({ code: 1008, reason: 'Unknown allocation "nope"' });
  });

  it('renders secret templates from the simulated Vault', () => {
    const tmpl = '{{ with secret "kv/data/es/x" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }}\n{{ end }}{{ end }}DIRECT={{ with secret "kv/data/y" }}{{ .Data.data.password }}{{ end }}\nHOME={{ env "HOME" }}\n';
    expect(renderTemplate(tmpl, { HOME: '/root' })).toBe(`password=${simSecret('kv/data/es/x').password}\nDIRECT=${simSecret('kv/data/y').password}\nHOME=/root\n`);
  });
});
