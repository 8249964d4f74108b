/**
 * The dashboard of an operator of several clusters, in a real browser: a Cluster column and a filter
 * matching it; with one cluster the column stays hidden.
 */
import { chromium, type Browser } from 'playwright-core';
import type { JobStatus, OperatorStatus } from '../../crd-schemas/status';
import { serveOperator } from '../../lib/cli/operator-server';
import type { Listener } from '../../lib/server/http-listener';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function job(key: string, cluster: string): JobStatus {
  const [namespace, jobId] = key.split('/');
  return { key, cluster, namespace, jobId, phase: 'Healthy', conditions: [], history: [] };
}

const source = (cluster?: string): OperatorStatus['sources'][0] => ({ name: 'specs', ...(cluster ? { cluster } : {}), repo: '/srv/specs', branch: 'main', healthy: true, counts: {} as OperatorStatus['sources'][0]['counts'] });

describe('dashboard of several clusters', () => {
  let browser: Browser;
  let listener: Listener | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  afterAll(async () => { await browser?.close(); });
  afterEach(async () => { await listener?.close(); });

  it('shows each job cluster in a column its filter matches', async () => {
    const status: OperatorStatus = { sources: [source('prod'), source('nonprod')], jobs: [job('web/p-web-shop', 'prod'), job('web/t-web-blog', 'nonprod')] };
    listener = await serveOperator({ status: () => status, sync: () => undefined }, '127.0.0.1:0');
    const page = await browser.newPage();
    await page.goto(`${listener.url}/`);
    await page.locator('tr.job[data-key="prod web/p-web-shop"]').waitFor();
    await expect(page.locator('#cluster-col').isVisible()).resolves.toBe(true);
    await expect(page.locator('tr.job[data-key="nonprod web/t-web-blog"] td.cluster').textContent()).resolves.toBe('nonprod');
    await page.locator('#filter').fill('nonprod');
    await expect(page.locator('tr.job').count()).resolves.toBe(1);
    await expect(page.locator('#sources').textContent()).resolves.toContain('prod: specs');
    await page.close();
  });

  it('hides the column with one cluster', async () => {
    const one = { ...job('web/p-web-shop', 'x') };
    delete one.cluster;
    listener = await serveOperator({ status: () => ({ sources: [source()], jobs: [one] }), sync: () => undefined }, '127.0.0.1:0');
    const page = await browser.newPage();
    await page.goto(`${listener.url}/`);
    await page.locator('tr.job[data-key="web/p-web-shop"]').waitFor();
    await expect(page.locator('#cluster-col').isVisible()).resolves.toBe(false);
    await expect(page.locator('tr.job td').count()).resolves.toBe(7);
    await page.close();
  });
});
