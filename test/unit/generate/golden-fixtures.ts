/** The valid fixture specs and how the golden files render them. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec, type RenderResult } from '../../../lib/core/pipeline';
import { teamFromPath } from '../../../lib/core/spec/load';

export const SPECS = join(__dirname, '..', '..', 'fixtures', 'specs');
export const GOLDEN = join(__dirname, '..', '..', 'fixtures', 'golden');

/** Every `<team>/<name>/nomadgen.toml` under the fixture folder (not the invalid ones), relative paths, sorted. */
export function fixtureSpecs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const p = join(dir, entry);
      if (statSync(p).isDirectory()) {
        if (entry !== 'invalid') walk(p);
      } else if (entry === 'nomadgen.toml') out.push(relative(SPECS, p));
    }
  };
  walk(SPECS);
  return out;
}

/** The config the goldens are rendered with: defaults, except the web team's fixture uses three datacenters and Vault policies. */
export function goldenConfig(file: string): OperatorConfig {
  const config = defaultOperatorConfig({ NOMAD_ADDR: 'http://127.0.0.1:4646' });
  if (file.startsWith('web/')) {
    config.platform = { ...config.platform, datacenters: ['dc1', 'dc2', 'dc3'] };
    config.vault = { ...config.vault, mode: 'policies' };
  }
  return config;
}

/** Renders a fixture the way its golden files were made. */
export function renderFixture(file: string): RenderResult {
  const team = teamFromPath(file) as string;
  return renderSpec({ text: readFileSync(join(SPECS, file)), file, team, commit: '3f2c1ab0000000000000000000000000000000de', source: 'ssh://git@gitea.internal/platform/nomad-specs.git' }, { config: goldenConfig(file), policy: defaultPolicy() });
}

/** The golden file name of a fixture: "es/cerebro/nomadgen.toml" -> "es-cerebro". */
export function goldenName(file: string): string {
  return file.replace(/\/nomadgen\.toml$/, '').replace(/\//g, '-');
}
