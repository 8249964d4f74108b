/**
 * Notifications from a running operator: the simulator, a real spec repository and a real receiver on
 * loopback. A job's transitions are posted once each, to the platform's endpoint and to its team's; a
 * restarted operator does not announce what it finds; no body holds a secret value.
 */
import { defaultPolicy, type Policy } from '../../../crd-schemas/policy';
import { NotificationsSchema } from '../../../crd-schemas/notifications';
import { Manager } from '../../../controllers/manager';
import { buildNotifier, type Notifier } from '../../../controllers/notifications';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { seededRandom } from '../../../lib/runtime/random';
import { startReceiver, type Receiver } from '../../helpers/http-receiver';
import { shopAutoReverted, spec, startHarness, type Harness } from '../reconciler/harness';

const SECRET = 'pw-notify-Qx71v';

describe('operator notifications', () => {
  let h: Harness;
  let platform: Receiver;
  let team: Receiver;
  let notifier: Notifier;
  let metrics: OperatorMetrics;

  /** A fresh notifier and manager on the harness (as the operator builds them at start). */
  function attach(): void {
    const config = NotificationsSchema.parse({ dashboardUrl: 'https://ng.example.com/', endpoints: [{ url: `${platform.url}all` }] });
    const policy: Policy = { ...defaultPolicy(), teams: { web: { ...emptyTeam(), notify: [{ urlEnv: 'WEB_HOOK', format: 'slack' }] } } };
    metrics = new OperatorMetrics();
    notifier = buildNotifier(config, policy, { WEB_HOOK: `${team.url}hooks/T0K3N` }, { clock: h.clock, random: seededRandom(1), metrics }) as Notifier;
    h.deps = { ...h.deps, notifier, metrics };
    h.manager = new Manager(h.deps);
  }

  const events = (r: Receiver): string[] => r.bodies.map((b) => (JSON.parse(b) as { event?: string; text?: string }).event ?? 'text');
  const settle = async (): Promise<void> => notifier.whenIdle();

  beforeEach(async () => {
    platform = await startReceiver();
    team = await startReceiver();
    h = await startHarness();
    attach();
  });
  afterEach(async () => {
    await notifier.stop(0);
    await h.close();
    await platform.close();
    await team.close();
  });

  it('a failed deployment is posted as Degraded, its auto-revert as Stalled, the way back as Recovered; a healthy rollout posts nothing', async () => {
    h.repo.write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('blog');
    await h.converge();
    await shopAutoReverted(h);
    await h.converge();
    await settle();
    expect(events(platform)).toEqual(['Degraded', 'Stalled']);
    expect(JSON.parse(platform.bodies[0])).toMatchObject({ event: 'Degraded', key: 'web/t-web-shop', previousPhase: 'Progressing' });
    const stalled = JSON.parse(platform.bodies[1]) as Record<string, unknown>;
    expect(stalled).toMatchObject({ event: 'Stalled', key: 'web/t-web-shop', team: 'web', phase: 'Degraded', reason: 'AutoReverted', dashboard: 'https://ng.example.com/#job=web%2Ft-web-shop' });
    expect(stalled.commit).toMatch(/^[0-9a-f]{40}$/);
    // the team's endpoint gets the same transition as chat text
    expect(team.paths).toEqual(['/hooks/T0K3N', '/hooks/T0K3N']);
    expect((JSON.parse(team.bodies[1]) as { text: string }).text).toMatch(/^\*\*web\/t-web-shop\*\* :rewind: was auto-reverted/);

    h.sim.clearFailImages();
    await h.converge({ forced: new Set(['web/t-web-shop']) });
    await settle();
    expect(events(platform)).toEqual(['Degraded', 'Stalled', 'Recovered']);
    expect(JSON.parse(platform.bodies[2])).toMatchObject({ event: 'Recovered', phase: 'Healthy', previousPhase: 'Progressing' });
    expect(await metrics.registry.getSingleMetricAsString('nomadguard_notifications_total')).toContain('result="sent"} 6');
  });

  it('a restarted operator does not post what it finds, and still posts the recovery', async () => {
    await shopAutoReverted(h);
    await settle();
    expect(events(platform)).toEqual(['Degraded', 'Stalled']);
    await notifier.stop(0);
    h.manager.stop();
    attach();
    await h.converge({ full: true });
    await settle();
    expect(events(platform)).toEqual(['Degraded', 'Stalled']);
    h.sim.clearFailImages();
    await h.converge({ forced: new Set(['web/t-web-shop']) });
    await settle();
    expect(events(platform)).toEqual(['Degraded', 'Stalled', 'Recovered']);
  });

  it('an invalid spec is posted once, with no secret value, and its fix as Recovered', async () => {
    const withSecret = spec('shop').replace('  port   = 8080\n', `  port   = 8080\n  env    = { DB_PASSWORD = "${SECRET}" }\n`);
    h.repo.write('web/shop/nomadgen.toml', withSecret);
    h.repo.commitAndPush('shop');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', `${withSecret}  memroy = 512\n`);
    h.repo.commitAndPush('typo');
    await h.converge();
    await h.converge({ full: true });
    await settle();
    expect(events(platform)).toEqual(['Invalid']);
    expect(JSON.parse(platform.bodies[0])).toMatchObject({ event: 'Invalid', phase: 'Invalid', team: 'web' });
    h.repo.write('web/shop/nomadgen.toml', withSecret.replace('128', '256'));
    h.repo.commitAndPush('fixed');
    await h.converge();
    await settle();
    expect(events(platform)).toEqual(['Invalid', 'Recovered']);
    for (const b of [...platform.bodies, ...team.bodies]) expect(b).not.toContain(SECRET);
  });

  it('a fix that leaves the live job as it was is posted as Recovered', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', `${spec('shop')}  memroy = 512\n`);
    h.repo.commitAndPush('typo');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('typo fixed');
    await h.converge();
    await settle();
    expect(events(platform)).toEqual(['Invalid', 'Recovered']);
    expect(JSON.parse(platform.bodies[1])).toMatchObject({ event: 'Recovered', key: 'web/t-web-shop', phase: 'Synced' });
  });

  it('a spec that never named its job is posted as Invalid under its spec path', async () => {
    h.repo.write('web/ok/nomadgen.toml', spec('ok'));
    h.repo.commitAndPush('ok');
    await h.converge();
    h.repo.write('web/broken/nomadgen.toml', '[[[ not toml\n');
    h.repo.commitAndPush('broken');
    await h.converge();
    await settle();
    expect(events(platform)).toEqual(['Invalid']);
    expect((JSON.parse(platform.bodies[0]) as { team?: string }).team).toBe('web');
  });
});

function emptyTeam(): NonNullable<Policy['teams']>[string] {
  return { tiers: ['production', 'quality', 'test'], internet: false, firewallGroups: [], notify: [] };
}
