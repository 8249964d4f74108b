/**
 * Where the Nomad and Consul APIs are and how to authenticate, from the standard environment variables
 * or from a cluster entry of the operator config (`address`, `tokenEnv`/`tokenFile`, TLS file paths).
 * Files are read here, once; the clients receive contents, never paths. Errors name the variable or
 * field and the path, never a token or password.
 *
 * The variables are those Nomad's and Consul's own API clients read, read the way they read them
 * (hashicorp/nomad `api/api.go` `DefaultConfig` and `ConfigureTLS`; hashicorp/consul `api/api.go`
 * `defaultConfig`, `NewClient` and `SetupTLSConfig`; hashicorp/go-rootcerts `rootcerts.go` for CA files):
 *
 * - Nomad: `NOMAD_ADDR`, `NOMAD_TOKEN`, `NOMAD_REGION`, `NOMAD_NAMESPACE`, `NOMAD_HTTP_AUTH`,
 *   `NOMAD_CACERT`, `NOMAD_CAPATH`, `NOMAD_CLIENT_CERT`, `NOMAD_CLIENT_KEY`, `NOMAD_TLS_SERVER_NAME`,
 *   `NOMAD_SKIP_VERIFY`.
 * - Consul: `CONSUL_HTTP_ADDR`, `CONSUL_HTTP_TOKEN`, `CONSUL_HTTP_TOKEN_FILE` (its non-empty content wins
 *   over `CONSUL_HTTP_TOKEN`, as in Consul's `NewClient`), `CONSUL_HTTP_AUTH`, `CONSUL_HTTP_SSL`,
 *   `CONSUL_CACERT`, `CONSUL_CAPATH`, `CONSUL_CLIENT_CERT`, `CONSUL_CLIENT_KEY`, `CONSUL_TLS_SERVER_NAME`
 *   (a `:port` is dropped), `CONSUL_HTTP_SSL_VERIFY`, `CONSUL_NAMESPACE`, `CONSUL_PARTITION` (Enterprise).
 *
 * A CA file wins over a CA path, which is a directory walked in lexical order (or a single file) whose
 * every file must hold PEM certificates. Booleans are Go's `strconv.ParseBool` words; where the Go clients
 * ignore (Nomad) or warn about (Consul) any other value, nomadguard refuses it, naming the variable: a
 * mistyped switch must not silently change how the server is verified.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { X509Certificate } from 'node:crypto';
import { BasicAuth } from './http/basic-auth';
import type { TlsOptions } from './http/http-transport';

/** Everything needed to build a NomadHttpClient. */
export interface NomadConnection {
  address: string;
  token?: string;
  /** HTTP basic authentication (`NOMAD_HTTP_AUTH`). */
  basicAuth?: BasicAuth;
  region?: string;
  namespace?: string;
  tls?: TlsOptions;
}

/** Everything needed to build a ConsulHttpClient. */
export interface ConsulConnection {
  address: string;
  token?: string;
  /** HTTP basic authentication (`CONSUL_HTTP_AUTH`). */
  basicAuth?: BasicAuth;
  /** Consul Enterprise namespace and admin partition of every request (`CONSUL_NAMESPACE`, `CONSUL_PARTITION`). */
  namespace?: string;
  partition?: string;
  tls?: TlsOptions;
}

/** The Nomad part of an operator-config cluster entry. */
export interface NomadClusterConfig {
  address?: string;
  region?: string;
  namespace?: string;
  tokenEnv?: string;
  tokenFile?: string;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  skipVerify?: boolean;
}

/** The Consul part of an operator-config cluster entry. */
export interface ConsulClusterConfig {
  address?: string;
  tokenEnv?: string;
  tokenFile?: string;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  skipVerify?: boolean;
}

/** A cluster entry of the operator config, structurally (`clusters.<name>`). */
export interface ClusterConnectionConfig {
  nomad?: NomadClusterConfig;
  consul?: ConsulClusterConfig;
}

