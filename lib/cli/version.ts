/**
 * The version `nomadguard --version` prints: package.json's `version`, and the git commit the build was
 * made from when the build wrote it (`make build` puts it in `dist/commit`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest folder at or above `from` holding nomadguard's package.json (the source tree, or the one dist/ is in). */
function packageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'nomadguard') return dir;
    } catch {
      // no package.json here, or not JSON: look further up
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `0.1.0`, or `0.1.0 (commit 1a2b3c4d5e6f)` when the build recorded its commit; `unknown` outside a package. */
export function versionText(from: string = __dirname): string {
  const root = packageRoot(from);
  if (!root) return 'unknown';
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  let commit = '';
  try {
    commit = fs.readFileSync(path.join(root, 'dist', 'commit'), 'utf8').trim();
  } catch {
    // a build without a recorded commit
  }
  return /^[0-9a-f]{7,40}$/.test(commit) ? `${version ?? 'unknown'} (commit ${commit})` : (version ?? 'unknown');
}
