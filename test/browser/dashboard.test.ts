/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against the real HTTP
 * listener: what an admin sees, and what the Sync buttons send.
 */
import { chromium, type Browser } from 'playwright-core';
import type { JobStatus, OperatorStatus } from '../../crd-schemas/status';
import { serveOperator } from '../../lib/cli/operator-server';
import type { Listener } from '../../lib/server/http-listener';
import type { OperatorView } from '../../lib/server/status-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function job(key: string, phase: JobStatus['phase'], extra: Partial<JobStatus> = {}): JobStatus {
  const [namespace, jobId] = key.split('/');
  return { key, namespace, jobId, phase, conditions: [], history: [], ...extra };
}

class LiveView implements OperatorView {
  readonly synced: Array<{ keys: string[]; all: boolean }> = [];
  current: OperatorStatus = {
    sources: [{ name: 'specs', repo: '/srv/specs', branch: 'main', lastProcessedCommit: 'abcdef0123456789', healthy: true, counts: {} as OperatorStatus['sources'][0]['counts'] }],
    jobs: [
      job('web/p-web-shop', 'Healthy', {
        spec: 'web/shop/nomadgen.toml',
        desiredCommit: '0123456789abcdef',
        jobVersion: 3,
        history: [{ time: '2026-01-01T00:00:00Z', event: 'Updated', message: 'image 2.4.0 -> 2.4.1 <b>' }],
      }),
      job('es/p-es-broken', 'Invalid', { lastError: { reason: 'SpecInvalid', message: 'es/broken/nomadgen.toml:12:3: error[UNKNOWN_KEY]', time: '2026-01-01T00:00:00Z' } }),
    ],
  };
  status(): OperatorStatus { return this.current; }
  sync(request: { keys: string[]; all: boolean }): void { this.synced.push(request); }
}

describe('dashboard', () => {
  let browser: Browser;
  let listener: Listener;
  let view: LiveView;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => { await browser?.close(); });
  beforeEach(async () => {
    view = new LiveView();
    listener = await serveOperator(view, '127.0.0.1:0'); // the listener `run` serves: host checks, page headers
  });
  afterEach(async () => { await listener.close(); });

  it('lists jobs with their phase, escapes what it shows, and expands history on click', async () => {
    const page = await browser.newPage();
    await page.goto(`${listener.url}/`);
    const shop = page.locator('tr.job[data-key="web/p-web-shop"]');
    await shop.waitFor();
    await expect(shop.locator('td.phase').textContent()).resolves.toBe('Healthy');
    await expect(page.locator('tr.job[data-key="es/p-es-broken"] td.msg').textContent()).resolves.toContain('UNKNOWN_KEY');
    await shop.click();
    const details = page.locator('tr.details');
    await details.waitFor();
    await expect(details.textContent()).resolves.toContain('image 2.4.0 -> 2.4.1 <b>');
    await expect(page.locator('tr.details b', { hasText: '<b>' }).count()).resolves.toBe(0);

    view.current = { ...view.current, jobs: view.current.jobs.map((j) => (j.key === 'web/p-web-shop' ? { ...j, phase: 'Degraded' } : j)) };
    await page.locator('tr.job[data-key="web/p-web-shop"] td.phase', { hasText: 'Degraded' }).waitFor();
    await page.close();
  });

  it('sends a forced sync for one job and for everything', async () => {
    const page = await browser.newPage();
    await page.goto(`${listener.url}/`);
    const synced = () => page.waitForResponse((r) => r.url().endsWith('/api/v1/sync') && r.status() === 202);
    await Promise.all([synced(), page.locator('button[data-sync="web/p-web-shop"]').click()]);
    await Promise.all([synced(), page.locator('#sync-all').click()]);
    expect(view.synced).toEqual([{ keys: ['web/p-web-shop'], all: false }, { keys: [], all: true }]);
    await page.close();
  });

  it('asks for the sync token once, keeps it for the tab and sends it as a bearer token', async () => {
    await listener.close();
    listener = await serveOperator(view, '127.0.0.1:0', { token: 'tab-token-7' });
    const page = await browser.newPage();
    const sent: Array<string | undefined> = [];
    page.on('request', (r) => { if (r.url().endsWith('/api/v1/sync')) sent.push(r.headers().authorization); });
    await page.goto(`${listener.url}/`);
    const shop = page.locator('button[data-sync="web/p-web-shop"]');
    await shop.waitFor();
    await expect(page.locator('#token').isVisible()).resolves.toBe(false);
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/sync') && r.status() === 401), shop.click()]);
    await page.locator('#token').waitFor({ state: 'visible' });
    await page.locator('#token').fill('tab-token-7');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/sync') && r.status() === 202), page.locator('#token-form button').click()]);
    await page.locator('#token').waitFor({ state: 'hidden' });
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/sync') && r.status() === 202), page.locator('#sync-all').click()]);
    expect(sent).toEqual([undefined, 'Bearer tab-token-7', 'Bearer tab-token-7']);
    await expect(page.evaluate(() => sessionStorage.getItem('nomadguard.syncToken'))).resolves.toBe('tab-token-7');
    expect(view.synced).toEqual([{ keys: ['web/p-web-shop'], all: false }, { keys: [], all: true }]);
    await page.close();
  });
});
