/**
 * Where the Nomad and Consul APIs are and how to authenticate, from the standard environment variables
 * (`NOMAD_ADDR`, `NOMAD_TOKEN`, `CONSUL_HTTP_ADDR`, ...) or from a cluster entry of the operator config
 * (`address`, `tokenEnv`/`tokenFile`, TLS file paths). Files are read here, once; the clients receive
 * contents, never paths. Errors name the variable or field and the path, never a token.
 */
import * as fs from 'node:fs';
import type { TlsOptions } from './http/http-transport';

/** Everything needed to build a NomadHttpClient. */
export interface NomadConnection {
  address: string;
  token?: string;
  region?: string;
  namespace?: string;
  tls?: TlsOptions;
}

/** Everything needed to build a ConsulHttpClient. */
export interface ConsulConnection {
  address: string;
  token?: string;
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

function truthy(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  return /^(1|true|yes|on)$/i.test(v.trim());
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

function tlsFrom(what: string, paths: { ca?: string; cert?: string; key?: string }, verify: boolean | undefined, reader: FileReader): TlsOptions | undefined {
  const tls: TlsOptions = {};
  if (paths.ca) tls.ca = readFile(`${what} CA certificate`, paths.ca, reader);
  if (paths.cert) tls.cert = readFile(`${what} client certificate`, paths.cert, reader);
  if (paths.key) tls.key = readFile(`${what} client key`, paths.key, reader);
  if (verify === false) tls.verify = false;
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new ConnectionConfigError(`${what}: a client certificate needs its key (and the key its certificate)`);
  return Object.keys(tls).length ? tls : undefined;
}

/** The Nomad connection described by the standard NOMAD_* environment variables. */
export function nomadFromEnv(env: NodeJS.ProcessEnv, reader: FileReader = defaultReader): NomadConnection {
  const address = normaliseAddress(env.NOMAD_ADDR || DEFAULT_NOMAD_ADDR, 'NOMAD_ADDR');
  const conn: NomadConnection = { address };
  if (env.NOMAD_TOKEN) conn.token = env.NOMAD_TOKEN.trim();
  if (env.NOMAD_REGION) conn.region = env.NOMAD_REGION;
  if (env.NOMAD_NAMESPACE) conn.namespace = env.NOMAD_NAMESPACE;
  const skip = truthy(env.NOMAD_SKIP_VERIFY);
  const tls = tlsFrom('NOMAD', { ca: env.NOMAD_CACERT, cert: env.NOMAD_CLIENT_CERT, key: env.NOMAD_CLIENT_KEY }, skip === true ? false : undefined, reader);
  if (tls) conn.tls = tls;
  return conn;
}

/** The Consul connection described by the standard CONSUL_* environment variables. */
export function consulFromEnv(env: NodeJS.ProcessEnv, reader: FileReader = defaultReader): ConsulConnection {
  const ssl = truthy(env.CONSUL_HTTP_SSL) === true;
  const address = normaliseAddress(env.CONSUL_HTTP_ADDR || DEFAULT_CONSUL_ADDR, 'CONSUL_HTTP_ADDR', ssl);
  const conn: ConsulConnection = { address };
  if (env.CONSUL_HTTP_TOKEN) conn.token = env.CONSUL_HTTP_TOKEN.trim();
  else if (env.CONSUL_HTTP_TOKEN_FILE) conn.token = readFile('CONSUL_HTTP_TOKEN_FILE', env.CONSUL_HTTP_TOKEN_FILE, reader).toString('utf8').trim();
  const verify = truthy(env.CONSUL_HTTP_SSL_VERIFY);
  const tls = tlsFrom('CONSUL', { ca: env.CONSUL_CACERT, cert: env.CONSUL_CLIENT_CERT, key: env.CONSUL_CLIENT_KEY }, verify === false ? false : undefined, reader);
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
