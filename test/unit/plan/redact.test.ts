/**
 * Credentials in URLs: what `hasUrlCredentials` finds and `stripUrlCredentials` leaves out agree with the
 * source identity's rules (lib/core/source-id.ts): any user information of an HTTP(S) or FTP(S) URL, a
 * password with any other scheme.
 */
import { hasUrlCredentials, stripUrlCredentials, REDACTED } from '../../../lib/core/plan';
import { repoHasCredentials, repoWithoutCredentials } from '../../../lib/core/source-id';

describe('credentials in URLs', () => {
  it.each([
    ['https://TOKEN123@git.internal/app.tgz', 'https://git.internal/app.tgz'],
    ['http://TOKEN123@files.internal/app.tgz', 'http://files.internal/app.tgz'],
    ['ftp://TOKEN123@files.internal/app.tgz', 'ftp://files.internal/app.tgz'],
    ['HTTPS://TOKEN123@git.internal/x', 'HTTPS://git.internal/x'],
    ['git::https://TOKEN123@git.internal/app?ref=v1', 'git::https://git.internal/app?ref=v1'],
    ['git+https://TOKEN123@git.internal/app', 'git+https://git.internal/app'],
    ['https://deploy:pw@files.internal/app.tgz', 'https://files.internal/app.tgz'],
    ['https://deploy:p@ss@files.internal/app.tgz', 'https://files.internal/app.tgz'],
    ['ssh://git:pw@git.internal/app', 'ssh://git.internal/app'],
    ['fetch https://TOKEN123@a.internal/x then https://b.internal/y', 'fetch https://a.internal/x then https://b.internal/y'],
    ['https://files.internal/app.tgz?sshkey=KEYDATA&ref=v1', `https://files.internal/app.tgz?sshkey=${REDACTED}&ref=v1`],
  ])('%s holds credentials and is shown as %s', (text, shown) => {
    expect(hasUrlCredentials(text)).toBe(true);
    expect(stripUrlCredentials(text)).toBe(shown);
    for (const secret of ['TOKEN123', 'pw@', 'p@ss', 'KEYDATA']) expect(stripUrlCredentials(text)).not.toContain(secret);
  });

  it.each([
    'ssh://git@git.internal/app',
    'git@git.internal:team/app.git',
    'https://files.internal/app.tgz?ref=v1',
    'https://files.internal/a@b',
    'https://files.internal/x?mail=a@b',
    'mail ops@example.com',
    'myhttps://deploy@git.internal/x',
  ])('%s holds no credentials', (text) => {
    expect(hasUrlCredentials(text)).toBe(false);
    expect(stripUrlCredentials(text)).toBe(text);
  });

  it.each(['https://TOKEN123@git.internal/x', 'http://u:p@h/x', 'ftps://TOKEN123@h/x', 'ssh://git:pw@h/x', 'ssh://git@h/x', 'https://h/x'])(
    'agrees with the source identity on %s',
    (repo) => {
      expect(hasUrlCredentials(repo)).toBe(repoHasCredentials(repo));
      // For HTTP(S) and FTP(S) both leave the whole user information out; elsewhere the plan keeps no login name either.
      if (/^(?:https?|ftps?):/.test(repo)) expect(stripUrlCredentials(repo)).toBe(repoWithoutCredentials(repo));
    },
  );
});
