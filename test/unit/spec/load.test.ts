import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as TOML from '@iarna/toml';
import { loadSpec, teamFromPath } from '../../../lib/core/spec/load';
import { scanToml, TomlPositions } from '../../../lib/core/spec/positions';
import { didYouMean, editDistance } from '../../../lib/core/spec/suggest';
import { parseDuration, formatDuration } from '../../../lib/core/spec/duration';
import { MAX_SPEC_BYTES } from '../../../lib/core/spec/text';
import { checkNesting } from '../../../lib/core/spec/depth';
import { generateSpecs } from '../../../bench/spec-generator';

const SPECS = join(__dirname, '..', '..', 'fixtures', 'specs');
const read = (p: string): string => readFileSync(join(SPECS, p), 'utf8');

/** Every path to a leaf (and every table/array on the way) of a parsed document. */
function paths(value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object' && !(value instanceof Date)) for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

/** Every parseable .toml under test/fixtures within the nesting bound, relative to the fixtures folder. */
function allFixtureTomls(): string[] {
  const root = join(__dirname, '..', '..', 'fixtures');
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.toml')) {
        // too deep for the loader: it refuses them before parsing, so nothing scans them
        if (checkNesting(readFileSync(p, 'utf8'), p)) continue;
        try {
          TOML.parse(readFileSync(p, 'utf8'));
          out.push(relative(root, p));
        } catch {
          // syntax-error fixtures have no structure to agree on
        }
      }
    }
  };
  walk(root);
  return out.sort();
}

describe('position scanner', () => {
  it.each(allFixtureTomls())('records every path the parser produces in %s', (file) => {
    const text = readFileSync(join(__dirname, '..', '..', 'fixtures', file), 'utf8');
    const scanned = scanToml(text);
    const missing = paths(TOML.parse(text)).filter((p) => !scanned.has(p.join('\u001f')));
    expect(missing).toEqual([]);
  });

  it('agrees with the parser on 100 generated specs', () => {
    for (const spec of generateSpecs(100, 3)) {
      const scanned = scanToml(spec.text);
      expect(paths(TOML.parse(spec.text)).filter((p) => !scanned.has(p.join('\u001f')))).toEqual([]);
    }
  });

  it('points at keys, not values, with 1-based columns', () => {
    const text = 'a = 1\n[t]\n  "q.k" = { x = [1, { y = 2 }] }\n[[arr]]\n[[arr]]\n  [arr.sub]\n  z = 3\n';
    const pos = new TomlPositions(text);
    expect(pos.locate(['a'])).toEqual({ line: 1, col: 1 });
    expect(pos.locate(['t', 'q.k'])).toEqual({ line: 3, col: 3 });
    expect(pos.locate(['t', 'q.k', 'x', 1, 'y'])).toEqual({ line: 3, col: 23 });
    expect(pos.locate(['arr', 1])).toEqual({ line: 5, col: 1 });
    expect(pos.locate(['arr', 1, 'sub', 'z'])).toEqual({ line: 7, col: 3 });
    expect(pos.locate(['arr', 1, 'nope'])).toEqual({ line: 5, col: 1 });
  });

  it('skips multi-line strings and comments without losing its place', () => {
    const text = 'a = """\n[fake]\nb = 1"""\n# [other]\nc = \'\'\'x = 1\'\'\' # tail\n[real] # c\nd = [ # c\n  1,\n  2, # c\n]\n';
    const pos = new TomlPositions(text);
    expect(pos.has(['fake'])).toBe(false);
    expect(pos.locate(['c'])).toEqual({ line: 5, col: 1 });
    expect(pos.locate(['real', 'd', 1])).toEqual({ line: 9, col: 3 });
  });

  it('handles dotted keys and CRLF line endings', () => {
    const pos = new TomlPositions('[a]\r\nb.c = 1\r\n  d . "e" = 2\r\n');
    expect(pos.locate(['a', 'b', 'c'])).toEqual({ line: 2, col: 1 });
    expect(pos.locate(['a', 'd', 'e'])).toEqual({ line: 3, col: 3 });
  });
});

