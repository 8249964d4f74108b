import { parseOperatorConfig } from '../../../crd-schemas/operator-config';
import { parsePolicy } from '../../../crd-schemas/policy';
import { resolveEndpoints, NotifyConfigError } from '../../../controllers/notifications';

describe('notification config', () => {
  it('reads endpoints from the config and the policy, URLs from the environment', () => {
    const cfg = parseOperatorConfig('notifications:\n  dashboardUrl: https://ng.example.com/\n  endpoints:\n    - url: https://hooks.example.com/all\n    - urlEnv: MM_HOOK\n      format: slack\n      teams: [es]\n      events: [Degraded, Recovered]\n');
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.diagnostics));
    const pol = parsePolicy('teams:\n  es:\n    notify:\n      - urlEnv: ES_HOOK\n        format: slack\n', 'policy.yaml');
    if (!pol.ok) throw new Error(JSON.stringify(pol.diagnostics));
    const routes = resolveEndpoints(cfg.config.notifications, pol.policy, { MM_HOOK: 'https://mm.example.com/hooks/abc', ES_HOOK: 'https://mm.example.com/hooks/es' });
    expect(routes.platform).toEqual([
      { id: 'notifications.endpoints[0]', url: 'https://hooks.example.com/all', format: 'json' },
      { id: 'notifications.endpoints[1]', url: 'https://mm.example.com/hooks/abc', format: 'slack', teams: ['es'], events: ['Degraded', 'Recovered'] },
    ]);
    expect(routes.teams.get('es')).toEqual([{ id: 'teams.es.notify[0]', url: 'https://mm.example.com/hooks/es', format: 'slack' }]);
  });

  it('refuses a non-http URL, credentials in a URL, both or neither of url and urlEnv, with the line', () => {
    const bad = parseOperatorConfig('notifications:\n  endpoints:\n    - url: file:///etc/passwd\n    - url: https://user:pw@example.com/\n    - {}\n    - url: https://a.example.com/\n      urlEnv: X\n', 'ng.yaml');
    expect(bad.ok).toBe(false);
    const lines = bad.diagnostics.map((d) => `${d.line}: ${d.message}`);
    expect(lines).toEqual([
      '3: notifications.endpoints.0.url: expected an http:// or https:// URL',
      '4: notifications.endpoints.1.url: credentials in a notification URL are not allowed; put a token in the path (through urlEnv) instead',
      '5: notifications.endpoints.2: give exactly one of url and urlEnv',
      '6: notifications.endpoints.3: give exactly one of url and urlEnv',
    ]);
    expect(JSON.stringify(bad.diagnostics)).not.toContain('pw@');
  });

  it('a timeout of zero is refused', () => {
    const bad = parseOperatorConfig('notifications:\n  timeout: 0s\n', 'ng.yaml');
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.map((d) => `${d.line}: ${d.message}`)).toEqual(['2: notifications.timeout: a POST needs some time: give a duration above zero']);
  });

  it('an unset or bad urlEnv is an error naming the variable, never its value', () => {
    const cfg = parseOperatorConfig('notifications:\n  endpoints:\n    - urlEnv: HOOK\n');
    if (!cfg.ok) throw new Error('config');
    expect(() => resolveEndpoints(cfg.config.notifications, undefined, {})).toThrow(new NotifyConfigError('notifications.endpoints[0]: the environment variable HOOK is not set'));
    expect(() => resolveEndpoints(cfg.config.notifications, undefined, { HOOK: 'ftp://x:secret@h/' })).toThrow(/^notifications\.endpoints\[0\]: the URL in HOOK: expected an http/);
    let message = '';
    try {
      resolveEndpoints(cfg.config.notifications, undefined, { HOOK: 'https://u:secret@h/' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/credentials in a notification URL are not allowed/);
    expect(message).not.toContain('secret');
  });
});
