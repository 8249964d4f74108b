/**
 * The example spec repository `nomadguard dev` starts with: a handful of realistic services, one of them
 * deliberately invalid, so a first run shows every phase an operator meets (Healthy, Invalid) within
 * seconds. Paths are `<team>/<name>/nomadgen.toml`; the team folder is the Nomad namespace.
 */

export interface ExampleSpec {
  path: string;
  /** What the example shows, printed by `nomadguard dev`. */
  shows: string;
  text: string;
}

export const EXAMPLE_SPECS: readonly ExampleSpec[] = [
  {
    path: 'web/shop/nomadgen.toml',
    shows: 'an HTTP service on two datacenters, exposed through traefik',
    text: `name    = "shop"
tier    = "production"
contact = "web-team@example.com"

[[group]]
name  = "main"
count = 2                       # spread over dc1 and dc2

  [[group.task]]
  name     = "shop"
  image    = "registry.internal/web/shop:2.4.1"
  cpu      = 300
  memory   = 512
  port     = 8080
  check    = { type = "http", path = "/health", grace = "30s" }
  env      = { SHOP_MODE = "live" }
  tags     = ["frontend"]
  firewall = { ingress = ["g/netscaler"], egress = ["g/postgres"] }
`,
  },
  {
    path: 'web/landing/nomadgen.toml',
    shows: 'an internet-facing service (public traefik entrypoint)',
    text: `name    = "landing"
tier    = "production"
contact = "web-team@example.com"

[[group]]
name  = "main"
count = 2

  [[group.task]]
  name     = "landing"
  image    = "registry.internal/web/landing:1.0.7"
  cpu      = 200
  memory   = 256
  port     = 8080
  check    = { type = "http", path = "/", grace = "20s" }
  http     = { internet = true }
  firewall = { ingress = ["::/0"] }
`,
  },
  {
    path: 'data/redis/nomadgen.toml',
    shows: 'a redis with a named volume and a tcp check (not exposed)',
    text: `name    = "redis"
tier    = "quality"
contact = "data-team@example.com"

[[group]]
name  = "cache"
count = 2

  [[group.task]]
  name     = "redis"
  image    = "registry.internal/library/redis:7.2.4"
  args     = ["--appendonly", "yes"]
  cpu      = 500
  memory   = 1024
  port     = 6379
  check    = { type = "tcp", interval = "10s", timeout = "2s" }
  volumes  = ["redis-data:/data"]
  firewall = { ingress = ["g/web"] }
`,
  },
  {
    path: 'ops/reporter/nomadgen.toml',
    shows: 'a single-instance worker (count 1 stays in one datacenter)',
    text: `name    = "reporter"
tier    = "test"
contact = "ops-team@example.com"

[[group]]
name  = "worker"
count = 1

  [[group.task]]
  name   = "reporter"
  image  = "registry.internal/ops/reporter:0.3.2"
  cpu    = 100
  memory = 128
  env    = { REPORT_INTERVAL = "15m" }
`,
  },
  {
    path: 'es/broken/nomadgen.toml',
    shows: 'an invalid spec: reported as Invalid, never applied, other specs unaffected',
    text: `name    = "broken"
tier    = "production"
contact = "es-team@example.com"

[[group]]
name  = "main"
count = 2

  [[group.task]]
  name   = "broken"
  image  = "registry.internal/es/broken:1.0.0"
  memroy = 512                  # typo: nomadguard says where, and suggests "memory"
`,
  },
];
