/**
 * Every team's spec is hostile input: each value that reaches a traefik tag, a consul-template action, the
 * environment, meta read by node agents or the docker driver is checked against a strict grammar or an
 * allow-list, reported at its position with its value, and kept out of the generated job.
 */
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import type { Job } from '../../../lib/core/nomad/types';
import { CONFIG, declaredPolicy, positionOf, specText, type SpecParts } from './harness';

const env = { config: CONFIG, policy: declaredPolicy() };

function render(parts: SpecParts) {
  const text = specText(parts);
  return { text, r: renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, env) };
}

/** Every string of the job's tags, across every service. */
function allTags(job: Job | undefined): string[] {
  return (job?.TaskGroups ?? []).flatMap((g) => g.Tasks.flatMap((t) => (t.Services ?? []).flatMap((s) => s.Tags ?? [])));
}

interface Case {
  parts: SpecParts;
  code: string;
  /** Where the diagnostic points (first occurrence in the spec text). */
  at: string;
  /** The offending value as the message quotes it. */
  quoted?: string;
  /** What must not reach the job. */
  absent?: (job: Job) => void;
}

const notInTags = (s: string) => (job: Job) => expect(allTags(job).join('\n')).not.toContain(s);

const cases: Array<[string, Case]> = [
  // 1. traefik tags come from the traefik modifier only
  ['a traefik router tag on a task that is not exposed', {
    parts: { check: '{ type = "tcp" }', task: '  tags = ["ui", "traefik.http.routers.x.rule=Host(`shop.other.example`)"] ' },
    code: 'TAG_RESERVED', at: '"traefik.http.routers.x.rule', quoted: '"traefik.http.routers.x.rule=Host(`shop.other.example`)"', absent: notInTags('shop.other.example'),
  }],
  ['a traefik tag in another case on an exposed task', {
    parts: { task: '  tags = ["TRAEFIK.http.routers.x.priority=10000"]' },
    code: 'TAG_RESERVED', at: '"TRAEFIK.', absent: notInTags('priority'),
  }],
  ['a traefik- variant', { parts: { task: '  tags = ["traefik-enable=true"]' }, code: 'TAG_RESERVED', at: '"traefik-enable', absent: notInTags('traefik-enable') }],
  ['a tag Nomad would interpolate from the environment', {
    parts: { task: '  env = { T = "traefik.http.routers.x.rule=Host(`a`)" }\n  tags = ["${T}"]' },
    code: 'TAG_INVALID', at: '"${T}"', quoted: '"${T}"', absent: notInTags('${T}'),
  }],
  ['a tag with whitespace', { parts: { task: '  tags = ["a b"]' }, code: 'TAG_INVALID', at: '"a b"' }],
  ['a tag with a control character', { parts: { task: '  tags = ["a\\u0007b"]' }, code: 'TAG_INVALID', at: '"a\\u0007b"', quoted: '"a\\u0007b"' }],
  ['a tag longer than 128 characters', { parts: { task: `  tags = ["${'a'.repeat(129)}"]` }, code: 'TAG_INVALID', at: `"${'a'.repeat(129)}"` }],
  // 2. path prefixes reach a traefik rule
  ['a path prefix that closes the rule', {
    parts: { task: '  http = { path_prefix = "/api`) || Host(`shop.other.example" }' },
    code: 'HTTP_PATH_PREFIX', at: 'path_prefix', quoted: '"/api`) || Host(`shop.other.example"', absent: notInTags('shop.other.example'),
  }],
  ['a path prefix with a quote', { parts: { task: '  http = { path_prefix = "/a\'b" }' }, code: 'HTTP_PATH_PREFIX', at: 'path_prefix' }],
  ['a path prefix with a backslash', { parts: { task: '  http = { path_prefix = "/a\\\\b" }' }, code: 'HTTP_PATH_PREFIX', at: 'path_prefix' }],
  ['a path prefix with whitespace', { parts: { task: '  http = { path_prefix = "/a b" }' }, code: 'HTTP_PATH_PREFIX', at: 'path_prefix' }],
  ['a path prefix without the leading slash', { parts: { task: '  http = { path_prefix = "api" }' }, code: 'HTTP_PATH_PREFIX', at: 'path_prefix' }],
  // 3. secrets reach a consul-template action
  ['a secret path that injects template actions', {
    parts: { task: '  secrets = ["es/a\\" }}{{ key \\"global/x\\" }}{{ with secret \\"kv/data/web/db"]' },
    code: 'SECRET_PREFIX', at: '"es/a', absent: (job) => expect(JSON.stringify(job)).not.toContain('global/x'),
  }],
  ['a secret path with a "}}" in a segment', { parts: { task: '  secrets = ["es/a}}b"]' }, code: 'SECRET_PREFIX', at: '"es/a}}b"', absent: (job) => expect(job.TaskGroups[0].Tasks[0].Templates).toBeUndefined() }],
  ['a secret path with a space', { parts: { task: '  secrets = ["es/a b"]' }, code: 'SECRET_PREFIX', at: '"es/a b"' }],
  ['a ".." segment', { parts: { task: '  secrets = ["es/../web/db"]' }, code: 'SECRET_PREFIX', at: '"es/../web/db"' }],
  ['an env name that is not a variable name', { parts: { task: '  env = { "A=B" = "x" }' }, code: 'ENV_KEY_INVALID', at: '"A=B"', quoted: '"A=B"' }],
  ['an env name starting with a digit', { parts: { task: '  env = { 1A = "x" }' }, code: 'ENV_KEY_INVALID', at: '1A' }],
  // meta read by the node firewall and by the operator
  ['task meta in the firewall namespace', { parts: { task: '  meta = { "firewall.ingress" = "::/0" }' }, code: 'META_RESERVED', at: '"firewall.ingress"', quoted: '"firewall.ingress"' }],
  ['group meta in the operator namespace', { parts: { group: 'meta = { "nomadguard.spec" = "web/shop/nomadgen.toml" }' }, code: 'META_RESERVED', at: '"nomadguard.spec"' }],
  ['a meta key with a space', { parts: { task: '  meta = { "a b" = "x" }' }, code: 'META_KEY_INVALID', at: '"a b"' }],
  // 4. docker options are an allow-list
  ['network_mode of another container', { parts: { task: '  docker = { network_mode = "container:p-web-shop" }' }, code: 'DOCKER_NETWORK_MODE', at: 'network_mode', quoted: '"container:p-web-shop"' }],
  ['pid_mode of another container', { parts: { task: '  docker = { pid_mode = "container:p-web-shop" }' }, code: 'DOCKER_SHARED_NAMESPACE', at: 'pid_mode' }],
  ['security_opt label=disable', { parts: { task: '  docker = { security_opt = ["label=disable"] }' }, code: 'DOCKER_SECURITY_OPT', at: '"label=disable"', quoted: '"label=disable"' }],
  ['security_opt systempaths=unconfined', { parts: { task: '  docker = { security_opt = ["systempaths=unconfined"] }' }, code: 'DOCKER_SECURITY_OPT', at: '"systempaths=unconfined"' }],
  ['a seccomp profile path', { parts: { task: '  docker = { security_opt = ["seccomp=/tmp/profile.json"] }' }, code: 'DOCKER_SECURITY_OPT', at: '"seccomp=' }],
  ['a hostname of another host', { parts: { task: '  docker = { hostname = "p-web-shop.cloud.internal.domain" }' }, code: 'DOCKER_HOSTNAME', at: 'hostname', quoted: '"p-web-shop.cloud.internal.domain"' }],
  ['an unbounded shm_size', { parts: { task: '  docker = { shm_size = 68719476736 }' }, code: 'DOCKER_SHM_SIZE', at: 'shm_size' }],
  ['a ulimit the policy does not list', { parts: { task: '  docker = { ulimit = { memlock = "-1:-1" } }' }, code: 'DOCKER_ULIMIT', at: 'memlock', quoted: '"memlock"' }],
  ['a ulimit above its bound', { parts: { task: '  docker = { ulimit = { nofile = "1048576:1048576" } }' }, code: 'DOCKER_ULIMIT', at: 'nofile', quoted: '"1048576:1048576"' }],
  ['a sysctl the policy does not list', { parts: { task: '  docker = { sysctl = { "kernel.shm_rmid_forced" = "1" } }' }, code: 'DOCKER_SYSCTL', at: '"kernel.shm_rmid_forced"' }],
  ['a docker label Nomad writes', { parts: { task: '  docker = { labels = { "com.hashicorp.nomad.job_name" = "p-web-shop" } }' }, code: 'DOCKER_LABEL', at: '"com.hashicorp.nomad.job_name"' }],
];

