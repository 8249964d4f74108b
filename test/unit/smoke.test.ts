import { main } from '../../lib/cli/main';

test('--help lists the program and exits 0', async () => {
  let out = '';
  const code = await main(['--help'], { stdout: (t) => { out += t; }, stderr: () => undefined, signal: new AbortController().signal });
  expect(code).toBe(0);
  expect(out).toContain('Usage: nomadguard');
});