/** A configuration problem: names the variable or field, never a secret value. */
export class ConnectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionConfigError';
  }
}

/** Reads a file's contents; injectable for tests of error paths. */
export type FileReader = (path: string) => Buffer;

const defaultReader: FileReader = (p) => fs.readFileSync(p);

/** Nomad's default agent address. */
export const DEFAULT_NOMAD_ADDR = 'http://127.0.0.1:4646';
/** Consul's default agent address. */
export const DEFAULT_CONSUL_ADDR = 'http://127.0.0.1:8500';

/**
 * A boolean variable read as Go's `strconv.ParseBool` reads it: `1 t T TRUE true True` and
 * `0 f F FALSE false False`; unset or empty is `undefined` (the Go clients look only at non-empty values).
 */
export function parseGoBool(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (GO_TRUE.has(value)) return true;
  if (GO_FALSE.has(value)) return false;
  throw new ConnectionConfigError(`${name}: ${JSON.stringify(value)} is not a boolean (one of 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)`);
}

const GO_TRUE: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Lists a directory's entries; injectable for tests of error paths. */
export type DirReader = (path: string) => fs.Dirent[];

const defaultDirReader: DirReader = (p) => fs.readdirSync(p, { withFileTypes: true });

const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text that parse (other blocks are skipped, as Go's `AppendCertsFromPEM` does). */
function pemCertificates(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PEM_CERT)) {
    try {
      new X509Certificate(m[0]);
      out.push(`${m[0]}\n`);
    } catch {
      // Not a certificate Go would load either: skipped.
    }
  }
  return out;
}

/**
 * The CA certificates of a CA path: a directory walked depth-first in lexical order, or a single file
 * (go-rootcerts `LoadCAPath` over `filepath.Walk`). Every file must hold at least one certificate; a
 * path with none at all is refused too, since it could verify no server.
 */
export function loadCaPath(what: string, root: string, reader: FileReader = defaultReader, dirReader: DirReader = defaultDirReader): string[] {
  const certs: string[] = [];
  const visit = (p: string, isDir: boolean): void => {
    if (isDir) {
      let entries: fs.Dirent[];
      try {
        entries = dirReader(p);
      } catch (err) {
        throw new ConnectionConfigError(`${what}: cannot read ${p} (${(err as { code?: string }).code ?? 'unreadable'})`);
      }
      for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(nodePath.join(p, e.name), e.isDirectory());
      return;
    }
    const found = pemCertificates(readFile(what, p, reader).toString('utf8'));
    if (found.length === 0) throw new ConnectionConfigError(`${what}: no PEM certificate in ${p}`);
    certs.push(...found);
  };
  let isDir: boolean;
  try {
    isDir = fs.statSync(root).isDirectory();
  } catch (err) {
    throw new ConnectionConfigError(`${what}: cannot read ${root} (${(err as { code?: string }).code ?? 'unreadable'})`);
  }
  visit(root, isDir);
  if (certs.length === 0) throw new ConnectionConfigError(`${what}: no certificates in ${root}`);
  return certs;
}

