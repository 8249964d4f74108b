import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../lib/cli/main';
import { versionText } from '../../../lib/cli/version';

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

describe('nomadguard --version', () => {
  it('prints the package version and exits 0', async () => {
    for (const flag of ['--version', '-V']) {
      let out = '';
      const code = await main([flag], { stdout: (t) => { out += t; }, stderr: () => undefined, env: {}, signal: new AbortController().signal });
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^${PACKAGE_VERSION.replace(/\./g, '\\.')}( \\(commit [0-9a-f]+\\))?\\n$`));
    }
  });

  it('is a program option only: a command\'s own --version is left to it', async () => {
    let out = '';
    const code = await main(['schema', '--version'], { stdout: (t) => { out += t; }, stderr: (t) => { out += t; }, env: {}, signal: new AbortController().signal });
    expect(code).toBe(2);
    expect(out).toContain("unknown option '--version'");
  });

  it('adds the commit a build recorded, and finds the package from dist/ below it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-version-'));
    try {
      fs.mkdirSync(path.join(root, 'dist', 'lib', 'cli'), { recursive: true });
      fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'nomadguard', version: '9.8.7' }));
      expect(versionText(path.join(root, 'dist', 'lib', 'cli'))).toBe('9.8.7');
      fs.writeFileSync(path.join(root, 'dist', 'commit'), '1a2b3c4d5e6f\n');
      expect(versionText(path.join(root, 'dist', 'lib', 'cli'))).toBe('9.8.7 (commit 1a2b3c4d5e6f)');
      fs.writeFileSync(path.join(root, 'dist', 'commit'), 'not a commit\n');
      expect(versionText(path.join(root, 'dist', 'lib', 'cli'))).toBe('9.8.7');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
