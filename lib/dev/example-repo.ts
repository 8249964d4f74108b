/**
 * Creates the example spec repository for `nomadguard dev`: a real git repository in a new temp folder,
 * one commit with the example specs on branch `main`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { EXAMPLE_SPECS, type ExampleSpec } from './example-specs';

const run = promisify(execFile);

/** Git identity for commits made by nomadguard itself, independent of the user's git config. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'nomadguard',
  GIT_AUTHOR_EMAIL: 'nomadguard@localhost',
  GIT_COMMITTER_NAME: 'nomadguard',
  GIT_COMMITTER_EMAIL: 'nomadguard@localhost',
};

export interface ExampleRepo {
  dir: string;
  branch: string;
  head: string;
}

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, ...args], { env: { ...process.env, ...GIT_ENV } });
  return stdout.trim();
}

/** Writes `specs` into a fresh git repository under `parent` (default: the OS temp dir) and commits them. */
export async function createExampleRepo(parent = tmpdir(), specs: readonly ExampleSpec[] = EXAMPLE_SPECS): Promise<ExampleRepo> {
  const dir = await mkdtemp(join(parent, 'nomadguard-specs-'));
  const branch = 'main';
  await git(dir, ['init', '--quiet', `--initial-branch=${branch}`]);
  for (const spec of specs) {
    const file = join(dir, spec.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, spec.text);
  }
  await git(dir, ['add', '--all']);
  await git(dir, ['commit', '--quiet', '-m', 'Example services']);
  return { dir, branch, head: await git(dir, ['rev-parse', 'HEAD']) };
}