describe('hostile input', () => {
  it.each(cases)('%s', (_name, c) => {
    const { text, r } = render(c.parts);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual([c.code]);
    expect(r.ok).toBe(false);
    const [d] = errors;
    expect({ line: d.line, col: d.col }).toEqual(positionOf(text, c.at));
    if (c.quoted) expect(d.message).toContain(c.quoted);
    if (c.absent) c.absent(r.job as Job);
  });

  it('what a plain service needs stays allowed', () => {
    const { r } = render({
      task: [
        '  tags = ["ui", "v0.9", "prometheus.io/scrape=true"]',
        '  env = { JAVA_OPTS = "-Xmx512m", _X1 = "${NOMAD_TASK_DIR}" }',
        '  secrets = ["es/cerebro", "es/shared/ldap.v2"]',
        '  meta = { "nagios.sms" = "2" }',
        '  http = { path_prefix = "/api/v1.2/~me%20x" }',
        '  [group.task.docker]',
        '  hostname = "cerebro"',
        '  labels = { team = "es" }',
        '  cap_drop = ["ALL"]',
        '  security_opt = ["no-new-privileges"]',
        '  shm_size = 67108864',
        '  ulimit = { nofile = "65536:65536" }',
        '  sysctl = { "net.core.somaxconn" = "1024" }',
        '  network_mode = "default"',
        '  ipc_mode = "private"',
      ].join('\n'),
    });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const tags = allTags(r.job);
    expect(tags).toContain('ui');
    expect(tags).toContain('traefik.http.routers.p-es-cerebro.rule=Host(`p-es-cerebro.cloud.internal.domain`) && PathPrefix(`/api/v1.2/~me%20x`)');
  });

  it('the generator registers no traefik tag from the spec and quotes secret paths, even with every rule off', () => {
    const policy = declaredPolicy((p) => {
      p.rules = { ...p.rules, tags: { enabled: false }, secrets: { enabled: false }, traefik: { enabled: false } };
    });
    const text = specText({ check: '{ type = "tcp" }', task: '  tags = ["ui", "traefik.enable=true", "Traefik.http.routers.x.rule=Host(`a`)"]\n  secrets = ["es/a\\"b"]' });
    const r = renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, { config: CONFIG, policy });
    expect(allTags(r.job)).toEqual(['ui']);
    expect(r.job?.TaskGroups[0].Tasks[0].Templates).toBeUndefined();
  });

  it('an operator config whose traefik names could break a tag routes nothing and says so', () => {
    const config = { ...CONFIG, traefik: { ...CONFIG.traefik, certResolver: 'le,x.rule=Host(`a`)' } };
    const text = specText();
    const r = renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, { config, policy: declaredPolicy() });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['TRAEFIK_CONFIG']);
    expect(allTags(r.job).filter((t) => t.startsWith('traefik.'))).toEqual(['traefik.enable=false']);
  });

  it.each([
    ['hostname = "cerebro"', 'hostname'], ['labels = { team = "es" }', 'labels'], ['network_mode = "default"', 'network_mode'],
    ['pid_mode = ""', 'pid_mode'], ['ipc_mode = "private"', 'ipc_mode'], ['userns_mode = ""', 'userns_mode'], ['cap_add = []', 'cap_add'],
    ['shm_size = 67108864', 'shm_size'], ['ulimit = { nofile = "1024" }', 'ulimit'], ['sysctl = { "net.core.somaxconn" = "1024" }', 'sysctl'],
  ])('with no policy file, docker %s is refused: only a plain service\'s options are allowed by default', (option, key) => {
    const text = specText({ task: `  docker = { ${option} }` });
    const r = renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, { config: CONFIG, policy: defaultPolicy() });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line, d.col])).toEqual([['DOCKER_OPTION', ...Object.values(positionOf(text, key))]]);
  });

  it('with no policy file, a plain service\'s docker options are allowed', () => {
    const text = specText({ task: '  docker = { entrypoint = ["/bin/sh", "-c"], work_dir = "/app", cap_drop = ["ALL"], security_opt = ["no-new-privileges"], privileged = false }' });
    const r = renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, { config: CONFIG, policy: defaultPolicy() });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('the docker allow-list is the policy\'s: an option left out of options is refused where it is written', () => {
    const policy = declaredPolicy((p) => {
      p.rules = { ...p.rules, docker: { allowedCapabilities: [], options: ['cap_drop'] } };
    });
    const text = specText({ task: '  docker = { cap_drop = ["ALL"], work_dir = "/app" }' });
    const r = renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, { config: CONFIG, policy });
    expect(r.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['DOCKER_OPTION', ...Object.values(positionOf(text, 'work_dir'))]]);
  });
});