describe('loadSpec', () => {
  it('loads the full v1 fixture without diagnostics', () => {
    const r = loadSpec({ text: read('es/cerebro/nomadgen.toml'), file: 'es/cerebro/nomadgen.toml' });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.legacy).toBe(false);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec.group[0].task[0].env?.MULTI).toBe('line one\nline two');
  });

  it('converts the legacy fixture to v1 with a LEGACY warning', () => {
    const r = loadSpec({ text: read('es/legacy-search/nomadgen.toml'), file: 'es/legacy-search/nomadgen.toml', team: 'es' });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.legacy).toBe(true);
    expect(r.diagnostics.map((d) => `${d.severity}[${d.code}] ${d.line}:${d.col}`)).toEqual(['warning[LEGACY] 1:1']);
    expect(r.diagnostics[0].hint).toContain('[[group.task]]');
    expect(r.spec).toEqual({
      name: 'search', tier: 'production', contact: 'es-team@example.com',
      group: [
        { name: 'web', count: 2, task: [{
          name: 'search', image: 'registry.internal/es/search:3.1.0', args: ['--port', '8080'], cpu: 300, memory: 512, port: 8080,
          check: { type: 'http', path: '/status', grace: '60s' }, volumes: ['search-data:/data'], tags: ['search'],
          firewall: { ingress: ['g/netscaler', 'g/monitoring'] }, meta: { 'nagios.sms': '2', 'nagios.mail': '1' },
        }] },
        { name: 'batch', task: [{ name: 'reindex', image: 'registry.internal/es/reindex:3.1.0', port: 9000, check: { type: 'tcp' } }] },
      ],
    });
    // v1 paths resolve to the legacy keys they came from.
    expect(r.positions.locate(['group', 0, 'task', 0, 'image'])).toEqual({ line: 15, col: 1 });
    expect(r.positions.locate(['group', 0, 'task', 0, 'firewall', 'ingress', 0])).toEqual({ line: 25, col: 1 });
    expect(r.positions.locate(['group', 1])).toEqual({ line: 10, col: 1 });
    expect(r.positions.locate(['name'])).toEqual({ line: 2, col: 1 });
  });

  it('takes the tier from the job name letter when `tier` is absent', () => {
    const r = loadSpec({ text: 'job = "q-web-shop"\ncontact = "c"\n[[taskgroup]]\nname = "g"\n[[task.g]]\nname = "t"\nimage = "i:1"\n', file: 'web/shop/nomadgen.toml', team: 'web' });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.spec.tier).toBe('quality');
    expect(r.spec.name).toBe('shop');
  });

  it('refuses files over 1 MiB', () => {
    const big = new Uint8Array(MAX_SPEC_BYTES + 1).fill(0x20);
    const r = loadSpec({ text: big, file: 'big.toml' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FILE_TOO_LARGE']);
  });

  it('locates a non-UTF-8 byte on a later line', () => {
    const bytes = Buffer.concat([Buffer.from('name = "x"\n# é ok\nx = "'), Buffer.from([0xff]), Buffer.from('"\n')]);
    const r = loadSpec({ text: bytes, file: 'bad.toml' });
    expect(r.diagnostics[0]).toMatchObject({ code: 'FILE_ENCODING', line: 3, col: 6 });
  });

  it('strips a UTF-8 byte order mark', () => {
    const r = loadSpec({ text: `\ufeff${read('es/cerebro/nomadgen.toml')}`, file: 'x.toml' });
    expect(r.ok).toBe(true);
  });

  it('reports several problems at once, each at its own line', () => {
    const r = loadSpec({ text: 'name = "x"\ntier = "prod"\ncontact = "c"\n[[group]]\nname = "g"\n[[group.task]]\nname = "t"\nimgae = "x"\ncpu = "5"\n', file: 'x.toml' });
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`).sort()).toEqual(['SCHEMA_ENUM@2:1', 'SCHEMA_REQUIRED@6:1', 'SCHEMA_TYPE@9:1', 'UNKNOWN_KEY@8:1']);
  });
});

describe('helpers', () => {
  it('derives the team from the first folder', () => {
    expect(teamFromPath('es/cerebro/nomadgen.toml')).toBe('es');
    expect(teamFromPath('./web/a/b/nomadgen.toml')).toBe('web');
    expect(teamFromPath('nomadgen.toml')).toBeUndefined();
  });
  it('measures edit distance with transpositions', () => {
    expect(editDistance('imgae', 'image')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(didYouMean('memroy', ['memory', 'memory_max', 'cpu'])).toBe('memory');
    expect(didYouMean('zzz', ['memory'])).toBeUndefined();
  });
  it('parses and formats durations', () => {
    expect(parseDuration('90s')).toBe(90e9);
    expect(parseDuration('1h30m')).toBe(5400e9);
    expect(parseDuration('250ms')).toBe(250e6);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('5 m')).toBeUndefined();
    expect(formatDuration(5400e9)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
  it('answers the same for a duration asked again, valid or not, past the cache bound', () => {
    for (let i = 0; i < 3000; i++) expect(parseDuration(`${i}s`)).toBe(i * 1e9);
    for (const text of ['10', '10', '0', '0', '', '']) expect(parseDuration(text)).toBe(text === '0' ? 0 : undefined);
    expect(parseDuration('1s')).toBe(1e9);
  });
});
