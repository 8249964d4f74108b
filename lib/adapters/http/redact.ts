/**
 * Keeping secrets out of what we say: tokens are replaced wherever text leaves the transport (error messages,
 * log lines), and routes are reported without their query string.
 */

/** The placeholder that stands in for a secret. */
export const REDACTED = '<redacted>';

/** `text` with every occurrence of each non-empty secret replaced by `<redacted>`. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    out = out.split(s).join(REDACTED);
  }
  return out;
}

/** The path of a URL or path-with-query, without query string or fragment: `/v1/jobs?x=1` -> `/v1/jobs`. */
export function routeOf(pathOrUrl: string): string {
  const noFragment = pathOrUrl.split('#', 1)[0];
  const path = noFragment.split('?', 1)[0];
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(path);
  if (m) return m[1] ?? '/';
  return path;
}

/** A base URL safe to print: credentials in the authority removed. */
export function safeBaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}
