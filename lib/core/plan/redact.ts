/**
 * Secret values never leave a plan diff. `redactDiff` returns a copy of Nomad's plan diff in which every
 * secret field keeps its name and change type but not its values: `Old`/`New` become `REDACTED` (or stay
 * empty on the side that has no value). Every consumer (status, history, logs, `plan`, `plan --json`)
 * reads the redacted copy, so a value is hidden in one place for all of them.
 *
 * A field is secret when (see `isSecretField`):
 * - it is an environment variable (`Env[NAME]`, on a task or in any object such as a sidecar task), or
 *   template data (`EmbeddedTmpl`): both carry credentials by design;
 * - it sits in a `Vault` or `Secret` object (Vault and secrets-provider configuration);
 * - its name, or the name of an object it sits in, contains a word of `SECRET_WORDS` (case-insensitive):
 *   docker `auth` blocks (`Config` fields `auth[0][password]`), `Meta[db_password]`, check headers such as
 *   `Header[Authorization]`, ...;
 * - its value is a URL with credentials in it (`https://user:pass@host/...`, e.g. an artifact source, a
 *   token as the user name of an HTTP(S) or FTP(S) URL, `https://TOKEN@host/...`, or a query parameter
 *   named by a secret word, `?sshkey=...`).
 *
 * Group and task names are the spec's own words and are never matched, so a task named `auth` does not
 * hide its image. Field names follow Nomad's `nomad/structs/diff.go` (`Task.Diff` flattens the task with
 * `flatmap.Flatten`, so maps appear as `Env[KEY]`/`Meta[KEY]`; `configDiff` flattens the driver config;
 * `vaultDiff` and `templateDiffs` make `Vault` and `Template` objects).
 */
import type { FieldDiff, JobDiff, ObjectDiff } from '../nomad/types';

/** What a secret field's `Old`/`New` say instead of the value. */
export const REDACTED = '(redacted)';

/** Words that make a field or object name secret (matched case-insensitively anywhere in the name). */
export const SECRET_WORDS: readonly string[] = ['password', 'passwd', 'secret', 'token', 'key', 'credential', 'auth', 'private'];

/** Objects whose every field is secret. */
const SECRET_OBJECTS = new Set(['vault', 'secret']);

const WORDS = new RegExp(SECRET_WORDS.join('|'), 'i');
/**
 * User information in a URL that is a credential, as lib/core/source-id.ts judges it: with an HTTP(S) or
 * FTP(S) scheme (also as the last part of a compound one, `git+https://`) any user information at all, since
 * forges take a token as the user name alone; with any other scheme a `user:password` pair (`ssh://git@host`
 * is only a login name). The user information runs to the authority's last `@` (a password may hold one).
 */
const URL_CREDENTIALS = /(?<![a-z0-9+.-])(?:(?:[a-z][a-z0-9+.-]*\+)?(?:https?|ftps?):\/\/[^/?#\s]+@|[a-z][a-z0-9+.-]*:\/\/[^/?#\s@]*:[^/?#\s]*@)/i;
const URL_CREDENTIALS_ALL = new RegExp(URL_CREDENTIALS.source, 'gi');
/**
 * A URL query parameter whose name holds a secret word, with its value: go-getter takes credentials
 * there (`?sshkey=<key>`, `&aws_access_key_secret=...`, `?token=...`), as do many signed URLs.
 */
const QUERY_SECRET = new RegExp(`([?&][^=&#\\s]*(?:${SECRET_WORDS.join('|')})[^=&#\\s]*=)[^&#\\s]*`, 'i');
const QUERY_SECRET_ALL = new RegExp(QUERY_SECRET.source, 'gi');

/**
 * True when `text` holds credentials in a URL, anywhere in the text: user information with a password
 * (`scheme://user:pass@host`), any user information of an HTTP(S) or FTP(S) URL (`https://TOKEN@host`) or a
 * query parameter named by a word of `SECRET_WORDS` (`?sshkey=...`).
 */
export function hasUrlCredentials(text: string): boolean {
  return URL_CREDENTIALS.test(text) || QUERY_SECRET.test(text);
}

/**
 * `text` without the credentials `hasUrlCredentials` finds: user information left out and secret query
 * values replaced by `REDACTED` (`https://bob:pw@git.internal/x.tgz?sshkey=abc` gives
 * `https://git.internal/x.tgz?sshkey=(redacted)`); other text is returned as it is.
 */
export function stripUrlCredentials(text: string): string {
  if (!hasUrlCredentials(text)) return text;
  return text.replace(URL_CREDENTIALS_ALL, (m) => m.slice(0, m.indexOf('://') + 3)).replace(QUERY_SECRET_ALL, (_m, name: string) => `${name}${REDACTED}`);
}

/**
 * True when a field's values are secret. `objects` are the Nomad object names the field sits in, outermost
 * first (`['Template']`, `['Config']`, `['Service', 'Check']`), without group and task names.
 */
export function isSecretField(objects: readonly string[], field: FieldDiff): boolean {
  const name = field.Name;
  if (name.startsWith('Env[') || name === 'EmbeddedTmpl') return true;
  if (objects.some((o) => SECRET_OBJECTS.has(o.toLowerCase()) || WORDS.test(o))) return true;
  if (WORDS.test(name)) return true;
  return hasUrlCredentials(field.Old ?? '') || hasUrlCredentials(field.New ?? '');
}

/** True when a field was redacted by `redactDiff`. */
export function isRedacted(field: FieldDiff): boolean {
  return field.Old === REDACTED || field.New === REDACTED;
}

function redactField(objects: readonly string[], f: FieldDiff): FieldDiff {
  if (!isSecretField(objects, f)) return f;
  return { ...f, Old: f.Old ? REDACTED : '', New: f.New ? REDACTED : '' };
}

function redactFields(objects: readonly string[], fields: FieldDiff[] | null | undefined): FieldDiff[] | null {
  return fields ? fields.map((f) => redactField(objects, f)) : (fields ?? null);
}

function redactObjects(objects: readonly string[], list: ObjectDiff[] | null | undefined): ObjectDiff[] | null {
  if (!list) return list ?? null;
  return list.map((o) => {
    const inner = [...objects, o.Name];
    return { ...o, Fields: redactFields(inner, o.Fields), Objects: redactObjects(inner, o.Objects) };
  });
}

/**
 * A copy of `diff` with every secret field's values replaced by `REDACTED` (see the file comment for what
 * is secret). Structure, names and change types are kept, so a redacted diff still shows what changed.
 * Idempotent; `null`/`undefined` are returned as they are.
 */
export function redactDiff<T extends JobDiff | null | undefined>(diff: T): T {
  if (!diff) return diff;
  const d: JobDiff = diff;
  const redacted: JobDiff = {
    ...d,
    Fields: redactFields([], d.Fields),
    Objects: redactObjects([], d.Objects),
    TaskGroups: d.TaskGroups
      ? d.TaskGroups.map((g) => ({
          ...g,
          Fields: redactFields([], g.Fields),
          Objects: redactObjects([], g.Objects),
          Tasks: g.Tasks ? g.Tasks.map((t) => ({ ...t, Fields: redactFields([], t.Fields), Objects: redactObjects([], t.Objects) })) : g.Tasks,
        }))
      : d.TaskGroups,
  };
  return redacted as T;
}
