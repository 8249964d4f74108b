import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { BatchParser, catFileBatch } from '../../../lib/adapters/git-spec-source/git';
import { DesiredState } from '../../../controllers/job-sync/desired-state';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { MAX_SPEC_BYTES } from '../../../lib/core/spec/text';
import { TestRepo } from '../../helpers/git-repo';

/** A valid spec whose job and content are its own. */
const spec = (name: string) => `name    = "${name}"\ntier    = "test"\ncontact = "${name}@example.com"\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name  = "${name}"\n  image = "registry.internal/acme/${name}:1.0.0"\n`;

/** 64 MiB of spaces: a few hundred KB once compressed in git, 64 times the spec limit once read. */
const BOMB_BYTES = 64 * 1024 * 1024;

/**
 * The most external memory (Buffers) held at any moment while `run` works, above what was held before.
 * Sampled on every turn of the event loop the work yields, which a streamed read yields on every chunk.
 */
async function peakBufferGrowth(run: () => Promise<unknown>): Promise<number> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  let running = true;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    if (running) setImmediate(sample);
  };
  setImmediate(sample);
  try {
    await run();
  } finally {
    running = false;
  }
  sample();
  return peak - base;
}

describe('specs above the size limit in the spec repository', () => {
  let repo: TestRepo;

  beforeAll(() => {
    repo = TestRepo.create();
    for (const n of ['good1', 'good2']) repo.write(`ops/${n}/nomadgen.toml`, spec(n));
    repo.write('es/bomb/nomadgen.toml', Buffer.alloc(BOMB_BYTES, 0x20));
    repo.write('es/edge/nomadgen.toml', Buffer.alloc(MAX_SPEC_BYTES + 1, 0x20));
    repo.write('es/fits/nomadgen.toml', Buffer.concat([Buffer.from(spec('fits')), Buffer.alloc(MAX_SPEC_BYTES - Buffer.byteLength(spec('fits')), 0x20)]));
    repo.commitAndPush('a spec of 64 MiB of spaces');
  }, 120_000);
  afterAll(() => repo.cleanup());

  it('lists a spec above the limit with its size and FILE_TOO_LARGE, and never reads it', async () => {
    const source = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('list.git') });
    const p = await source.poll();
    if (!p.ok) throw new Error(p.error.message);
    const byPath = new Map(p.specs.map((s) => [s.path, s]));
    expect(byPath.get('es/bomb/nomadgen.toml')).toMatchObject({
      size: BOMB_BYTES,
      problem: { code: 'FILE_TOO_LARGE', line: 1, col: 1, message: `the spec is ${BOMB_BYTES} bytes; the limit is ${MAX_SPEC_BYTES} bytes (1 MiB)` },
    });
    expect(byPath.get('es/edge/nomadgen.toml')?.problem?.code).toBe('FILE_TOO_LARGE');
    expect(byPath.get('es/fits/nomadgen.toml')).toMatchObject({ size: MAX_SPEC_BYTES });
    expect(byPath.get('es/fits/nomadgen.toml')?.problem).toBeUndefined();
    const texts = await source.readSpecs(p.specs);
    expect([...texts.keys()].sort()).toEqual(['es/fits/nomadgen.toml', 'ops/good1/nomadgen.toml', 'ops/good2/nomadgen.toml']);
    expect(texts.get('es/fits/nomadgen.toml')?.length).toBe(MAX_SPEC_BYTES);
  }, 60_000);

  it('makes the spec one invalid entry at 1:1 with its path; every other spec renders, and the blob is never held', async () => {
    const source = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('desired.git') });
    const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
    const d = new DesiredState(source, (input) => renderSpec(input, env), { sourceId: 'specs', defaultMode: 'self-heal' });
    let r: Awaited<ReturnType<DesiredState['refresh']>> | undefined;
    const growth = await peakBufferGrowth(async () => { r = await d.refresh(); });
    expect(r?.error).toBeUndefined();
    expect(r?.ok).toBe(true);
    for (const n of ['good1', 'good2']) expect(d.atSpec(`ops/${n}/nomadgen.toml`)).toMatchObject({ state: 'valid', jobId: `t-ops-${n}` });
    expect(d.atSpec('es/fits/nomadgen.toml')).toMatchObject({ state: 'valid', jobId: 't-es-fits' });
    const bomb = d.atSpec('es/bomb/nomadgen.toml');
    expect(bomb).toMatchObject({ state: 'invalid', team: 'es' });
    expect(bomb?.state === 'invalid' && bomb.diagnostics).toEqual([
      { code: 'FILE_TOO_LARGE', severity: 'error', file: 'es/bomb/nomadgen.toml', line: 1, col: 1, message: `the spec is ${BOMB_BYTES} bytes; the limit is ${MAX_SPEC_BYTES} bytes (1 MiB)` },
    ]);
    expect(d.atSpec('es/edge/nomadgen.toml')).toMatchObject({ state: 'invalid', diagnostics: [{ code: 'FILE_TOO_LARGE', line: 1, col: 1 }] });
    // Reading the 64 MiB blob whole would hold it at least once (twice while its pieces are joined).
    expect(growth).toBeLessThan(BOMB_BYTES / 4);
  }, 60_000);

  it('catFileBatch streams past a blob announced above its limit and keeps none of it', async () => {
    const bomb = repo.git('rev-parse', 'HEAD:es/bomb/nomadgen.toml');
    const good = repo.git('rev-parse', 'HEAD:ops/good1/nomadgen.toml');
    let blobs: Awaited<ReturnType<typeof catFileBatch>> = [];
    const growth = await peakBufferGrowth(async () => { blobs = await catFileBatch(repo.remote, [bomb, good], { maxBytes: MAX_SPEC_BYTES }); });
    // Lengths, not contents: a failure must not print 64 MiB.
    expect(blobs.map((b) => (Buffer.isBuffer(b) ? `${b.length} bytes` : b))).toEqual([{ oversize: true, size: BOMB_BYTES }, `${Buffer.byteLength(spec('good1'))} bytes`]);
    expect(blobs[1]).toEqual(Buffer.from(spec('good1')));
    // The pipe's pieces wait for the garbage collector; the blob itself, whole, would add 64 MiB to them.
    expect(growth).toBeLessThan(BOMB_BYTES);
  }, 60_000);
});