/** Consul's TLS server name: an address's `:port` is dropped (consul `api/api.go` `SetupTLSConfig`). */
function consulServerName(value: string): string {
  const hasPort = value.lastIndexOf(':') > value.lastIndexOf(']');
  if (!hasPort) return value;
  const host = value.slice(0, value.lastIndexOf(':'));
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function readFile(what: string, path: string, reader: FileReader): Buffer {
  try {
    return reader(path);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new ConnectionConfigError(`${what}: cannot read ${path} (${code})`);
  }
}

/** Normalises an address: adds the scheme when missing (`[::1]:8500` -> `http://[::1]:8500`), drops trailing slashes. */
export function normaliseAddress(address: string, what: string, https = false): string {
  const a = address.trim();
  if (a === '') throw new ConnectionConfigError(`${what}: empty address`);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(a) ? a : `${https ? 'https' : 'http'}://${a}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConnectionConfigError(`${what}: not a URL: ${a}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConnectionConfigError(`${what}: unsupported scheme ${url.protocol} (http or https)`);
  return withScheme.replace(/\/+$/, '');
}

interface TlsPaths {
  ca?: string;
  /** Variable naming the CA path, for messages. */
  caPathVar?: string;
  caPath?: string;
  cert?: string;
  key?: string;
  serverName?: string;
}

function tlsFrom(what: string, paths: TlsPaths, verify: boolean | undefined, reader: FileReader): TlsOptions | undefined {
  const tls: TlsOptions = {};
  if (paths.ca) tls.ca = readFile(`${what} CA certificate`, paths.ca, reader);
  else if (paths.caPath) tls.ca = loadCaPath(paths.caPathVar ?? `${what} CA path`, paths.caPath, reader);
  if (paths.cert) tls.cert = readFile(`${what} client certificate`, paths.cert, reader);
  if (paths.key) tls.key = readFile(`${what} client key`, paths.key, reader);
  if (paths.serverName) tls.serverName = paths.serverName;
  if (verify === false) tls.verify = false;
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new ConnectionConfigError(`${what}: a client certificate needs its key (and the key its certificate)`);
  return Object.keys(tls).length ? tls : undefined;
}

/** The Nomad connection described by the standard NOMAD_* environment variables. */
export function nomadFromEnv(env: NodeJS.ProcessEnv, reader: FileReader = defaultReader): NomadConnection {
  const address = normaliseAddress(env.NOMAD_ADDR || DEFAULT_NOMAD_ADDR, 'NOMAD_ADDR');
  const conn: NomadConnection = { address };
  if (env.NOMAD_TOKEN) conn.token = env.NOMAD_TOKEN.trim();
  if (env.NOMAD_HTTP_AUTH) conn.basicAuth = BasicAuth.parse(env.NOMAD_HTTP_AUTH);
  if (env.NOMAD_REGION) conn.region = env.NOMAD_REGION;
  if (env.NOMAD_NAMESPACE) conn.namespace = env.NOMAD_NAMESPACE;
  const skip = parseGoBool('NOMAD_SKIP_VERIFY', env.NOMAD_SKIP_VERIFY);
  const tls = tlsFrom(
    'NOMAD',
    { ca: env.NOMAD_CACERT, caPath: env.NOMAD_CAPATH, caPathVar: 'NOMAD_CAPATH', cert: env.NOMAD_CLIENT_CERT, key: env.NOMAD_CLIENT_KEY, serverName: env.NOMAD_TLS_SERVER_NAME },
    skip === true ? false : undefined,
    reader,
  );
  if (tls) conn.tls = tls;
  return conn;
}

/** The Consul connection described by the standard CONSUL_* environment variables. */
export function consulFromEnv(env: NodeJS.ProcessEnv, reader: FileReader = defaultReader): ConsulConnection {
  const ssl = parseGoBool('CONSUL_HTTP_SSL', env.CONSUL_HTTP_SSL) === true;
  const address = normaliseAddress(env.CONSUL_HTTP_ADDR || DEFAULT_CONSUL_ADDR, 'CONSUL_HTTP_ADDR', ssl);
  const conn: ConsulConnection = { address };
  const fileToken = env.CONSUL_HTTP_TOKEN_FILE ? readFile('CONSUL_HTTP_TOKEN_FILE', env.CONSUL_HTTP_TOKEN_FILE, reader).toString('utf8').trim() : '';
  if (fileToken) conn.token = fileToken;
  else if (env.CONSUL_HTTP_TOKEN) conn.token = env.CONSUL_HTTP_TOKEN.trim();
  if (env.CONSUL_HTTP_AUTH) conn.basicAuth = BasicAuth.parse(env.CONSUL_HTTP_AUTH);
  if (env.CONSUL_NAMESPACE) conn.namespace = env.CONSUL_NAMESPACE;
  if (env.CONSUL_PARTITION) conn.partition = env.CONSUL_PARTITION;
  const verify = parseGoBool('CONSUL_HTTP_SSL_VERIFY', env.CONSUL_HTTP_SSL_VERIFY);
  const tls = tlsFrom(
    'CONSUL',
    {
      ca: env.CONSUL_CACERT,
      caPath: env.CONSUL_CAPATH,
      caPathVar: 'CONSUL_CAPATH',
      cert: env.CONSUL_CLIENT_CERT,
      key: env.CONSUL_CLIENT_KEY,
      serverName: env.CONSUL_TLS_SERVER_NAME ? consulServerName(env.CONSUL_TLS_SERVER_NAME) : undefined,
    },
    verify === false ? false : undefined,
    reader,
  );
  if (tls) conn.tls = tls;
  return conn;
}

const STANDARD_TOKEN_VARS: ReadonlySet<string> = new Set(['NOMAD_TOKEN', 'CONSUL_HTTP_TOKEN']);

function tokenFrom(what: string, cfg: { tokenEnv?: string; tokenFile?: string }, env: NodeJS.ProcessEnv, reader: FileReader): string | undefined {
  if (cfg.tokenEnv) {
    const v = env[cfg.tokenEnv];
    if (v) return v.trim();
    // The standard variables are optional (clusters without ACLs); a custom one was named on purpose.
    if (STANDARD_TOKEN_VARS.has(cfg.tokenEnv)) return undefined;
    throw new ConnectionConfigError(`${what}.tokenEnv: environment variable ${cfg.tokenEnv} is not set`);
  }
  if (cfg.tokenFile) return readFile(`${what}.tokenFile`, cfg.tokenFile, reader).toString('utf8').trim();
  return undefined;
}

/**
 * The connections of an operator-config cluster entry. Fields the entry leaves out fall back to the
 * environment (so `NOMAD_TOKEN` still works with a config that gives only the address).
 */
export function connectionsFromCluster(
  cluster: ClusterConnectionConfig,
  env: NodeJS.ProcessEnv,
  reader: FileReader = defaultReader,
  name = 'cluster',
): { nomad: NomadConnection; consul: ConsulConnection } {
  const fromEnvNomad = nomadFromEnv(env, reader);
  const fromEnvConsul = consulFromEnv(env, reader);
  const n = cluster.nomad ?? {};
  const c = cluster.consul ?? {};
  const nomad: NomadConnection = {
    ...fromEnvNomad,
    address: n.address ? normaliseAddress(n.address, `${name}.nomad.address`) : fromEnvNomad.address,
  };
  const nt = tokenFrom(`${name}.nomad`, n, env, reader);
  if (nt !== undefined) nomad.token = nt;
  if (n.region) nomad.region = n.region;
  if (n.namespace) nomad.namespace = n.namespace;
  const ntls = tlsFrom(`${name}.nomad`, { ca: n.caCert, cert: n.clientCert, key: n.clientKey }, n.skipVerify ? false : undefined, reader);
  if (ntls) nomad.tls = { ...fromEnvNomad.tls, ...ntls };
  const consul: ConsulConnection = {
    ...fromEnvConsul,
    address: c.address ? normaliseAddress(c.address, `${name}.consul.address`) : fromEnvConsul.address,
  };
  const ct = tokenFrom(`${name}.consul`, c, env, reader);
  if (ct !== undefined) consul.token = ct;
  const ctls = tlsFrom(`${name}.consul`, { ca: c.caCert, cert: c.clientCert, key: c.clientKey }, c.skipVerify ? false : undefined, reader);
  if (ctls) consul.tls = { ...fromEnvConsul.tls, ...ctls };
  return { nomad, consul };
}
