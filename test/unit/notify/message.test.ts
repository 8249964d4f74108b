import { chatBody, chatText, dashboardLink, notificationBody, oneLine, renderNotification } from '../../../lib/core/notify';
import type { JobStatus } from '../../../crd-schemas/status';

const status: JobStatus = {
  key: 'es/p-es-cerebro',
  namespace: 'es',
  jobId: 'p-es-cerebro',
  spec: 'es/cerebro/nomadgen.toml',
  phase: 'Degraded',
  conditions: [{ type: 'Synced', status: 'True', reason: 'InSync', message: 'ok', lastTransitionTime: 't' }],
  desiredCommit: '0123456789abcdef0123',
  lastError: { code: 'Transient', reason: 'DeploymentFailed', message: 'deployment failed:\nallocs unhealthy', time: 't' },
  history: [],
};

describe('notification bodies', () => {
  it('the JSON body carries the job, team, phase, reason, commit and a dashboard link', () => {
    const b = notificationBody(status, { event: 'Degraded', previousPhase: 'Progressing' }, { at: '2026-01-01T00:00:00.000Z', team: 'es', cluster: 'prod', dashboardUrl: 'https://ng.example.com/' });
    expect(b).toEqual({
      event: 'Degraded',
      key: 'es/p-es-cerebro',
      job: 'p-es-cerebro',
      namespace: 'es',
      team: 'es',
      spec: 'es/cerebro/nomadgen.toml',
      cluster: 'prod',
      phase: 'Degraded',
      previousPhase: 'Progressing',
      reason: 'DeploymentFailed',
      message: 'deployment failed: allocs unhealthy',
      commit: '0123456789abcdef0123',
      dashboard: 'https://ng.example.com/#job=es%2Fp-es-cerebro',
      at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('a recovery explains itself by the Healthy condition, not the old error', () => {
    const healthy: JobStatus = { ...status, phase: 'Healthy', conditions: [{ type: 'Healthy', status: 'True', reason: 'AllHealthy', message: 'every service passes', lastTransitionTime: 't' }] };
    const b = notificationBody(healthy, { event: 'Recovered', recoveredFrom: 'Degraded' }, { at: 'now' });
    expect(b.reason).toBe('AllHealthy');
    expect(chatBody(b).text).toContain('is Healthy again');
    expect(chatBody(b).text).not.toContain('every service passes');
  });

  it('chat text from a spec opens no mention, link, code block or emphasis', () => {
    const hostile = '<!channel> @here [x](http://evil) `rm` *bold* _it_ ~s~ a|b & <http://evil|click>';
    const out = chatText(hostile);
    expect(out).not.toMatch(/[<>`*_~[\]|@]/);
    expect(out).toContain('&amp;');
    expect(out).toContain('&lt;!channel&gt;');
  });

  it('the chat body quotes the key, the reason and the facts, escaped', () => {
    const b = notificationBody({ ...status, key: 'es/p-es-<b>', lastError: { reason: 'DeploymentFailed', message: 'image `x` @all', time: 't' } }, { event: 'Degraded' }, { at: 'now', team: 'es', dashboardUrl: 'https://ng.example.com' });
    const { text } = chatBody(b);
    expect(text.split('\n')[0]).toBe('**es/p-es-&lt;b&gt;** :red_circle: is Degraded <https://ng.example.com#job=es%2Fp-es-%3Cb%3E|dashboard>');
    expect(text).toContain("DeploymentFailed: image 'x' ＠all");
    expect(text).toContain('team es · commit 0123456789ab');
    expect(JSON.parse(renderNotification(b, 'slack'))).toEqual({ text });
    expect(JSON.parse(renderNotification(b, 'json')).key).toBe('es/p-es-<b>');
  });

  it('URLs and host names from a spec are not linked by chat', () => {
    const out = chatText('see https://evil.example.com/x or evil.example.com');
    expect(out).not.toMatch(/https:\/\//);
    expect(out).not.toMatch(/[a-z]\.[a-z]/);
    expect(out.replace(/\u2060/g, '')).toBe('see https://evil.example.com/x or evil.example.com');
  });

  it('messages are one bounded line', () => {
    expect(oneLine('a\r\nb\u2028c\u0007d')).toBe('a b c d');
    expect(oneLine('x'.repeat(600))).toHaveLength(500);
    expect(dashboardLink('https://d/#old', 'ns/j')).toBe('https://d/#job=ns%2Fj');
  });
});