describe('BatchParser', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);

  it('counts past a blob above the limit piece by piece, whatever its size, and reads the next one', () => {
    const huge = 2 ** 40; // 1 TiB announced: holding it is impossible, counting past it is not
    const p = new BatchParser([A, B], 16);
    p.push(Buffer.from(`${A} blob ${huge}\n`));
    const piece = Buffer.alloc(1 << 20, 0x20);
    for (let sent = 0; sent < 64; sent++) p.push(piece);
    // 64 MiB counted past, nothing held; the rest of the terabyte never came, so the answer is incomplete.
    expect(() => p.end()).toThrow(`object ${A} is shorter than its announced ${huge} bytes`);

    const q = new BatchParser([A, B], 16);
    q.push(Buffer.from(`${A} blob 100`));
    q.push(Buffer.from(`\n${'x'.repeat(60)}`));
    q.push(Buffer.from(`${'x'.repeat(40)}\n${B} bl`));
    q.push(Buffer.from('ob 3\nabc\n'));
    expect(q.end()).toEqual([{ oversize: true, size: 100 }, Buffer.from('abc')]);
  });

  it('refuses a header that never ends instead of holding it', () => {
    const p = new BatchParser([A], 16);
    expect(() => p.push(Buffer.alloc(4096, 0x61))).toThrow(/header longer than 256 bytes/);
  });

  it('refuses more output than asked for, a missing newline and a truncated answer', () => {
    const more = new BatchParser([A], 16);
    expect(() => more.push(Buffer.from(`${A} missing\n${B} missing\n`))).toThrow('more output than objects asked for');
    const noNewline = new BatchParser([A], 16);
    expect(() => noNewline.push(Buffer.from(`${A} blob 2\nabX`))).toThrow(`object ${A} is shorter than its announced 2 bytes`);
    const truncated = new BatchParser([A, B], 16);
    truncated.push(Buffer.from(`${A} missing\n`));
    expect(() => truncated.end()).toThrow(`truncated output at object ${B}`);
  });
});
