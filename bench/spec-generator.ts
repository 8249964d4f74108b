/**
 * Varied nomadgen specs for benchmarks: deterministic (a seeded generator), covering every v1 field in
 * different combinations, all valid under the open policy.
 */
import { seededRandom } from '../lib/runtime/random';

const TEAMS = ['es', 'web', 'data', 'search', 'billing', 'ops'];
const TIERS = ['production', 'quality', 'test'];

/** One generated spec: its text, path and team. */
export interface BenchSpec {
  file: string;
  team: string;
  text: string;
}

/** `n` varied specs (the same `n` and `seed` always give the same texts). */
export function generateSpecs(n: number, seed = 42): BenchSpec[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const out: BenchSpec[] = [];
  for (let i = 0; i < n; i++) {
    const team = pick(TEAMS);
    const name = `svc${i}`;
    const lines: string[] = [
      `# generated spec ${i}`,
      `name    = "${name}"`,
      `tier    = "${pick(TIERS)}"`,
      `contact = "${team}-team@example.com"`,
    ];
    if (rnd() < 0.3) lines.push(`meta    = { cost_center = "${1000 + i}", "owner.chat" = "#${team}" }`);
    const groups = 1 + Math.floor(rnd() * 2);
    for (let g = 0; g < groups; g++) {
      lines.push('', '[[group]]', `name  = "g${g}"`, `count = ${pick([1, 2, 2, 4])}`);
      const tasks = 1 + Math.floor(rnd() * 2);
      for (let t = 0; t < tasks; t++) {
        const port = 8000 + Math.floor(rnd() * 1000);
        lines.push('', '  [[group.task]]', `  name   = "t${t}"`, `  image  = "registry.internal/${team}/${name}-${t}:1.${i % 50}.${t}"`);
        if (rnd() < 0.5) lines.push(`  args   = ["--port=${port}", "--data=\${NOMAD_TASK_DIR}/d"]`);
        lines.push(`  cpu    = ${pick([100, 250, 500, 1000])}`, `  memory = ${pick([128, 256, 512, 1024])}`);
        const kind = pick(['http', 'http', 'tcp', 'script', 'none']);
        if (kind !== 'script') lines.push(`  port   = ${port}`);
        if (kind === 'http') lines.push(`  check  = { type = "http", path = "/health", interval = "10s", timeout = "2s", grace = "${pick([30, 60, 90])}s" }`);
        else if (kind === 'tcp') lines.push('  check  = { type = "tcp" }');
        else if (kind === 'script') lines.push('  check  = { type = "script", command = "/bin/check", args = ["-q"] }');
        if (rnd() < 0.6) lines.push(`  env    = { LOG_LEVEL = "info", JAVA_OPTS = "-Xmx${pick([256, 512])}m", REGION = "eu" }`);
        if (rnd() < 0.3) lines.push(`  secrets = ["${team}/${name}"]`);
        if (rnd() < 0.3) lines.push(`  volumes = ["${name}-data:/data"]`);
        if (rnd() < 0.3) lines.push('  tags   = ["bench", "v1"]');
        if (kind === 'http' && rnd() < 0.3) lines.push(`  http   = { internet = ${rnd() < 0.5}, path_prefix = "/${name}" }`);
        if (rnd() < 0.4) lines.push('  firewall = { ingress = ["g/netscaler", "2001:db8:100::/48"], egress = ["g/elasticsearch"] }');
      }
    }
    out.push({ file: `${team}/${name}/nomadgen.toml`, team, text: `${lines.join('\n')}\n` });
  }
  return out;
}
