import { defaultPolicy, type Policy } from '../../../crd-schemas/policy';
import { validateSpec } from '../../../lib/core/policy';
import { resolvePositions } from '../../../lib/core/spec/load';
import { ctxFor, declaredPolicy, loadText, parseSpec, positionOf, specText, type SpecParts } from './harness';

interface Case {
  parts: SpecParts;
  team?: string;
  policy?: Policy;
  /** Expected findings: none, or exactly one with this code, path and severity. */
  expect: null | { code: string; path: Array<string | number>; severity?: 'error' | 'warning'; message?: RegExp; at: string };
}

const T = ['group', 0, 'task', 0];
const declared = declaredPolicy();
const open = defaultPolicy();

/** Groups `g<from>`..`g<to>`, one task each (`x<n>`), with `extra` lines after each group's name. */
function groups(from: number, to: number, extra = ''): string {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`[[group]]\nname = "g${i}"${extra}\n  [[group.task]]\n  name = "x${i}"\n  image = "registry.internal/es/x:1.0.0"`);
  return out.join('\n\n');
}

/** Further tasks `t<from>`..`t<to>` of the first group. */
function tasks(from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`  [[group.task]]\n  name = "t${i}"\n  image = "registry.internal/es/x:1.0.0"`);
  return out.join('\n');
}

/** The declared policy with these limits on a spec's size. */
function sized(limits: { maxGroups?: number; maxTasksPerGroup?: number; maxInstances?: number }): Policy {
  return declaredPolicy((p) => { p.rules!.resources = limits; });
}

