import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExampleRepo } from '../../../lib/dev/example-repo';
import { EXAMPLE_SPECS } from '../../../lib/dev/example-specs';

describe('createExampleRepo', () => {
  let parent: string;
  beforeEach(() => { parent = mkdtempSync(join(tmpdir(), 'ng-example-')); });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('commits every example spec at its team path on branch main', async () => {
    const repo = await createExampleRepo(parent);
    const files = execFileSync('git', ['-C', repo.dir, 'ls-tree', '-r', '--name-only', repo.head]).toString().trim().split('\n');
    expect(files.sort()).toEqual(EXAMPLE_SPECS.map((s) => s.path).sort());
    expect(execFileSync('git', ['-C', repo.dir, 'rev-parse', '--abbrev-ref', 'HEAD']).toString().trim()).toBe('main');
    expect(repo.head).toMatch(/^[0-9a-f]{40}$/);
  });
});
