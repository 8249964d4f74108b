import { startHarness, type Harness } from './harness';

/** A spec with three groups: two serving HTTP (one of them scaled to zero) and one without any service. */
const THREE_GROUPS = `name    = "shop"
tier    = "test"
contact = "team@example.com"

[[group]]
name  = "api"
count = 2

  [[group.task]]
  name   = "api"
  image  = "registry.internal/acme/shop-api:1.0.0"
  cpu    = 100
  memory = 128
  port   = 8080
  check  = { type = "http", path = "/health", grace = "10s" }

[[group]]
name  = "worker"
count = 1

  [[group.task]]
  name   = "worker"
  image  = "registry.internal/acme/shop-worker:1.0.0"
  cpu    = 100
  memory = 128

[[group]]
name  = "admin"
count = 0

  [[group.task]]
  name   = "admin"
  image  = "registry.internal/acme/shop-admin:1.0.0"
  cpu    = 100
  memory = 128
  port   = 8081
  check  = { type = "http", path = "/health", grace = "10s" }
`;

describe('reconciler: health of a job with several groups', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('turns Healthy when each group runs and each service is registered for the allocations of the group declaring it', async () => {
    h.repo.write('web/shop/nomadgen.toml', THREE_GROUPS);
    h.repo.commitAndPush('shop in three groups');
    await h.converge();
    const job = await h.nomad.readJob('web', 't-web-shop');
    expect(job?.TaskGroups.map((g) => [g.Name, g.Count])).toEqual([['api', 2], ['worker', 1], ['admin', 0]]);
    const allocs = (await h.nomad.jobAllocations('web', 't-web-shop')).items.filter((a) => a.ClientStatus === 'running');
    expect(allocs.map((a) => a.TaskGroup).sort()).toEqual(['api', 'api', 'worker']);
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.phase).toBe('Healthy');
    expect(st?.history.map((e) => e.event)).toEqual(['Created', 'Healthy']);
  });
});
