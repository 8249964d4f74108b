import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultOperatorConfig, parseOperatorConfig } from '../../../crd-schemas/operator-config';
import { webhookSecret } from '../../../controllers/webhooks';
import { WiringError } from '../../../controllers/wiring';

describe('webhook secret', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-hook-secret-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const config = (yaml: string) => {
    const parsed = parseOperatorConfig(yaml);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    return parsed.config;
  };

  it('is read from webhooks.secretFile (trimmed, relative to the working folder without a config file), which wins over the environment', () => {
    fs.writeFileSync(path.join(dir, 'hook-secret'), 'from-the-file\n');
    expect(webhookSecret(config('webhooks: { secretFile: hook-secret }\n'), { NOMADGUARD_WEBHOOK_SECRET: 'from-env' }, dir)).toBe('from-the-file');
    expect(webhookSecret(config('webhooks: { secret: inline }\n'), { NOMADGUARD_WEBHOOK_SECRET: 'from-env' }, dir)).toBe('inline');
  });

  it('with a config file, webhooks.secretFile is relative to the config\'s folder, like its policy', () => {
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.mkdirSync(path.join(dir, 'elsewhere'));
    fs.writeFileSync(path.join(dir, 'etc', 'hook-secret'), 'beside-the-config\n');
    fs.writeFileSync(path.join(dir, 'elsewhere', 'hook-secret'), 'in-the-working-folder\n');
    const hooks = config('webhooks: { secretFile: hook-secret }\n');
    expect(webhookSecret(hooks, {}, path.join(dir, 'elsewhere'), '../etc/operator.yaml')).toBe('beside-the-config');
    expect(webhookSecret(hooks, {}, path.join(dir, 'elsewhere'), path.join(dir, 'etc', 'operator.yaml'))).toBe('beside-the-config');
    expect(webhookSecret(config(`webhooks: { secretFile: ${JSON.stringify(path.join(dir, 'elsewhere', 'hook-secret'))} }\n`), {}, dir, 'etc/operator.yaml')).toBe('in-the-working-folder');
  });

  it('falls back to NOMADGUARD_WEBHOOK_SECRET, and is absent when nothing sets it', () => {
    expect(webhookSecret(defaultOperatorConfig({}), { NOMADGUARD_WEBHOOK_SECRET: ' from-env ' }, dir)).toBe('from-env');
    expect(webhookSecret(defaultOperatorConfig({}), { NOMADGUARD_WEBHOOK_SECRET: '' }, dir)).toBeUndefined();
    expect(webhookSecret(defaultOperatorConfig({}), {}, dir)).toBeUndefined();
  });

  it('an unreadable or empty secret file fails the start, naming the file and never its content', () => {
    expect(() => webhookSecret(config('webhooks: { secretFile: nope }\n'), {}, dir)).toThrow(new WiringError('webhooks.secretFile: cannot read nope (ENOENT)'));
    fs.writeFileSync(path.join(dir, 'blank'), ' \n');
    expect(() => webhookSecret(config('webhooks: { secretFile: blank }\n'), {}, dir)).toThrow('webhooks.secretFile: blank is empty');
  });

  it('the config refuses unknown webhook keys and an empty inline secret', () => {
    const unknown = parseOperatorConfig('webhooks: { token: x }\n');
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.diagnostics[0]).toMatchObject({ code: 'UNKNOWN_KEY', message: 'unknown key "token" in webhooks' });
    const empty = parseOperatorConfig('webhooks: { secret: "" }\n');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.diagnostics[0].message).toContain('webhooks.secret');
  });
});
