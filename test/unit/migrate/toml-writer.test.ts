import * as TOML from '@iarna/toml';
import { specToml } from '../../../lib/core/import/import';
import { tomlComment, tomlString } from '../../../lib/core/import/toml-writer';
import type { SpecV1 } from '../../../crd-schemas/spec-v1';

describe('the spec TOML writer', () => {
  const hostile = ['a"b', 'back\\slash', 'line\nbreak', 'tab\there', 'del\u007f', 'nul\u0000', 'é ünï \u2028 sep', '${NOMAD_SECRETS}', "'single'", '"""', ''];

  it('writes every string so that it parses back to exactly itself', () => {
    for (const s of hostile) expect((TOML.parse(`x = ${tomlString(s)}\n`) as { x: string }).x).toBe(s);
  });

  it('keeps a comment on its line whatever it holds', () => {
    const c = tomlComment('path with\nnew = "line"\r\u007f');
    expect(c.split('\n')).toHaveLength(1);
    expect(TOML.parse(`${c}\n`)).toEqual({});
  });

  it('writes a spec whose maps and lists, with keys of any shape, parse back unchanged', () => {
    const spec: SpecV1 = {
      name: 'x', id: 'p-es-x', tier: 'production', contact: 'a@example.com', meta: { 'weird key = "1"': 'v\n', plain: 'p' },
      group: [{ name: 'g', count: 2, scaling: { min: 1, max: 3 }, meta: { 'a.b': 'c' }, task: [{
        name: 't', image: 'i:1', args: hostile, env: Object.fromEntries(hostile.map((h, i) => [`K${i}`, h])), port: 80,
        check: { type: 'http', path: '/h', grace: '90s' }, http: { expose: true, path_prefix: '/api' }, firewall: { ingress: ['g/a'] },
        docker: { labels: { 'x.y': 'z' }, devices: [{ host_path: '/dev/x' }], shm_size: 5 }, meta: { 'nagios.sms': '2' },
      }] }],
    };
    expect(TOML.parse(specToml(spec))).toEqual(spec);
  });
});