const cases: Array<[string, Case]> = [
  // authorisation
  ['authorisation: declared team in an allowed tier passes', { parts: {}, expect: null }],
  ['authorisation: an undeclared team is refused', { parts: {}, team: 'ghost', expect: { code: 'AUTH_UNKNOWN_TEAM', path: ['name'], message: /known teams are "es", "ops" and "web"/, at: "name    =" } }],
  ['authorisation: open policy accepts any team', { parts: {}, team: 'ghost', policy: open, expect: null }],
  ['authorisation: a tier the team may not use', { parts: {}, team: 'web', expect: { code: 'AUTH_TIER_DENIED', path: ['tier'], message: /may deploy to "quality" and "test"/, at: "tier    =" } }],
  ['authorisation: a tier the team may use', { parts: { tier: 'test' }, team: 'web', expect: null }],
  ['authorisation: a declared team allowed the internet may face it', { parts: { task: '  http = { internet = true }' }, expect: null }],
  ['authorisation: a declared team not allowed the internet', { parts: { tier: 'test', task: '  http = { internet = true }' }, team: 'web', expect: { code: 'INTERNET_NOT_ALLOWED', path: [...T, 'http', 'internet'], message: /team "web" may not publish on the public entrypoint/, at: "internet = true" } }],
  ['authorisation: internet = false needs no allowance', { parts: { tier: 'test', task: '  http = { internet = false }' }, team: 'web', expect: null }],
  ['authorisation: open policy lets any team face the internet', { parts: { task: '  http = { internet = true }' }, team: 'ghost', policy: open, expect: null }],
  ['authorisation: the shared default namespace', { parts: {}, team: 'default', policy: open, expect: { code: 'AUTH_NAMESPACE', path: ['name'], at: "name    =" } }],
  // names
  ['names: DNS-safe names pass', { parts: { name: 'cerebro-2' }, expect: null }],
  ['names: an upper-case job name', { parts: { name: 'Cerebro' }, expect: { code: 'NAME_INVALID', path: ['name'], at: "name    =" } }],
  ['names: an underscore in a group name', { parts: { tail: '[[group]]\nname = "side_car"\n  [[group.task]]\n  name = "x"\n  image = "registry.internal/es/x:1"' }, expect: { code: 'NAME_INVALID', path: ['group', 1, 'name'], at: "name = \"side_car\"" } }],
  ['names: a dot in a task name', { parts: { tail: '  [[group.task]]\n  name = "web.ui"\n  image = "registry.internal/es/x:1"' }, expect: { code: 'NAME_INVALID', path: ['group', 0, 'task', 1, 'name'], at: "name = \"web.ui\"" } }],
  ['names: a job ID longer than one DNS label', { parts: { name: 'a'.repeat(59) }, expect: { code: 'NAME_TOO_LONG', path: ['name'], message: /at most 58 characters/, at: "name    =" } }],
  ['names: a job ID of exactly 63 characters', { parts: { name: 'a'.repeat(58) }, expect: null }],
  ['names: two tasks with one name', { parts: { tail: '  [[group.task]]\n  name = "cerebro"\n  image = "registry.internal/es/x:1"' }, expect: { code: 'NAME_DUPLICATE_TASK', path: ['group', 0, 'task', 1, 'name'], at: "name = \"cerebro\"" } }],
  ['names: two groups with one name', { parts: { tail: '[[group]]\nname = "main"\n  [[group.task]]\n  name = "x"\n  image = "registry.internal/es/x:1"' }, expect: { code: 'NAME_DUPLICATE_GROUP', path: ['group', 1, 'name'], at: "name = \"main\"\n  [[" } }],
  // images
  ['images: an allowed registry host', { parts: {}, expect: null }],
  ['images: an allowed registry path prefix', { parts: { image: 'ghcr.io/acme/tool:2.1' }, expect: null }],
  ['images: a registry outside the allowlist', { parts: { image: 'docker.io/library/nginx:1.27' }, expect: { code: 'IMAGE_REGISTRY', path: [...T, 'image'], message: /registry "docker.io"/, at: "image  =" } }],
  ['images: a bare Docker Hub name counts as docker.io', { parts: { image: 'nginx:1.27' }, expect: { code: 'IMAGE_REGISTRY', path: [...T, 'image'], at: "image  =" } }],
  ['images: a path prefix does not allow its siblings', { parts: { image: 'ghcr.io/acmeco/tool:2.1' }, expect: { code: 'IMAGE_REGISTRY', path: [...T, 'image'], at: "image  =" } }],
  ['images: latest in production is an error', { parts: { image: 'registry.internal/es/cerebro:latest' }, expect: { code: 'IMAGE_MUTABLE_TAG', path: [...T, 'image'], severity: 'error', at: "image  =" } }],
  ['images: no tag in production is an error', { parts: { image: 'registry.internal/es/cerebro' }, expect: { code: 'IMAGE_MUTABLE_TAG', path: [...T, 'image'], severity: 'error', message: /has no tag/, at: "image  =" } }],
  ['images: latest in test is a warning', { parts: { tier: 'test', image: 'registry.internal/es/cerebro:latest' }, expect: { code: 'IMAGE_MUTABLE_TAG', path: [...T, 'image'], severity: 'warning', at: "image  =" } }],
  ['images: a digest is immutable', { parts: { image: 'registry.internal/es/cerebro@sha256:0123456789abcdef' }, expect: null }],
  ['images: mutable tags can be switched off per tier', { parts: { tier: 'test', image: 'registry.internal/es/cerebro' }, policy: declaredPolicy((p) => { p.rules!.images = { registries: [], mutableTags: { production: 'error', default: 'off' } }; }), expect: null }],
  // resources
  ['resources: values inside the tier range', { parts: { task: '  cpu = 500\n  memory = 1024\n  memory_max = 2048' }, expect: null }],
  ['resources: cpu above the tier maximum', { parts: { task: '  cpu = 64000' }, expect: { code: 'RESOURCE_CPU_RANGE', path: [...T, 'cpu'], message: /between 10 and 32000 MHz/, at: "cpu =" } }],
  ['resources: memory below the tier minimum', { parts: { task: '  memory = 8' }, expect: { code: 'RESOURCE_MEMORY_RANGE', path: [...T, 'memory'], at: "memory =" } }],
  ['resources: memory_max below memory', { parts: { task: '  memory = 1024\n  memory_max = 512' }, expect: { code: 'RESOURCE_MEMORY_MAX', path: [...T, 'memory_max'], at: "memory_max =" } }],
  ['resources: memory_max below the default memory', { parts: { task: '  memory_max = 128' }, expect: { code: 'RESOURCE_MEMORY_MAX', path: [...T, 'memory_max'], message: /\(the default\)/, at: "memory_max =" } }],
  ['resources: groups up to the limit', { parts: { tail: groups(1, 1) }, policy: sized({ maxGroups: 2 }), expect: null }],
  ['resources: a group beyond the limit', { parts: { tail: groups(1, 2) }, policy: sized({ maxGroups: 2 }), expect: { code: 'GROUP_LIMIT', path: ['group', 2, 'name'], message: /3 groups; the platform allows at most 2/, at: 'name = "g2"' } }],
  ['resources: tasks up to the limit', { parts: { tail: tasks(1, 1) }, policy: sized({ maxTasksPerGroup: 2 }), expect: null }],
  ['resources: a task beyond the limit', { parts: { tail: tasks(1, 3) }, policy: sized({ maxTasksPerGroup: 2 }), expect: { code: 'TASK_LIMIT', path: ['group', 0, 'task', 2, 'name'], message: /group "main" declares 4 tasks; the platform allows at most 2/, at: 'name = "t2"' } }],
  ['resources: instances up to the limit', { parts: { count: 4, tail: groups(1, 1, '\ncount = 2') }, policy: sized({ maxInstances: 6 }), expect: null }],
  ['resources: the count that goes beyond the instance limit', { parts: { count: 4, tail: groups(1, 2, '\ncount = 2') }, policy: sized({ maxInstances: 6 }), expect: { code: 'COUNT_LIMIT', path: ['group', 2, 'count'], message: /add up to 8 instances by group "g2"/, at: 'count = 2\n  [[group.task]]\n  name = "x2"' } }],
  ['resources: a group without count is one instance', { parts: { count: 6, tail: groups(1, 1) }, policy: sized({ maxInstances: 6 }), expect: { code: 'COUNT_LIMIT', path: ['group', 1, 'name'], at: 'name = "g1"' } }],
  ['resources: scaling.max counts when it is higher than count', { parts: { count: 2, group: 'scaling = { max = 8 }' }, policy: sized({ maxInstances: 6 }), expect: { code: 'COUNT_LIMIT', path: ['group', 0, 'scaling', 'max'], at: 'max = 8' } }],
  ['resources: count above the tier maximum', { parts: { count: 60 }, expect: { code: 'COUNT_RANGE', path: ['group', 0, 'count'], at: "count =" } }],
  ['resources: scaling max above the tier maximum', { parts: { group: '[group.scaling]\nmax = 80' }, expect: { code: 'COUNT_RANGE', path: ['group', 0, 'scaling', 'max'], at: "max = 80" } }],
  ['resources: a tier-specific range', { parts: { tier: 'test', task: '  cpu = 3000' }, policy: declaredPolicy((p) => { p.rules!.resources = { tiers: { test: { cpu: { max: 2000 } } } }; }), expect: { code: 'RESOURCE_CPU_RANGE', path: [...T, 'cpu'], message: /between 10 and 2000 MHz/, at: "cpu =" } }],
  // volumes
  ['volumes: named volumes, read-only, and an allowed host path', { parts: { task: '  volumes = ["data:/data", "conf:/etc/app:ro", "/srv/shared/es:/shared:ro"]' }, expect: null }],
  ['volumes: a host path outside the allowed prefixes', { parts: { task: '  volumes = ["data:/data", "/etc:/host-etc"]' }, expect: { code: 'VOLUME_HOST_PATH', path: [...T, 'volumes', 1], message: /only under "\/srv\/shared"/, at: "\"/etc:/host-etc\"" } }],
  ['volumes: a prefix matches whole segments only', { parts: { task: '  volumes = ["/srv/shared-other:/x"]' }, expect: { code: 'VOLUME_HOST_PATH', path: [...T, 'volumes', 0], at: "\"/srv/shared-other:/x\"" } }],
  ['volumes: open policy allows no host paths', { parts: { task: '  volumes = ["/srv/shared/es:/x"]' }, policy: open, expect: { code: 'VOLUME_HOST_PATH', path: [...T, 'volumes', 0], message: /allows no host paths/, at: "\"/srv/shared/es:/x\"" } }],
  ['volumes: ".." escapes an allowed prefix', { parts: { task: '  volumes = ["/srv/shared/../../etc:/x"]' }, expect: { code: 'VOLUME_TRAVERSAL', path: [...T, 'volumes', 0], at: "\"/srv/shared/../../etc:/x\"" } }],
  ['volumes: ".." in the container path', { parts: { task: '  volumes = ["data:/data/../etc"]' }, expect: { code: 'VOLUME_TRAVERSAL', path: [...T, 'volumes', 0], at: "\"data:/data/../etc\"" } }],
  ['volumes: no container path', { parts: { task: '  volumes = ["data"]' }, expect: { code: 'VOLUME_FORMAT', path: [...T, 'volumes', 0], at: "\"data\"" } }],
  ['volumes: a relative container path', { parts: { task: '  volumes = ["data:data"]' }, expect: { code: 'VOLUME_FORMAT', path: [...T, 'volumes', 0], at: "\"data:data\"" } }],
  ['volumes: an unknown mode', { parts: { task: '  volumes = ["data:/data:rwx"]' }, expect: { code: 'VOLUME_FORMAT', path: [...T, 'volumes', 0], at: "\"data:/data:rwx\"" } }],
  ['volumes: a volume name with a space', { parts: { task: '  volumes = ["my data:/data"]' }, expect: { code: 'VOLUME_FORMAT', path: [...T, 'volumes', 0], at: "\"my data:/data\"" } }],
  // docker
  ['docker: harmless options and an allowed capability', { parts: { task: '  docker = { work_dir = "/app", cap_add = ["net_bind_service"], cap_drop = ["ALL"] }' }, expect: null }],
  ['docker: privileged', { parts: { task: '  docker = { privileged = true }' }, expect: { code: 'DOCKER_PRIVILEGED', path: [...T, 'docker', 'privileged'], at: "privileged = true" } }],
  ['docker: privileged = false is fine', { parts: { task: '  docker = { privileged = false }' }, expect: null }],
  ['docker: host network', { parts: { task: '  docker = { network_mode = "host" }' }, expect: { code: 'DOCKER_HOST_NETWORK', path: [...T, 'docker', 'network_mode'], at: "network_mode" } }],
  ['docker: host pid namespace', { parts: { task: '  docker = { pid_mode = "host" }' }, expect: { code: 'DOCKER_HOST_NAMESPACE', path: [...T, 'docker', 'pid_mode'], at: "pid_mode" } }],
  ['docker: a capability outside the allowlist', { parts: { task: '  docker = { cap_add = ["NET_BIND_SERVICE", "SYS_ADMIN"] }' }, expect: { code: 'DOCKER_CAP_ADD', path: [...T, 'docker', 'cap_add', 1], message: /"SYS_ADMIN"/, at: "\"SYS_ADMIN\"" } }],
  ['docker: host devices', { parts: { task: '  docker = { devices = [{ host_path = "/dev/fuse" }] }' }, expect: { code: 'DOCKER_DEVICES', path: [...T, 'docker', 'devices', 0], at: "{ host_path" } }],
  ['docker: seccomp switched off', { parts: { task: '  docker = { security_opt = ["seccomp=unconfined"] }' }, expect: { code: 'DOCKER_SECURITY_OPT', path: [...T, 'docker', 'security_opt', 0], at: "\"seccomp=unconfined\"" } }],
  // firewall
  ['firewall: known groups, team groups, IPv6 ingress and dual-stack egress', { parts: { task: '  firewall = { ingress = ["g/netscaler", "g/es-internal", "2001:db8:100::/48"], egress = ["g/monitoring", "10.1.0.0/16", "2001:db8::/32"] }' }, expect: null }],
  ['firewall: an unknown group', { parts: { task: '  firewall = { ingress = ["g/netscalr"] }' }, expect: { code: 'FIREWALL_UNKNOWN_GROUP', path: [...T, 'firewall', 'ingress', 0], message: /"g\/es-internal", "g\/monitoring" and "g\/netscaler"/, at: "\"g/netscalr\"" } }],
  ['firewall: another team\'s group', { parts: { task: '  firewall = { egress = ["g/es-internal"] }' }, team: 'web', policy: declaredPolicy((p) => { p.teams!.web!.tiers = ['production']; }), expect: { code: 'FIREWALL_UNKNOWN_GROUP', path: [...T, 'firewall', 'egress', 0], at: "\"g/es-internal\"" } }],
  ['firewall: open policy accepts any well-formed group', { parts: { task: '  firewall = { ingress = ["g/anything-goes"] }' }, policy: open, expect: null }],
  ['firewall: open policy rejects a malformed group', { parts: { task: '  firewall = { ingress = ["g/Bad Group"] }' }, policy: open, expect: { code: 'FIREWALL_UNKNOWN_GROUP', path: [...T, 'firewall', 'ingress', 0], message: /not a well-formed group/, at: "\"g/Bad Group\"" } }],
  ['firewall: not a prefix', { parts: { task: '  firewall = { egress = ["2001:db8::zz/64"] }' }, expect: { code: 'FIREWALL_INVALID_PREFIX', path: [...T, 'firewall', 'egress', 0], at: "\"2001:db8::zz/64\"" } }],
  ['firewall: prefix longer than the address', { parts: { task: '  firewall = { ingress = ["2001:db8::/129"] }' }, expect: { code: 'FIREWALL_INVALID_PREFIX', path: [...T, 'firewall', 'ingress', 0], at: "\"2001:db8::/129\"" } }],
  ['firewall: host bits set, canonical network in the message', { parts: { task: '  firewall = { ingress = ["2001:DB8:0:0:0:0:0:1/48"] }' }, expect: { code: 'FIREWALL_INVALID_PREFIX', path: [...T, 'firewall', 'ingress', 0], message: /"2001:db8::\/48"/, at: "\"2001:DB8" } }],
  ['firewall: IPv4 ingress', { parts: { task: '  firewall = { ingress = ["10.0.0.0/8"] }' }, expect: { code: 'FIREWALL_IPV4_INGRESS', path: [...T, 'firewall', 'ingress', 0], message: /"10.0.0.0\/8" is IPv4/, at: "\"10.0.0.0/8\"" } }],
  ['firewall: IPv4-mapped IPv6 ingress is IPv4', { parts: { task: '  firewall = { ingress = ["::ffff:10.0.0.0/104"] }' }, expect: { code: 'FIREWALL_IPV4_INGRESS', path: [...T, 'firewall', 'ingress', 0], message: /"10.0.0.0\/8"/, at: "\"::ffff" } }],
  ['firewall: ::/0 ingress without internet', { parts: { task: '  firewall = { ingress = ["0::0/0"] }' }, expect: { code: 'FIREWALL_OPEN_INGRESS', path: [...T, 'firewall', 'ingress', 0], message: /"::\/0"/, at: "\"0::0/0\"" } }],
  ['firewall: ::/0 ingress for a team that may not face the internet', { parts: { tier: 'test', task: '  firewall = { ingress = ["::/0"] }' }, team: 'web', expect: { code: 'FIREWALL_OPEN_INGRESS', path: [...T, 'firewall', 'ingress', 0], message: /team "web" may not be internet-facing/, at: "\"::/0\"" } }],
  ['firewall: ::/0 ingress for an internet-facing task', { parts: { task: '  http = { internet = true }\n  firewall = { ingress = ["::/0"], egress = ["0.0.0.0/0", "::/0"] }' }, expect: null }],
  // secrets
  ['secrets: paths under the team prefix', { parts: { task: '  secrets = ["es/cerebro", "es/shared/db"]' }, expect: null }],
  ['secrets: another team\'s path', { parts: { task: '  secrets = ["es/cerebro", "web/db"]' }, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 1], message: /under "es\/"/, at: "\"web/db\"" } }],
  ['secrets: the prefix itself is not a secret', { parts: { task: '  secrets = ["es"]' }, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 0], at: "\"es\"" } }],
  ['secrets: ".." steps out of the prefix', { parts: { task: '  secrets = ["es/../web/db"]' }, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 0], message: /without a leading/, at: "\"es/../web/db\"" } }],
  ['secrets: a dot inside a segment is part of a name', { parts: { task: '  secrets = ["es/app.v1"]' }, expect: null }],
  ['secrets: a "." segment', { parts: { task: '  secrets = ["es/./db"]' }, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 0], message: /without a leading/, at: "\"es/./db\"" } }],
  ['secrets: an empty segment', { parts: { task: '  secrets = ["es//db"]' }, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 0], message: /without a leading/, at: "\"es//db\"" } }],
  ['secrets: a trailing "/"', { parts: { task: '  secrets = ["es/db/"]' }, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 0], message: /without a leading/, at: "\"es/db/\"" } }],
  ['secrets: a leading "/"', { parts: { task: '  secrets = ["/es/db"]' }, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 0], message: /without a leading/, at: "\"/es/db\"" } }],
  ['secrets: open policy uses <team>/', { parts: { task: '  secrets = ["search/cerebro"]' }, team: 'search', policy: open, expect: null }],
  ['secrets: open policy refuses another prefix', { parts: { task: '  secrets = ["es/cerebro"]' }, team: 'search', policy: open, expect: { code: 'SECRET_PREFIX', path: [...T, 'secrets', 0], message: /under "search\/"/, at: "\"es/cerebro\"" } }],
  // checks
  ['checks: a complete http check', { parts: { check: '{ type = "http", path = "/health", interval = "10s", timeout = "2s", grace = "1m30s" }' }, expect: null }],
  ['checks: a script check with a command', { parts: { check: '{ type = "script", command = "/bin/check", args = ["-q"] }' }, expect: null }],
  ['checks: a script check without a command', { parts: { check: '{ type = "script" }' }, expect: { code: 'CHECK_SCRIPT_COMMAND', path: [...T, 'check'], at: "check  =" } }],
  ['checks: an http check without a path', { parts: { check: '{ type = "http" }' }, expect: { code: 'CHECK_HTTP_PATH', path: [...T, 'check'], at: "check  =" } }],
  ['checks: an http path without a leading slash', { parts: { check: '{ type = "http", path = "health" }' }, expect: { code: 'CHECK_HTTP_PATH', path: [...T, 'check', 'path'], message: /"\/health"/, at: "path = \"health\"" } }],
  ['checks: a tcp check without a port', { parts: { port: null, check: '{ type = "tcp" }' }, expect: { code: 'CHECK_PORT', path: [...T, 'check', 'type'], at: "type = \"tcp\"" } }],
  ['checks: an interval without a unit', { parts: { check: '{ type = "http", path = "/", interval = "10" }' }, expect: { code: 'CHECK_DURATION', path: [...T, 'check', 'interval'], at: "interval" } }],
  ['checks: a zero timeout', { parts: { check: '{ type = "http", path = "/", timeout = "0s" }' }, expect: { code: 'CHECK_DURATION', path: [...T, 'check', 'timeout'], at: "timeout" } }],
  ['checks: a grace in days', { parts: { check: '{ type = "tcp", grace = "1d" }' }, expect: { code: 'CHECK_DURATION', path: [...T, 'check', 'grace'], at: "grace" } }],
];

