/**
 * HTTP basic authentication as Nomad's and Consul's API clients send it (`NOMAD_HTTP_AUTH`,
 * `CONSUL_HTTP_AUTH`: `user[:pass]`). The password never shows: not in `util.inspect`, `JSON.stringify`,
 * string conversion or enumerable properties; only `header()` and `password` give it out.
 */
import { inspect } from 'node:util';
import { REDACTED } from './redact';

/** A username and a password kept out of every printed form. */
export class BasicAuth {
  readonly username: string;
  readonly #password: string;

  constructor(username: string, password: string) {
    this.username = username;
    this.#password = password;
  }

  /**
   * Parses `user[:pass]`: everything before the first colon is the user, everything after it the
   * password (empty when there is no colon), as both clients split it (hashicorp/nomad `api/api.go`
   * `DefaultConfig`, hashicorp/consul `api/api.go` `defaultConfig`).
   *
   * @example BasicAuth.parse('ops:s3:cret') // username "ops", password "s3:cret"
   */
  static parse(value: string): BasicAuth {
    const at = value.indexOf(':');
    return at < 0 ? new BasicAuth(value, '') : new BasicAuth(value.slice(0, at), value.slice(at + 1));
  }

  /** The password (for the transport only). */
  get password(): string {
    return this.#password;
  }

  /** The `Authorization` header value: `Basic base64(user:pass)`, the colon always present (Go's `SetBasicAuth`). */
  header(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.#password}`, 'utf8').toString('base64')}`;
  }

  /** Strings that must never leave the process in text: the password and the encoded header. */
  secrets(): string[] {
    return this.#password ? [this.#password, this.header().slice('Basic '.length)] : [];
  }

  toJSON(): { username: string; password: string } {
    return { username: this.username, password: REDACTED };
  }

  toString(): string {
    return `${this.username}:${REDACTED}`;
  }

  [inspect.custom](): string {
    return `BasicAuth { username: ${JSON.stringify(this.username)}, password: '${REDACTED}' }`;
  }
}
