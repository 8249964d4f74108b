/**
 * The identity of a spec source: what job Meta `nomadguard.source`, the status, metrics labels and logs
 * carry. It is derived from the repository without its credentials, so a token written into the URL never
 * leaves the git adapter.
 *
 * What counts as a credential:
 * - `scheme://userinfo@host/...` with an HTTP(S) or FTP(S) scheme: the whole userinfo. Forges take a token as
 *   the user name alone (`https://<token>@host/x`) as well as `user:token`, so no part of it is kept:
 *   `https://user:TOKEN@host/x` -> `https://host/x`.
 * - `scheme://user:password@host/...` with any other scheme (`ssh://`, `git+ssh://`, `git://`): the password;
 *   the login name stays, since ssh authenticates with keys and the name is part of the address
 *   (`ssh://git@host/x` is unchanged, `ssh://git:pw@host/x` -> `ssh://git@host/x`).
 * - scp-like `user@host:path` and local paths carry no password and are kept as written.
 * Nothing else is rewritten (no case folding, no percent-decoding), so a URL without credentials is its own
 * identity, exactly as before.
 */

/** The URL schemes whose user name may itself be a token. */
const TOKEN_USER_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'ftp', 'ftps']);

/** `scheme://`, the authority up to the first `/`, `?` or `#`, and the rest. */
const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is;

/** `repo` with its credentials removed (see the file comment for the rules). */
export function repoWithoutCredentials(repo: string): string {
  const m = URL_RE.exec(repo);
  if (!m) return repo;
  const [, scheme, authority, rest] = m;
  // The userinfo ends at the authority's last "@" (a password may hold a raw "@"; the host cannot).
  const at = authority.lastIndexOf('@');
  if (at < 0) return repo;
  const userinfo = authority.slice(0, at);
  const host = authority.slice(at + 1);
  if (TOKEN_USER_SCHEMES.has(scheme.toLowerCase())) return `${scheme}://${host}${rest}`;
  const colon = userinfo.indexOf(':');
  if (colon < 0) return repo;
  return `${scheme}://${userinfo.slice(0, colon)}@${host}${rest}`;
}

/**
 * True when a job's `nomadguard.source` names the source `sourceId`: exactly, or as an older release wrote
 * it, the repository URL with its credentials (which strips to this identity). Jobs an older release wrote
 * stay ours after the identity lost its credentials; their Meta takes the new form at their next real change.
 */
export function isSourceOf(metaSource: string | undefined, sourceId: string): boolean {
  return metaSource !== undefined && (metaSource === sourceId || repoWithoutCredentials(metaSource) === sourceId);
}

/** True when `repo` carries credentials that `repoWithoutCredentials` removes. */
export function repoHasCredentials(repo: string): boolean {
  return repoWithoutCredentials(repo) !== repo;
}

/** The parts of the operator config's `source` the identity depends on. */
export interface SourceNaming {
  /** An explicit identity chosen by the platform team; used as written. */
  name?: string;
  repo?: string;
}

/**
 * The source identity: the configured `name`, else the repository (the config's, else `fallbackRepo`, the
 * spec source's own) without credentials, else `local`.
 */
export function sourceIdentity(source: SourceNaming, fallbackRepo?: string): string {
  if (source.name !== undefined) return source.name;
  const repo = source.repo ?? fallbackRepo;
  return repo === undefined ? 'local' : repoWithoutCredentials(repo);
}