describe('validator rules', () => {
  it.each(cases)('%s', (_name, c) => {
    const text = specText(c.parts);
    const { spec, positions } = loadText(text);
    const team = c.team ?? 'es';
    const diags = resolvePositions(validateSpec(spec, ctxFor(team), c.policy ?? declared), positions);
    if (c.expect === null) {
      expect(diags).toEqual([]);
      return;
    }
    expect(diags.map((d) => d.code)).toEqual([c.expect.code]);
    const [d] = diags;
    expect(d.path).toEqual(c.expect.path);
    expect({ line: d.line, col: d.col }).toEqual(positionOf(text, c.expect.at));
    expect(d.severity).toBe(c.expect.severity ?? 'error');
    expect(d.file).toBe(`${team}/cerebro/nomadgen.toml`);
    if (c.expect.message) expect(d.message).toMatch(c.expect.message);
  });

  it('bounds a spec\'s size by default: 20 groups, 20 tasks a group, 200 instances', () => {
    const policy = defaultPolicy();
    const at = (text: string) => resolvePositions(validateSpec(loadText(text).spec, ctxFor(), policy), loadText(text).positions).map((d) => d.code);
    expect(at(specText({ count: 10, tail: groups(1, 19, '\ncount = 10') }))).toEqual([]);
    expect(at(specText({ count: 10, tail: groups(1, 20, '\ncount = 10') }))).toEqual(['GROUP_LIMIT', 'COUNT_LIMIT']);
    expect(at(specText({ tail: tasks(1, 19) }))).toEqual([]);
    expect(at(specText({ tail: tasks(1, 20) }))).toEqual(['TASK_LIMIT']);
    // 12,000 groups of 50 instances, written tersely to stay under the loader's size limit.
    const terse = Array.from({ length: 11_999 }, (_, i) => `[[group]]\nname="g${i}"\ncount=50\n[[group.task]]\nname="x"\nimage="registry.internal/x:1"`).join('\n');
    const many = parseSpec(specText({ count: 50, tail: terse }));
    expect(validateSpec(many, ctxFor(), policy).filter((d) => d.code.endsWith('_LIMIT')).map((d) => d.code)).toEqual(['GROUP_LIMIT', 'COUNT_LIMIT']);
  });

  it('a team that may not face the internet gets neither the public entrypoint nor open ingress', () => {
    const text = specText({ tier: 'test', task: '  http = { internet = true }\n  firewall = { ingress = ["::/0"] }' });
    const { spec, positions } = loadText(text, 'web/cerebro/nomadgen.toml');
    const diags = resolvePositions(validateSpec(spec, ctxFor('web'), declared), positions);
    expect(diags.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual([
      `INTERNET_NOT_ALLOWED ${Object.values(positionOf(text, 'internet = true')).join(':')}`,
      `FIREWALL_OPEN_INGRESS ${Object.values(positionOf(text, '"::/0"')).join(':')}`,
    ]);
  });

  it('a rule switched off reports nothing', () => {
    const spec = parseSpec(specText({ task: '  docker = { privileged = true }' }));
    expect(validateSpec(spec, ctxFor(), declaredPolicy((p) => { p.rules!.docker = { enabled: false }; }))).toEqual([]);
  });

  it('a rule severity override turns its errors into warnings', () => {
    const spec = parseSpec(specText({ image: 'docker.io/nginx:1' }));
    const diags = validateSpec(spec, ctxFor(), declaredPolicy((p) => { p.rules!.images = { registries: ['registry.internal'], severity: 'warning' }; }));
    expect(diags).toMatchObject([{ code: 'IMAGE_REGISTRY', severity: 'warning' }]);
  });

  it('structural rules apply with the open policy', () => {
    const spec = parseSpec(specText({ name: 'Bad_Name', image: 'nginx', task: '  docker = { privileged = true }\n  firewall = { ingress = ["10.0.0.0/8"] }' }));
    const codes = validateSpec(spec, ctxFor('anyone'), open).map((d) => d.code);
    expect(codes).toEqual(['NAME_INVALID', 'IMAGE_MUTABLE_TAG', 'DOCKER_PRIVILEGED', 'FIREWALL_IPV4_INGRESS']);
  });
});
