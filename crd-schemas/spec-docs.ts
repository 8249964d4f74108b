/**
 * What the v1 spec's JSON Schema says besides structure: the default the generator (or the operator)
 * applies to each key a spec leaves out, and an example value. Added to the exported JSON Schema
 * (`default`, `examples`), which editors show and the README's spec reference is generated from. Every
 * key of the schema has an entry (a test keeps it so); a default is left out where nothing is filled in.
 *
 * Keys are dotted paths, `[]` marking the items of an array of tables: `group[].task[].check.path`.
 */

/**
 * A key's default when something is filled in: a value of the key (`default`), or words when it depends on
 * something else (`defaultText`, exported as the `x-default` annotation); examples; a description where
 * the zod schema has none.
 */
export interface KeyDoc {
  /** Used where the zod schema gives the key no description. */
  description?: string;
  default?: unknown;
  defaultText?: string;
  examples: unknown[];
}

export const SPEC_DOCS: Readonly<Record<string, KeyDoc>> = {
  name: { examples: ['cerebro'] },
  id: { examples: ['prefix-p-es-mattermost'] },
  tier: { description: 'The tier: the job ID starts with its letter (p, q, t), and the tier chooses the cluster.', examples: ['production'] },
  contact: { examples: ['es-team@example.com'] },
  meta: { examples: [{ owner: 'search' }] },
  sync: { description: 'How the operator keeps this job in sync.', examples: [{ mode: 'detect-only' }] },
  'sync.mode': { defaultText: "the operator's reconcile.selfHeal: self-heal unless it is false", examples: ['detect-only'] },
  'sync.suspend': { default: false, examples: [true] },
  group: { description: 'The task groups ([[group]] tables).', examples: [[{ name: 'main', count: 2 }]] },
  'group[].name': { examples: ['main'] },
  'group[].count': { default: 1, examples: [2] },
  'group[].scaling': { examples: [{ min: 2, max: 6 }] },
  'group[].scaling.min': { description: 'Fewest instances the autoscaler may run.', defaultText: 'the group count', examples: [2] },
  'group[].scaling.max': { description: 'Most instances the autoscaler may run.', examples: [6] },
  'group[].meta': { description: 'Extra group meta.', examples: [{ role: 'api' }] },
  'group[].task': { examples: [[{ name: 'cerebro', image: 'registry.internal/lmenezes/cerebro:0.9.4' }]] },
  'group[].task[].name': { examples: ['cerebro'] },
  'group[].task[].image': { examples: ['registry.internal/lmenezes/cerebro:0.9.4'] },
  'group[].task[].command': { defaultText: "the image's", examples: ['/bin/cerebro'] },
  'group[].task[].args': { examples: [['-Dhttp.port=9000']] },
  'group[].task[].cpu': { default: 100, examples: [500] },
  'group[].task[].memory': { default: 256, examples: [1024] },
  'group[].task[].memory_max': { examples: [2048] },
  'group[].task[].port': { examples: [9000] },
  'group[].task[].check': { description: 'The health check of the task\'s service in Consul.', examples: [{ type: 'http', path: '/', grace: '90s' }] },
  'group[].task[].check.type': { examples: ['http'] },
  'group[].task[].check.path': { default: '/', examples: ['/health'] },
  'group[].task[].check.command': { examples: ['/bin/healthcheck'] },
  'group[].task[].check.args': { examples: [['--quiet']] },
  'group[].task[].check.interval': { default: '10s', examples: ['30s'] },
  'group[].task[].check.timeout': { default: '2s', examples: ['5s'] },
  'group[].task[].check.grace': { default: '60s', examples: ['90s'] },
  'group[].task[].env': { examples: [{ JAVA_OPTS: '-Xmx512m' }] },
  'group[].task[].secrets': { examples: [['es/cerebro']] },
  'group[].task[].volumes': { examples: [['cerebro-data:/data']] },
  'group[].task[].tags': { examples: [['ui']] },
  'group[].task[].http': { description: 'Exposure through traefik.', examples: [{ internet: false }] },
  'group[].task[].http.expose': { defaultText: 'true for a task with an http check, else false', examples: [false] },
  'group[].task[].http.internet': { default: false, examples: [true] },
  'group[].task[].http.path_prefix': { examples: ['/api'] },
  'group[].task[].firewall': { description: 'The task\'s firewall rules, written to task meta for the node firewall.', examples: [{ ingress: ['g/netscaler'], egress: ['g/elasticsearch'] }] },
  'group[].task[].firewall.ingress': { examples: [['g/netscaler', '2001:db8:100::/48']] },
  'group[].task[].firewall.egress': { examples: [['g/elasticsearch']] },
  'group[].task[].docker': { description: 'Docker driver options; the policy\'s docker rule says which are allowed.', examples: [{ cap_drop: ['ALL'] }] },
  'group[].task[].docker.entrypoint': { description: 'Override the image entrypoint.', examples: [['/bin/sh', '-c']] },
  'group[].task[].docker.work_dir': { description: 'Working directory in the container.', examples: ['/app'] },
  'group[].task[].docker.hostname': { description: 'Hostname of the container (policy permitting).', examples: ['cerebro'] },
  'group[].task[].docker.labels': { description: 'Docker labels (policy permitting).', examples: [{ team: 'es' }] },
  'group[].task[].docker.privileged': { description: 'Never allowed.', default: false, examples: [false] },
  'group[].task[].docker.network_mode': { description: 'Docker network mode, within the policy\'s networkModes.', examples: ['bridge'] },
  'group[].task[].docker.pid_mode': { description: 'Never "host" (the host\'s namespaces are never allowed).', examples: ['host'] },
  'group[].task[].docker.ipc_mode': { description: 'Never "host".', examples: ['host'] },
  'group[].task[].docker.userns_mode': { description: 'Never "host".', examples: ['host'] },
  'group[].task[].docker.cap_add': { description: 'Linux capabilities to add, within the policy\'s allowedCapabilities.', examples: [['NET_BIND_SERVICE']] },
  'group[].task[].docker.cap_drop': { description: 'Linux capabilities to drop.', examples: [['ALL']] },
  'group[].task[].docker.devices': { description: 'Host devices: never allowed.', examples: [[{ host_path: '/dev/fuse' }]] },
  'group[].task[].docker.devices[].host_path': { description: 'Device path on the host.', examples: ['/dev/fuse'] },
  'group[].task[].docker.devices[].container_path': { description: 'Device path in the container.', defaultText: 'the host_path', examples: ['/dev/fuse'] },
  'group[].task[].docker.devices[].cgroup_permissions': { description: 'cgroup permissions of the device.', default: 'rwm', examples: ['r'] },
  'group[].task[].docker.security_opt': { description: 'Docker security options, within the policy\'s securityOpts.', examples: [['no-new-privileges']] },
  'group[].task[].docker.shm_size': { description: 'Size of /dev/shm in bytes, up to the policy\'s maxShmSize.', examples: [134217728] },
  'group[].task[].docker.ulimit': { description: 'Resource limits ("soft:hard"), within the policy\'s ulimits.', examples: [{ nofile: '4096:8192' }] },
  'group[].task[].docker.sysctl': { description: 'Namespaced kernel parameters, within the policy\'s sysctls.', examples: [{ 'net.core.somaxconn': '1024' }] },
  'group[].task[].meta': { examples: [{ 'nagios.sms': '1' }] },
};
