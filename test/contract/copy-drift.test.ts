/**
 * The project's copy of the contracts (test/contracts) against the platform's shared contracts beside the
 * repository (`../shared/contracts`): every shared file is in the copy byte for byte, and the copy holds no
 * file the shared folder lacks. The copy's README differs only by its closing "This copy" section.
 * Without the shared folder (a clone on its own) there is nothing to compare, and the test says so.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTRACTS_DIR } from './contracts';

const SHARED_DIR = path.resolve(__dirname, '../../../shared/contracts');
const OWN_SECTION = '\n## This copy\n';

/** Relative paths of every file under `dir`, sorted. */
function files(dir: string, under = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...files(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** A file of the copy as it was taken: the README without its own closing section. */
function asTaken(rel: string): Buffer {
  const bytes = fs.readFileSync(path.join(CONTRACTS_DIR, rel));
  if (rel !== 'README.md') return bytes;
  const text = bytes.toString('utf8');
  const at = text.indexOf(OWN_SECTION);
  return Buffer.from(at < 0 ? text : text.slice(0, at), 'utf8');
}

/** Files that differ between the copy and `shared`, each with how. */
function drift(shared: string): string[] {
  const theirs = files(shared);
  const ours = new Set(files(CONTRACTS_DIR));
  const problems: string[] = [];
  for (const rel of theirs) {
    if (!ours.has(rel)) problems.push(`${rel}: in the shared contracts, missing from test/contracts`);
    else if (!asTaken(rel).equals(fs.readFileSync(path.join(shared, rel)))) problems.push(`${rel}: differs from the shared contracts`);
    ours.delete(rel);
  }
  for (const rel of ours) problems.push(`${rel}: in test/contracts only`);
  return problems;
}

const hasShared = fs.existsSync(SHARED_DIR);

describe('contracts: the project copy matches the shared contracts', () => {
  (hasShared ? it : it.skip)('every file of ../shared/contracts is in test/contracts unchanged', () => {
    expect(drift(SHARED_DIR)).toEqual([]);
  });

  if (!hasShared) {
    it('has no ../shared/contracts beside the repository to compare with (comparison skipped)', () => {
      console.info(`copy-drift: ${SHARED_DIR} does not exist; the drift comparison is skipped`);
      expect(fs.existsSync(path.join(CONTRACTS_DIR, 'NOMAD-API.md'))).toBe(true);
    });
  }

  it('the README keeps its own section last, so the comparison can leave it out', () => {
    const readme = fs.readFileSync(path.join(CONTRACTS_DIR, 'README.md'), 'utf8');
    expect(readme.split(OWN_SECTION)).toHaveLength(2);
    expect(readme.slice(readme.indexOf(OWN_SECTION) + 1)).not.toMatch(/\n## /);
  });

  it('sees a changed, a missing and an extra file', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-contracts-'));
    try {
      fs.cpSync(CONTRACTS_DIR, tmp, { recursive: true });
      fs.writeFileSync(path.join(tmp, 'README.md'), asTaken('README.md'));
      expect(drift(tmp)).toEqual([]);
      fs.appendFileSync(path.join(tmp, 'NOMAD-API.md'), '\nA new fact.\n');
      fs.rmSync(path.join(tmp, 'samples', 'consul-kv-read.json'));
      fs.writeFileSync(path.join(tmp, 'samples', 'nomad-new.json'), '{}');
      expect(drift(tmp)).toEqual([
        'NOMAD-API.md: differs from the shared contracts',
        'samples/nomad-new.json: in the shared contracts, missing from test/contracts',
        'samples/consul-kv-read.json: in test/contracts only',
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
