import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { TestRepo } from '../../helpers/git-repo';

const ROOT = path.join(__dirname, '..', '..', '..');

/**
 * Runs in a child node with a small file-descriptor limit: TypeScript sources are loaded through a
 * transpile-only hook, the source is polled once, then every free descriptor is taken (as a flood of
 * idle connections would) and each kind of git command is tried. Prints one JSON line per step.
 */
const SCRIPT = `
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'), { fileName: f, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
const { GitSpecSource } = require(process.env.NG_ROOT + '/lib/adapters/git-spec-source/index.ts');
const say = (step, v) => process.stdout.write(JSON.stringify({ step, ...v }) + '\\n');
const outcome = (p) => p.then((v) => ({ ok: true, v }), (e) => ({ ok: false, name: e && e.name, startFailed: e && e.startFailed, message: String(e && e.message) }));
const held = [];
const exhaust = () => { try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch {} };
const release = () => { for (const fd of held.splice(0)) fs.closeSync(fd); };
(async () => {
  const cold = new GitSpecSource({ repo: process.env.NG_REMOTE, branch: 'main', workDir: process.env.NG_WORK + '-cold' });
  exhaust();
  say('cold-poll', { r: await cold.poll() });
  release();
  const src = new GitSpecSource({ repo: process.env.NG_REMOTE, branch: 'main', workDir: process.env.NG_WORK });
  const first = await src.poll();
  say('first', { ok: first.ok });
  exhaust();
  say('poll', { r: await src.poll(first.commit, { full: true }) });
  say('read', await outcome(src.readFiles(first.commit, first.specs.map((s) => s.path))));
  say('log', await outcome(src.lastChangedCommits(first.commit, first.specs.map((s) => s.path))));
  release();
  const again = await src.poll(first.commit, { full: true });
  const texts = await src.readFiles(again.commit, again.specs.map((s) => s.path));
  say('after', { ok: again.ok, read: texts.size });
})().catch((e) => { say('crash', { message: String(e && e.stack) }); process.exitCode = 3; });
`;

describe('git processes that cannot start', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('a pass out of file descriptors reports a source error; the process keeps running and recovers', () => {
    repo = TestRepo.create();
    repo.write('es/a/nomadgen.toml', 'name = "a"\n').commitAndPush('one');
    let stdout: string;
    let status = 0;
    try {
      stdout = execFileSync('bash', ['-c', 'ulimit -n 128 && exec "$0" -e "$NG_SCRIPT"', process.execPath], {
        cwd: ROOT,
        env: { ...process.env, NG_ROOT: ROOT, NG_REMOTE: repo.remote, NG_WORK: repo.tempDir('work.git'), NG_SCRIPT: SCRIPT },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      status = err.status;
      stdout = `${err.stdout}\n${err.stderr}`;
    }
    const steps = Object.fromEntries(stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => { const v = JSON.parse(l) as { step: string }; return [v.step, v]; }));
    expect({ status, crash: steps.crash, tail: status === 0 ? '' : stdout.slice(-600) }).toEqual({ status: 0, crash: undefined, tail: '' });
    expect(steps['cold-poll']).toMatchObject({ r: { ok: false, error: { reason: 'GitFailed', message: expect.stringMatching(/cannot start git: EMFILE/) } } });
    expect(steps.first).toMatchObject({ ok: true });
    // polls go through the git runner, a process of its own with its own descriptors
    expect(steps.poll).toMatchObject({ r: { ok: true } });
    expect(steps.read).toMatchObject({ ok: false, name: 'GitError', startFailed: true, message: expect.stringMatching(/cannot start git: EMFILE/) });
    expect(steps.log).toMatchObject({ ok: false, name: 'GitError', startFailed: true });
    expect(steps.after).toEqual({ step: 'after', ok: true, read: 1 });
  });
});
