/** `nomadguard logs` and `nomadguard exec` in-process against the simulator, ACLs on. */
import { main } from '../../../lib/cli/main';
import type { CliStdio } from '../../../lib/cli/stdio';
import type { Job } from '../../../lib/core/nomad/types';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { simSecret } from '../../../lib/sim/container';
import { taskLog } from '../../../lib/sim/task-logs';
import { waitFor, webJob } from './helpers';

interface Run {
  code: number;
  out: string;
  err: string;
}

/** A scripted terminal or pipe: stdin chunks, captured output, raw-mode switches, resizes on demand. */
function fakeStdio(opts: { tty?: boolean; input?: string[]; size?: { columns: number; rows: number } } = {}) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const rawModes: boolean[] = [];
  const resizeFns = new Set<() => void>();
  let size = opts.size;
  const stdio: CliStdio = {
    stdinIsTTY: !!opts.tty,
    setRawMode: (raw) => void rawModes.push(raw),
    readStdin(onData, onEnd) {
      let stopped = false;
      setImmediate(() => {
        for (const chunk of opts.input ?? []) if (!stopped) onData(Buffer.from(chunk));
        if (!stopped && opts.input !== undefined) onEnd();
      });
      return () => {
        stopped = true;
      };
    },
    writeStdout: (d) => void out.push(Buffer.from(d)),
    writeStderr: (d) => void err.push(Buffer.from(d)),
    terminalSize: () => size,
    onResize(fn) {
      resizeFns.add(fn);
      return () => void resizeFns.delete(fn);
    },
  };
  return {
    stdio,
    rawModes,
    resizeListeners: () => resizeFns.size,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    resize(next: { columns: number; rows: number }) {
      size = next;
      for (const fn of resizeFns) fn();
    },
  };
}

/** A job as the generator makes it: an env var and a secret template rendered into the environment. */
function cerebroJob(): Job {
  const job = webJob('p-es-cerebro', { namespace: 'es', count: 2 });
  const task = job.TaskGroups[0].Tasks[0];
  task.Env = { JAVA_OPTS: '-Xmx512m' };
  task.Templates = [
    {
      EmbeddedTmpl: '{{ with secret "kv/data/es/cerebro" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }}\n{{ end }}{{ end }}\n',
      DestPath: 'secrets/es-cerebro.env',
      Envvars: true,
      ChangeMode: 'restart',
    },
  ];
  return job;
}

describe('nomadguard logs and exec', () => {
  let sim: Simulator;
  let clock: FakeClock;
  let env: NodeJS.ProcessEnv;
  let cerebro: string[];

  async function run(argv: string[], opts: { env?: NodeJS.ProcessEnv; stdio?: CliStdio; signal?: AbortSignal } = {}): Promise<Run> {
    let out = '';
    let err = '';
    const code = await main(argv, {
      env: opts.env ?? env,
      clock,
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      signal: opts.signal ?? new AbortController().signal,
      stdio: opts.stdio ?? fakeStdio({ input: [] }).stdio,
    });
    return { code, out, err };
  }

  beforeAll(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 5, namespaces: ['es'], acl: true });
    env = { NOMAD_ADDR: sim.nomadUrl, NOMAD_TOKEN: sim.managementToken };
    const nomad = new NomadHttpClient({ address: sim.nomadUrl, token: sim.managementToken, clock });
    try {
      await nomad.registerJob({ namespace: 'es', Job: cerebroJob() });
      const many = webJob('t-web-many', { count: 40 });
      many.TaskGroups[0].Tasks[0].Resources = { CPU: 20, MemoryMB: 16 };
      await nomad.registerJob({ namespace: 'default', Job: many });
      await nomad.registerJob({ namespace: 'es', Job: webJob('q-es-many', { namespace: 'es', count: 1 }) });
      await sim.settle();
      cerebro = (await nomad.jobAllocations('es', 'p-es-cerebro')).items.map((a) => a.ID).sort();
    } finally {
      nomad.close();
    }
    // settle() ran the transitions ahead of the clock: bring the clock to the simulated now, then let logs grow.
    await clock.advance(sim.cluster.now() - clock.now() + 35_000);
  });
  afterAll(async () => {
    await sim.stop();
  });

  describe('logs', () => {
    it('prints the whole stdout of an allocation named by its full ID', async () => {
      const r = await run(['logs', cerebro[0]]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const lines = r.out.trimEnd().split('\n');
      expect(lines[0]).toMatch(/ app starting \(allocation [0-9a-f]{8}, p-es-cerebro\.main\[\d\]\)$/);
      expect(lines[1]).toMatch(/ app listening on \[2001:db8:[0-9a-f:]+\]:8080$/);
      expect(lines.slice(2).length).toBeGreaterThanOrEqual(3);
      for (const l of lines.slice(2)) expect(l).toMatch(/ app GET \/health 200 \d+ms$/);
      expect(r.out).toBe(taskLog(sim.cluster.allocs.get(cerebro[0])!, 'app', 'stdout', sim.cluster.now()).toString('utf8'));
    });

    it('--stderr prints the stderr log; --tail N the last N lines', async () => {
      const stderr = await run(['logs', cerebro[0].slice(0, 6), '--stderr']);
      expect(stderr.code).toBe(0);
      expect(stderr.out).toMatch(/^\S+ app warning: no configuration file, using defaults\n/);
      expect(stderr.out).toBe(taskLog(sim.cluster.allocs.get(cerebro[0])!, 'app', 'stderr', sim.cluster.now()).toString('utf8'));
      const full = await run(['logs', cerebro[0]]);
      const tail = await run(['logs', cerebro[0], 'app', '--tail', '2']);
      expect(tail.code).toBe(0);
      expect(tail.out).toBe(`${full.out.trimEnd().split('\n').slice(-2).join('\n')}\n`);
    });

    it('a job name picks the newest running allocation and says which on stderr', async () => {
      const r = await run(['logs', 'cerebro']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/^nomadguard logs: job es\/p-es-cerebro: its newest running allocation, [0-9a-f]{8} \(p-es-cerebro\.main\[\d\] on [^)]+\), task app\n$/);
      const picked = /allocation, ([0-9a-f]{8})/.exec(r.err)![1];
      expect(cerebro.some((id) => id.startsWith(picked))).toBe(true);
      expect(r.out).toContain(`allocation ${picked}`);
    });

    it('an unknown short ID, an ambiguous one, a name of two jobs and an unknown task fail with exit 1 and say why', async () => {
      const all = [...sim.cluster.allocs.keys()];
      const unused = ['ff', 'fe', 'fd', 'fc', 'fb', 'fa', '0f', '0e'].map((p) => `${p}${p}`).find((p) => !all.some((id) => id.startsWith(p)))!;
      const unknown = await run(['logs', unused]);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toBe(`nomadguard: no allocation or job matches "${unused}"; see \`nomadguard ps\`\n`);

      const byPrefix = new Map<string, string[]>();
      for (const id of all) byPrefix.set(id.slice(0, 2), [...(byPrefix.get(id.slice(0, 2)) ?? []), id]);
      const [shared, ids] = [...byPrefix.entries()].find(([, v]) => v.length > 1)!;
      const ambiguous = await run(['logs', shared]);
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.err).toContain(`nomadguard: allocation prefix "${shared}" matches ${ids.length} allocations; give more of the ID:`);
      for (const id of ids) expect(ambiguous.err).toContain(id.slice(0, 8));

      const twoJobs = await run(['logs', 'many']);
      expect(twoJobs.code).toBe(1);
      expect(twoJobs.err).toBe('nomadguard: "many" names 2 jobs; give the job ID or TEAM/NAME:\n  default/t-web-many\n  es/q-es-many\n');
      const byTeam = await run(['logs', 'es/many', '--tail', '1']);
      expect(byTeam.code).toBe(0);
      expect(byTeam.err).toMatch(/^nomadguard logs: job es\/q-es-many: its newest running allocation, /);

      const noTask = await run(['logs', cerebro[0], 'nope']);
      expect(noTask.code).toBe(1);
      expect(noTask.err).toBe(`nomadguard: allocation ${cerebro[0].slice(0, 8)} has no task "nope" (tasks: app)\n`);
    });

    it('a token without read-logs in the namespace gets Nomad\'s 403 as a clear message', async () => {
      const reader = sim.createToken({ namespace: 'es', policy: 'read' });
      const r = await run(['logs', cerebro[0]], { env: { ...env, NOMAD_TOKEN: reader } });
      expect(r.code).toBe(1);
      expect(r.err).toBe("nomadguard: permission denied: the token may not read logs (read-logs) in this allocation's namespace (Nomad: Permission denied)\n");
      const logsToken = sim.createToken({ namespace: 'es', policy: 'read', capabilities: ['read-logs'] });
      const ok = await run(['logs', cerebro[0], '--tail', '1'], { env: { ...env, NOMAD_TOKEN: logsToken } });
      expect(ok.code).toBe(0);
      expect(ok.out.split('\n')).toHaveLength(2);
    });
  });

  describe('exec', () => {
    it('runs a command and passes its output and exit code through', async () => {
      const io = fakeStdio({ input: [] });
      const r = await run(['exec', cerebro[0], '--', 'hostname'], { stdio: io.stdio });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(io.stdout()).toBe(`${cerebro[0].replace(/-/g, '').slice(0, 12)}\n`);
    });

    it('env shows the task environment with the rendered template variables; cat shows the template', async () => {
      const secret = simSecret('kv/data/es/cerebro').password;
      const envIo = fakeStdio({ input: [] });
      const r = await run(['exec', 'es/cerebro', 'app', '--', 'env'], { stdio: envIo.stdio });
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/^nomadguard exec: job es\/p-es-cerebro: its newest running allocation, /);
      expect(envIo.stdout()).toContain('JAVA_OPTS=-Xmx512m\n');
      expect(envIo.stdout()).toContain(`password=${secret}\n`);
      expect(envIo.stdout()).toMatch(/^NOMAD_ALLOC_ID=[0-9a-f-]{36}$/m);
      const catIo = fakeStdio({ input: [] });
      const cat = await run(['exec', cerebro[1], '--', 'cat', '/secrets/es-cerebro.env'], { stdio: catIo.stdio });
      expect(cat.code).toBe(0);
      expect(catIo.stdout()).toBe(`password=${secret}\n\n`);
    });

    it('ss -an lists the task port on the allocation IPv6 address', async () => {
      const io = fakeStdio({ input: [] });
      const r = await run(['exec', cerebro[0], '--', 'ss', '-an'], { stdio: io.stdio });
      expect(r.code).toBe(0);
      const address = sim.cluster.allocs.get(cerebro[0])!.Address;
      expect(io.stdout()).toMatch(new RegExp(`^tcp\\s+LISTEN\\s+0\\s+4096\\s+\\[${address}\\]:8080\\s+\\[::\\]:\\*$`, 'm'));
    });

    it('non-zero and 127 exit codes pass through, the error text on stderr', async () => {
      const missing = fakeStdio({ input: [] });
      const r1 = await run(['exec', cerebro[0], '--', 'cat', '/nope'], { stdio: missing.stdio });
      expect(r1.code).toBe(1);
      expect(missing.stderr()).toBe('cat: /nope: No such file or directory\n');
      const unknown = fakeStdio({ input: [] });
      const r2 = await run(['exec', cerebro[0], '--', 'vim', 'x'], { stdio: unknown.stdio });
      expect(r2.code).toBe(127);
      expect(r2.err).toBe('');
      expect(unknown.stderr()).toContain('exec: "vim": executable file not found in $PATH');
    });

    it('plain pipes: stdin reaches the command and its end closes it', async () => {
      const io = fakeStdio({ input: ['hello ', 'world\n'] });
      const r = await run(['exec', cerebro[0], '--', 'cat'], { stdio: io.stdio });
      expect(r.code).toBe(0);
      expect(io.stdout()).toBe('hello world\n');
      expect(io.rawModes).toEqual([]);
    });

    it('a terminal gets a TTY: raw mode on and off, the window size sent, CRLF output', async () => {
      const io = fakeStdio({ tty: true, size: { columns: 100, rows: 30 } });
      const r = await run(['exec', cerebro[0], '--', 'stty', 'size'], { stdio: io.stdio });
      expect(r.code).toBe(0);
      expect(io.stdout()).toBe('30 100\r\n');
      expect(io.rawModes).toEqual([true, false]);
      expect(io.resizeListeners()).toBe(0);
    });

    it('SIGINT during a TTY session closes it, restores the terminal and exits 130', async () => {
      const io = fakeStdio({ tty: true, size: { columns: 80, rows: 24 } });
      const ac = new AbortController();
      const done = run(['exec', cerebro[0], '--', 'cat'], { stdio: io.stdio, signal: ac.signal });
      await waitFor(() => io.rawModes.length === 1 && io.resizeListeners() === 1);
      io.resize({ columns: 132, rows: 50 });
      ac.abort(new Error('interrupted'));
      const r = await done;
      expect(r.code).toBe(130);
      expect(r.err).toBe('');
      expect(io.rawModes).toEqual([true, false]);
      expect(io.resizeListeners()).toBe(0);
    });

    it('a token without alloc-exec gets a clear message and exit 1', async () => {
      const logsOnly = sim.createToken({ namespace: 'es', policy: 'read', capabilities: ['read-logs'] });
      const r = await run(['exec', cerebro[0], '--', 'hostname'], { env: { ...env, NOMAD_TOKEN: logsOnly } });
      expect(r.code).toBe(1);
      expect(r.err).toBe("nomadguard: permission denied: the token may not exec (alloc-exec) in this allocation's namespace (Nomad: Permission denied)\n");
    });

    it('usage: more than one operand before -- is refused with exit 2', async () => {
      const r = await run(['exec', cerebro[0], 'app', 'extra', '--', 'hostname']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^nomadguard: unexpected "extra": put the command after --/);
    });
  });

  describe('logs -f', () => {
    it('follows new lines as time passes and ends, exit 0, once the allocation stops; exec then finds no running allocation', async () => {
      let out = '';
      let err = '';
      const done = main(['logs', '-f', cerebro[1]], { env, clock, stdout: (t) => (out += t), stderr: (t) => (err += t), signal: new AbortController().signal });
      let finished = false;
      void done.then(() => (finished = true));
      await waitFor(() => out.split('\n').length > 5);
      const before = out.split('\n').length;
      await clock.advance(10_000);
      await waitFor(() => out.split('\n').length > before);
      expect(out.trimEnd().split('\n').pop()).toMatch(/ app GET \/health 200 \d+ms$/);
      expect(finished).toBe(false);

      const nomad = new NomadHttpClient({ address: sim.nomadUrl, token: sim.managementToken, clock });
      try {
        await nomad.deregisterJob('es', 'p-es-cerebro');
      } finally {
        nomad.close();
      }
      await sim.settle();
      // The stop takes some seconds of the clock; each turn also lets pending socket reads run. The bound
      // is far beyond what any machine needs, so only a follow that never ends fails here.
      for (let turn = 0; turn < 10_000 && !finished; turn++) {
        await clock.advance(100);
        await new Promise((r) => setImmediate(r));
      }
      expect(finished).toBe(true);
      expect(await done).toBe(0);
      expect(err).toBe('');
      expect(out).toMatch(/ app received interrupt, shutting down\n$/);

      const r = await run(['exec', 'p-es-cerebro', '--', 'hostname']);
      expect(r.code).toBe(1);
      expect(r.err).toBe('nomadguard: job es/p-es-cerebro has no running allocation\n');
    });

    it('SIGINT ends a followed log cleanly with exit 0', async () => {
      const ac = new AbortController();
      let out = '';
      const done = main(['logs', '--follow', '--tail', '1', 't-web-many'], { env, clock, stdout: (t) => (out += t), stderr: () => undefined, signal: ac.signal });
      await clock.advance(1000);
      await waitFor(() => out.length > 0);
      expect(out.split('\n')).toHaveLength(2);
      ac.abort(new Error('interrupted'));
      expect(await done).toBe(0);
    });
  });
});
