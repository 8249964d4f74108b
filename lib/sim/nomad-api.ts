/**
 * The Nomad HTTP API over the cluster model: the routes, their query options, read headers
 * (`X-Nomad-Index`, `X-Nomad-KnownLeader`, `X-Nomad-LastContact`), blocking queries, ACL checks and the
 * error texts of shared/contracts/NOMAD-API.md §8.
 */
import type { Job, JobPlanResponse } from '../core/nomad/types';
import type { Clock } from '../runtime/clock';
import type { AclStore, Capability } from './acl';
import { allocFull, allocStub, type SimAlloc } from './alloc-render';
import { filterAllocs, installClientAllocRoutes } from './alloc-list';
import { blockingParams, blockOn } from './blocking';
import { multiError, validateJob } from './canonicalize';
import type { RegisterLog } from './register-log';
import { renderEval, specChanged, type Cluster } from './cluster';
import { jobDiff, type GroupUpdates } from './diff';
import { filterFrame, parseTopics, type EventFilter } from './events';
import { compileFilter, type FilterOptions, type Predicate } from './filter';
import { HttpError, type ApiServer, type Reply, type SimRequest } from './http-server';
import { nodeFull, nodeStub } from './nodes';
import { Prng } from './prng';
import { placeGroup } from './scheduler';
import { compareVersions } from './version';

const MAX_WAIT_MS = 300_000;

function readHeaders(index: number, extra: Record<string, string> = {}): Record<string, string> {
  return { 'X-Nomad-Index': String(index), 'X-Nomad-KnownLeader': 'true', 'X-Nomad-LastContact': '0', ...extra };
}

function ok(json: unknown, index: number, extra?: Record<string, string>): Reply {
  return { json, headers: readHeaders(index, extra) };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== 'false' && v !== '0';
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * A query flag read as the agent reads `meta`, `purge`, `global` (command/agent/http.go `parseBool`, Go's
 * `strconv.ParseBool`): absent or empty is false; anything but Go's twelve spellings is a 500 with its text.
 * `label` is the name quoted in the text (Nomad's `no_shutdown_delay` text carries a stray `q`).
 */
function goBoolParam(q: URLSearchParams, name: string, label = `"${name}"`): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (GO_TRUE.has(v)) return true;
  if (GO_FALSE.has(v)) return false;
  throw new HttpError(500, `Failed to parse value of ${label} (${v}) as a bool: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function filterOf(q: URLSearchParams, opts?: FilterOptions): Predicate | undefined {
  const f = q.get('filter');
  if (!f) return undefined;
  try {
    return compileFilter(f, opts);
  } catch (err) {
    throw new HttpError(400, `failed to read filter expression: ${(err as Error).message}`);
  }
}

function checkStale(q: URLSearchParams): void {
  const v = q.get('stale');
  if (v !== null && v !== '' && v !== 'true' && v !== 'false') throw new HttpError(400, 'Expect `true` or `false` for `stale` query string parameter');
}

/** Context the routes need. */
export interface NomadApiDeps {
  cluster: Cluster;
  acl: AclStore;
  clock: Clock;
  /** The version reported by `/v1/agent/self` (changes with `setVersion`). */
  version(): string;
  datacenters: string[];
  /** Counts accepted registers per job and submitted job (`/_sim/registers`). */
  registers?: RegisterLog;
}

/** Installs the Nomad routes on `server`. */
export function installNomadApi(server: ApiServer, deps: NomadApiDeps): void {
  const { cluster, acl, clock } = deps;

  const ns = (r: SimRequest): string => r.query.get('namespace') || 'default';
  /**
   * The namespaces a list may show. With `*`, a token that may use `cap` in no namespace at all (or no valid
   * token) is refused, and one allowed only where no namespace exists lists nothing (nomad/job_endpoint.go
   * `Job.List`: `AllowNsOp("*", ...)`, then `allowedNSes`; the allocation, evaluation and deployment lists
   * do the same).
   */
  const allowedNamespaces = (r: SimRequest, cap: Capability): string[] => {
    const requested = ns(r);
    const token = acl.tokenOf(r.headers);
    if (requested === '*') {
      if (!acl.allowsSomewhere(token, cap)) throw new HttpError(403, 'Permission denied');
      return [...cluster.namespaces.keys()].filter((n) => acl.allows(token, n, cap));
    }
    if (!acl.allows(token, requested, cap)) throw new HttpError(403, 'Permission denied');
    return [requested];
  };
  const block = <T extends { index: number }>(r: SimRequest, run: () => T): Promise<T> => {
    checkStale(r.query);
    return blockOn(clock, cluster.feed, blockingParams(r.query, MAX_WAIT_MS, undefined, true), r.signal, run);
  };

  // ------------------------------------------------------------ agent, status, nodes
  server.route('GET', '/v1/agent/self', (r) => {
    acl.checkAny(r.headers);
    const version = deps.version();
    return {
      json: {
        config: {
          Region: cluster.region,
          Datacenter: deps.datacenters[0],
          NodeName: 'nomad-sim',
          Version: { Version: version, VersionPrerelease: '', VersionMetadata: '', Revision: 'simulated' },
          ACL: { Enabled: acl.enabled },
          Server: { Enabled: true },
        },
        member: { Name: 'nomad-sim.global', Addr: '127.0.0.1', Port: 4648, Status: 'alive', Tags: { build: version, region: cluster.region, dc: deps.datacenters[0], role: 'nomad', vsn: '1' } },
        stats: { nomad: { leader: 'true', server: 'true', known_regions: '1' } },
      },
    };
  });
  server.route('GET', '/v1/agent/health', () => ({ json: { server: { ok: true, message: 'ok' } } }));
  server.route('GET', '/v1/status/leader', () => ({ json: '127.0.0.1:4647' }));
  server.route('GET', '/v1/status/peers', () => ({ json: ['127.0.0.1:4647'] }));
  server.route('GET', '/v1/regions', () => ({ json: [cluster.region] }));

  server.route('GET', '/v1/nodes', async (r) => {
    acl.checkAny(r.headers);
    const pred = filterOf(r.query);
    const prefix = r.query.get('prefix') ?? '';
    const withRes = boolParam(r.query, 'resources');
    const res = await block(r, () => ({
      index: cluster.tableIndex('nodes'),
      value: cluster.nodes
        .filter((n) => n.ID.startsWith(prefix))
        .map((n) => nodeStub(n, deps.version(), withRes))
        .filter((s) => !pred || pred(s)),
    }));
    return ok(res.value, res.index);
  });
  server.route('GET', '/v1/node/:id', (r) => {
    acl.checkAny(r.headers);
    const n = cluster.nodes.find((x) => x.ID === r.params.id || x.ID.startsWith(r.params.id));
    if (!n) throw new HttpError(404, 'node not found');
    return ok(nodeFull(n, deps.version()), n.ModifyIndex);
  });
  server.route('GET', '/v1/node/:id/allocations', (r) => {
    acl.checkAny(r.headers);
    const list = [...cluster.allocs.values()].filter((a) => a.NodeID === r.params.id).map((a) => allocFull(a, true));
    return ok(list, cluster.tableIndex('allocs'));
  });

  // ------------------------------------------------------------ namespaces
  server.route('GET', '/v1/namespaces', async (r) => {
    const token = acl.tokenOf(r.headers);
    const res = await block(r, () => ({
      index: cluster.tableIndex('namespaces'),
      value: [...cluster.namespaces.values()]
        .filter((n) => acl.allows(token, n.Name, 'read-job') || acl.allows(token, n.Name, 'list-jobs'))
        .sort((a, b) => a.Name.localeCompare(b.Name)),
    }));
    return ok(res.value, res.index);
  });
  server.route('GET', '/v1/namespace/:name', (r) => {
    const n = cluster.namespaces.get(r.params.name);
    if (!acl.allows(acl.tokenOf(r.headers), r.params.name, 'list-jobs')) throw new HttpError(403, 'Permission denied');
    if (!n) throw new HttpError(404, 'Namespace not found');
    return ok(n, n.ModifyIndex ?? cluster.index);
  });
  const upsertNs = async (r: SimRequest): Promise<Reply> => {
    acl.checkManagement(r.headers);
    const body = await r.json();
    if (!isObj(body)) throw new HttpError(400, 'Request body is empty');
    const name = typeof body.Name === 'string' && body.Name ? body.Name : r.params.name;
    if (name !== r.params.name) throw new HttpError(400, 'Namespace name does not match request path');
    if (!/^[a-zA-Z0-9-]{1,128}$/.test(name)) throw new HttpError(500, multiError([`invalid name "${name}". Must match regex ^[a-zA-Z0-9-]{1,128}$`]));
    const index = cluster.upsertNamespace({ ...body, Name: name });
    return { json: null, headers: { 'X-Nomad-Index': String(index) } };
  };
  server.route(['POST', 'PUT'], '/v1/namespace/:name', upsertNs);
  server.route(['POST', 'PUT'], '/v1/namespace', async (r) => {
    const body = (await r.json()) as Record<string, unknown>;
    return upsertNs({ ...r, params: { name: String(body?.Name ?? '') }, json: async () => body });
  });
  server.route('DELETE', '/v1/namespace/:name', (r) => {
    acl.checkManagement(r.headers);
    const name = r.params.name;
    if (name === 'default') throw new HttpError(400, 'default namespace can not be deleted');
    const hasJobs = [...cluster.jobs.values()].some((j) => j.job.Namespace === name);
    if (hasJobs) throw new HttpError(500, `namespace "${name}" has non-terminal jobs in regions: [${cluster.region}]`);
    cluster.namespaces.delete(name);
    const index = cluster.bump('namespaces');
    return { json: null, headers: { 'X-Nomad-Index': String(index) } };
  });

  // ------------------------------------------------------------ jobs
  /** Serialised job lists by query, valid while the jobs/job_summary index is unchanged. */
  const listCache = new Map<string, { index: number; raw: Buffer; next: string; version: string }>();
  server.route('GET', '/v1/jobs', async (r) => {
    // `meta` is parsed by the agent (jobListRequest) before the RPC checks the token; servers before 1.5 ignore it.
    const meta = compareVersions(deps.version(), '1.5.0') >= 0 && goBoolParam(r.query, 'meta');
    const namespaces = allowedNamespaces(r, 'list-jobs');
    const nsSet = new Set(namespaces);
    const prefix = r.query.get('prefix') ?? '';
    const pred = filterOf(r.query);
    const perPage = Number(r.query.get('per_page') ?? '0') || 0;
    const nextToken = r.query.get('next_token') ?? '';
    const reverse = boolParam(r.query, 'reverse');
    const cacheKey = pred ? '' : `${namespaces.join(',')}|${meta}|${prefix}|${perPage}|${nextToken}|${reverse}`;
    const res = await block(r, () => {
      const index = cluster.tableIndex('jobs', 'job_summary');
      const cached = cacheKey ? listCache.get(cacheKey) : undefined;
      if (cached && cached.index === index && cached.version === deps.version()) return cached;
      let keys = cluster.sortedJobKeys();
      if (reverse) keys = [...keys].reverse();
      const parts: string[] = [];
      let next = '';
      let started = nextToken === '';
      for (const key of keys) {
        const rec = cluster.jobs.get(key);
        if (!rec) continue;
        const job = rec.job;
        if (!nsSet.has(job.Namespace ?? 'default')) continue;
        if (prefix && !job.ID.startsWith(prefix)) continue;
        if (!started) {
          const token = `${job.Namespace}.${job.ID}`;
          if (reverse ? token > nextToken : token < nextToken) continue;
          started = true;
        }
        // The paginator evaluates `filter` against the job itself, not its stub (nomad/state/paginator).
        if (pred && !pred(job)) continue;
        if (perPage > 0 && parts.length >= perPage) {
          next = `${job.Namespace}.${job.ID}`;
          break;
        }
        parts.push(cluster.stubJson(rec, meta));
      }
      const out = { index, raw: Buffer.from(`[${parts.join(',')}]`), next, version: deps.version() };
      if (cacheKey) {
        if (listCache.size >= 16) listCache.delete(listCache.keys().next().value as string);
        listCache.set(cacheKey, out);
      }
      return out;
    });
    return { raw: res.raw, headers: readHeaders(res.index, res.next ? { 'X-Nomad-NextToken': res.next } : {}) };
  });

  const register = async (r: SimRequest, pathId?: string): Promise<Reply> => {
    const body = await r.json();
    if (!isObj(body) || !isObj(body.Job)) throw new HttpError(400, 'Job must be specified');
    const job = body.Job;
    if (typeof job.ID !== 'string' || !job.ID) throw new HttpError(400, "Job ID hasn't been provided");
    if (pathId !== undefined && job.ID !== pathId) throw new HttpError(400, 'Job ID does not match name');
    if (job.Type === 'system' && Array.isArray(job.TaskGroups) && job.TaskGroups.some((g) => isObj(g) && isObj(g.Scaling))) {
      throw new HttpError(400, 'Task groups with job type system do not support scaling blocks');
    }
    const namespace = r.query.get('namespace') || (typeof body.Namespace === 'string' && body.Namespace) || (typeof job.Namespace === 'string' && job.Namespace) || 'default';
    const token = acl.check(r.headers, namespace, 'submit-job');
    const res = cluster.register({
      job,
      namespace,
      enforceIndex: body.EnforceIndex === true,
      jobModifyIndex: typeof body.JobModifyIndex === 'number' ? body.JobModifyIndex : 0,
      preserveCounts: body.PreserveCounts === true,
      tokenAccessor: acl.enabled ? token?.AccessorID : undefined,
    });
    deps.registers?.record(namespace, job, job);
    return { json: { ...res, LastContact: 0, KnownLeader: false, NextToken: '' }, headers: { 'X-Nomad-Index': String(res.Index) } };
  };
  server.route(['POST', 'PUT'], '/v1/jobs', (r) => register(r));

  const jobOr404 = (r: SimRequest, cap: Capability = 'read-job', text = 'job not found') => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, cap);
    const rec = cluster.record(namespace, r.params.id);
    if (!rec) throw new HttpError(404, text);
    return rec;
  };

  server.route('GET', '/v1/job/:id', async (r) => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, 'read-job');
    const res = await block(r, () => {
      const rec = cluster.record(namespace, r.params.id);
      return { index: rec ? (rec.job.ModifyIndex ?? 0) : cluster.tableIndex('jobs'), job: rec?.job };
    });
    if (!res.job) throw new HttpError(404, 'job not found', readHeaders(res.index));
    return ok(res.job, res.index);
  });
  server.route(['POST', 'PUT'], '/v1/job/:id', (r) => register(r, r.params.id));
  server.route('DELETE', '/v1/job/:id', (r) => {
    const namespace = ns(r);
    // The agent parses its flags (command/agent/job_endpoint.go jobDelete) before the RPC checks the token.
    const purge = goBoolParam(r.query, 'purge');
    goBoolParam(r.query, 'global');
    goBoolParam(r.query, 'no_shutdown_delay', '"no_shutdown_delay"q');
    acl.check(r.headers, namespace, 'submit-job');
    const res = cluster.deregister(namespace, r.params.id, purge);
    return { json: { ...res, VolumeEvalID: '', VolumeEvalIndex: 0, LastContact: 0, KnownLeader: false, NextToken: '' }, headers: { 'X-Nomad-Index': String(res.Index) } };
  });

  server.route('GET', '/v1/job/:id/versions', async (r) => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, 'read-job');
    const res = await block(r, () => {
      const rec = cluster.record(namespace, r.params.id);
      return { index: cluster.tableIndex('job_version'), rec };
    });
    if (!res.rec) throw new HttpError(404, 'job versions not found');
    const versions = res.rec.versions;
    const diffs = goBoolParam(r.query, 'diffs') ? versions.slice(0, -1).map((v, i) => jobDiff(versions[i + 1], v)) : null;
    return ok({ Versions: versions, Diffs: diffs, Index: res.index, LastContact: 0, KnownLeader: true, NextToken: '' }, res.index);
  });
  server.route('GET', '/v1/job/:id/summary', async (r) => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, 'read-job');
    const res = await block(r, () => {
      const rec = cluster.record(namespace, r.params.id);
      return { index: rec ? rec.summaryIndex : cluster.tableIndex('job_summary'), rec };
    });
    if (!res.rec) throw new HttpError(404, 'job not found');
    return ok(cluster.summary(res.rec), res.index);
  });
  server.route('GET', '/v1/job/:id/allocations', async (r) => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, 'read-job');
    const withRes = boolParam(r.query, 'resources');
    const res = await block(r, () => ({ index: cluster.tableIndex('allocs'), list: cluster.jobAllocations(namespace, r.params.id) }));
    return ok(res.list.map((a) => allocStub(a, withRes)), res.index);
  });
  server.route('GET', '/v1/job/:id/evaluations', async (r) => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, 'read-job');
    const res = await block(r, () => ({
      index: cluster.tableIndex('evals'),
      list: [...cluster.evals.values()].filter((e) => e.JobID === r.params.id && e.Namespace === namespace).sort((a, b) => b.CreateIndex - a.CreateIndex),
    }));
    return ok(res.list.map(renderEval), res.index);
  });
  server.route('GET', '/v1/job/:id/deployment', async (r) => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, 'read-job');
    const res = await block(r, () => {
      const d = cluster.latestDeployment(namespace, r.params.id);
      return { index: d ? d.ModifyIndex : cluster.tableIndex('deployment'), d };
    });
    return ok(res.d ?? null, res.index);
  });
  server.route('GET', '/v1/job/:id/deployments', async (r) => {
    const namespace = ns(r);
    acl.check(r.headers, namespace, 'read-job');
    const res = await block(r, () => ({
      index: cluster.tableIndex('deployment'),
      list: [...cluster.deployments.values()].filter((d) => d.JobID === r.params.id && d.Namespace === namespace).sort((a, b) => b.CreateIndex - a.CreateIndex),
    }));
    return ok(res.list, res.index);
  });
  server.route(['POST', 'PUT'], '/v1/job/:id/evaluate', (r) => {
    const rec = jobOr404(r, 'submit-job');
    // The stored spec again, its accessor included: a new evaluation, never a new version.
    const res = cluster.register({ job: { ...rec.job }, namespace: rec.job.Namespace ?? 'default', triggeredBy: 'job-register', tokenAccessor: rec.job.NomadTokenID ?? '' });
    return { json: { EvalID: res.EvalID, EvalCreateIndex: res.EvalCreateIndex, JobModifyIndex: rec.job.JobModifyIndex, Warnings: '', Index: res.Index, LastContact: 0, KnownLeader: false, NextToken: '' }, headers: { 'X-Nomad-Index': String(res.Index) } };
  });
  server.route(['POST', 'PUT'], '/v1/job/:id/stable', async (r) => {
    const rec = jobOr404(r, 'submit-job');
    const body = (await r.json()) as Record<string, unknown>;
    const index = cluster.setStable(rec, Number(body.JobVersion ?? rec.job.Version), body.Stable !== false);
    return { json: { Index: index }, headers: { 'X-Nomad-Index': String(index) } };
  });
  /**
   * Revert, with the agent's 400s (command/agent/job_endpoint.go jobRevert) and then the RPC's checks in
   * its order (nomad/job_endpoint.go `Job.Revert`): token, job, current version, target version, enforced
   * prior version. The target is registered again without its tag and unstable, check-and-set against the
   * current job when a prior version is enforced.
   */
  server.route(['POST', 'PUT'], '/v1/job/:id/revert', async (r) => {
    const body = await r.json();
    if (!isObj(body)) throw new HttpError(400, 'Request body is empty');
    if (typeof body.JobID !== 'string' || body.JobID === '') throw new HttpError(400, 'JobID must be specified');
    if (body.JobID !== r.params.id) throw new HttpError(400, 'Job ID does not match');
    const namespace = ns(r);
    const token = acl.check(r.headers, namespace, 'submit-job');
    const rec = cluster.record(namespace, r.params.id);
    if (!rec) throw new HttpError(500, `job "${r.params.id}" not found`);
    const version = typeof body.JobVersion === 'number' ? body.JobVersion : 0;
    if (version === rec.job.Version) throw new HttpError(500, `can't revert to current version`);
    const target = rec.versions.find((v) => v.Version === version);
    if (!target) throw new HttpError(500, `job "${r.params.id}" in namespace "${namespace}" at version ${version} not found`);
    const enforced = typeof body.EnforcePriorVersion === 'number' ? body.EnforcePriorVersion : undefined;
    if (enforced !== undefined && enforced !== rec.job.Version) throw new HttpError(500, `Current job has version ${rec.job.Version}; enforcing version ${enforced}`);
    const spec: Record<string, unknown> = { ...target, VersionTag: null, Stable: false };
    const res = cluster.register({
      job: spec,
      namespace,
      enforceIndex: enforced !== undefined,
      jobModifyIndex: rec.job.JobModifyIndex,
      tokenAccessor: acl.enabled ? token?.AccessorID : undefined,
    });
    return { json: { ...res, LastContact: 0, KnownLeader: false, NextToken: '' }, headers: { 'X-Nomad-Index': String(res.Index) } };
  });

  /**
   * Version tags (Nomad 1.9+): command/agent/job_endpoint.go `jobTagVersion`, nomad/job_endpoint.go
   * `Job.TagVersion`. `Latest` (2.0.1+) tags the current version when `Version` is 0. The description is
   * stored as sent: Nomad checks its length only when a job carrying a tag is registered (`Job.Validate`).
   */
  const tagRoute = async (r: SimRequest): Promise<Reply> => {
    if (compareVersions(deps.version(), '1.9.0') < 0) throw new HttpError(404, 'Invalid URL path: not found');
    const namespace = ns(r);
    const name = r.params.name;
    let version = 0;
    let tag: { Name: string; Description: string; TaggedTime: number } | undefined;
    if (r.method !== 'DELETE') {
      const body = await r.json();
      if (!isObj(body)) throw new HttpError(400, 'Request body is empty');
      version = typeof body.Version === 'number' ? body.Version : 0;
      tag = { Name: name, Description: typeof body.Description === 'string' ? body.Description : '', TaggedTime: 0 };
      acl.check(r.headers, namespace, 'submit-job');
      if (body.Latest === true && compareVersions(deps.version(), '2.0.1') >= 0) {
        if (version > 0) throw new HttpError(500, `version must be zero when tagging latest, got: ${version}`);
        version = cluster.record(namespace, r.params.id)?.job.Version ?? 0;
      }
      tag.TaggedTime = clock.now() * 1_000_000;
    } else acl.check(r.headers, namespace, 'submit-job');
    const index = cluster.tagVersion(namespace, r.params.id, name, version, tag);
    listCache.clear();
    const reply = { Name: tag?.Name ?? '', Description: tag?.Description ?? '', TaggedTime: tag?.TaggedTime ?? 0, Index: index, LastContact: 0, KnownLeader: false, NextToken: '' };
    return { json: reply, headers: { 'X-Nomad-Index': String(index) } };
  };
  server.route(['PUT', 'POST', 'DELETE'], '/v1/job/:id/versions/:name/tag', tagRoute);

  server.route(['POST', 'PUT'], '/v1/job/:id/plan', async (r) => {
    const body = await r.json();
    if (!isObj(body) || !isObj(body.Job)) throw new HttpError(400, 'Job must be specified');
    const job = body.Job;
    if (typeof job.ID !== 'string' || !job.ID) throw new HttpError(400, 'Job must have a valid ID');
    if (job.ID !== r.params.id) throw new HttpError(400, 'Job ID does not match');
    const namespace = r.query.get('namespace') || (typeof body.Namespace === 'string' && body.Namespace) || (typeof job.Namespace === 'string' && job.Namespace) || 'default';
    acl.check(r.headers, namespace, 'submit-job');
    return { json: plan(cluster, job, namespace, body.Diff === true) };
  });

  server.route(['POST', 'PUT'], '/v1/validate/job', async (r) => {
    const body = await r.json();
    if (!isObj(body) || !isObj(body.Job)) throw new HttpError(400, 'Job must be specified');
    const namespace = r.query.get('namespace') || (typeof body.Job.Namespace === 'string' && body.Job.Namespace) || 'default';
    acl.check(r.headers, namespace, 'read-job');
    const canon = cluster.canonicalize(body.Job, namespace);
    const errs = validateJob(canon, cluster.namespaces.has(namespace));
    return { json: { DriverConfigValidated: true, ValidationErrors: errs.length ? errs : null, Error: errs.length ? multiError(errs) : '', Warnings: '' } };
  });

  // ------------------------------------------------------------ evaluations, allocations, deployments
  server.route('GET', '/v1/evaluation/:id', async (r) => {
    const res = await block(r, () => {
      const ev = cluster.evals.get(r.params.id);
      return { index: ev ? ev.ModifyIndex : cluster.tableIndex('evals'), ev };
    });
    if (!res.ev) throw new HttpError(404, 'eval not found');
    acl.check(r.headers, res.ev.Namespace, 'read-job');
    return ok(renderEval(res.ev), res.index);
  });
  server.route('GET', '/v1/evaluation/:id/allocations', (r) => {
    const ev = cluster.evals.get(r.params.id);
    if (ev) acl.check(r.headers, ev.Namespace, 'read-job');
    const list = [...cluster.allocs.values()].filter((a) => a.EvalID === r.params.id);
    return ok(list.map((a) => allocStub(a, false)), cluster.tableIndex('allocs'));
  });
  server.route('GET', '/v1/evaluations', async (r) => {
    const nsSet = new Set(allowedNamespaces(r, 'read-job'));
    const prefix = r.query.get('prefix') ?? '';
    const res = await block(r, () => ({
      index: cluster.tableIndex('evals'),
      list: [...cluster.evals.values()].filter((e) => nsSet.has(e.Namespace) && e.ID.startsWith(prefix)),
    }));
    return ok(res.list.map(renderEval), res.index);
  });
  server.route('GET', '/v1/allocation/:id', async (r) => {
    const res = await block(r, () => {
      const a = findAlloc(cluster.allocs, r.params.id);
      return { index: a ? a.ModifyIndex : cluster.tableIndex('allocs'), a };
    });
    if (!res.a) throw new HttpError(404, 'alloc not found');
    acl.check(r.headers, res.a.Namespace, 'read-job');
    return ok(allocFull(res.a, true), res.index);
  });
  server.route('GET', '/v1/allocations', async (r) => {
    const nsSet = new Set(allowedNamespaces(r, 'read-job'));
    const prefix = r.query.get('prefix') ?? '';
    const withRes = boolParam(r.query, 'resources');
    const pred = filterOf(r.query, { strict: true });
    const res = await block(r, () => ({
      index: cluster.tableIndex('allocs'),
      list: [...cluster.allocs.values()].filter((a) => nsSet.has(a.Namespace) && a.ID.startsWith(prefix)),
    }));
    return ok(filterAllocs(res.list, pred).map((a) => allocStub(a, withRes)), res.index);
  });
  server.route('GET', '/v1/deployment/:id', async (r) => {
    const res = await block(r, () => {
      const d = cluster.deployments.get(r.params.id) ?? [...cluster.deployments.values()].find((x) => x.ID.startsWith(r.params.id));
      return { index: d ? d.ModifyIndex : cluster.tableIndex('deployment'), d };
    });
    if (!res.d) throw new HttpError(404, 'deployment not found');
    acl.check(r.headers, res.d.Namespace, 'read-job');
    return ok(res.d, res.index);
  });
  server.route('GET', '/v1/deployment/allocations/:id', (r) => {
    const d = cluster.deployments.get(r.params.id);
    if (!d) throw new HttpError(404, 'deployment not found');
    acl.check(r.headers, d.Namespace, 'read-job');
    const list = [...cluster.allocs.values()].filter((a) => a.DeploymentID === d.ID);
    return ok(list.map((a) => allocStub(a, false)), cluster.tableIndex('allocs'));
  });
  server.route('GET', '/v1/deployments', async (r) => {
    const nsSet = new Set(allowedNamespaces(r, 'read-job'));
    const res = await block(r, () => ({ index: cluster.tableIndex('deployment'), list: [...cluster.deployments.values()].filter((d) => nsSet.has(d.Namespace)) }));
    return ok(res.list, res.index);
  });

  installClientAllocRoutes(server, { cluster, acl, clock });

  // ------------------------------------------------------------ event stream
  /**
   * The event stream (command/agent/event_endpoint.go `EventStream`, nomad/event_endpoint.go `stream`): a bad
   * index or topic is a 400 before anything is sent; after that the 200 header goes out first, so a token
   * problem ends the stream empty (200, then EOF). `index` picks where the subscription starts (`since`).
   */
  server.route('GET', '/v1/event/stream', (r) => {
    const rawIndex = r.query.get('index') || '0';
    const from = parseGoInt(rawIndex);
    if (typeof from === 'string') throw new HttpError(400, `Unable to parse index: strconv.Atoi: parsing ${JSON.stringify(rawIndex)}: ${from}`);
    let topics: Map<string, string[]>;
    try {
      topics = r.query.has('topic') ? parseTopics(r.query.getAll('topic')) : parseTopics([]);
    } catch (err) {
      throw new HttpError(400, `Invalid topic query: ${(err as Error).message}`);
    }
    const namespace = ns(r);
    // `*` means the namespaces that exist now: events of one created later are not delivered (validateACL).
    const filter: EventFilter = { topics, namespaces: namespace === '*' ? [...cluster.namespaces.keys()] : [namespace] };
    const res = r.res;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (!eventStreamAllowed(acl, acl.tokenOf(r.headers), filter.namespaces, topics)) {
      res.end();
      return 'streamed';
    }
    const write = (obj: unknown): void => {
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(obj)}\n`);
    };
    // A negative index is a huge one once Nomad converts it to uint64: past every buffered frame.
    for (const f of cluster.events.since(from < 0 ? Number.MAX_SAFE_INTEGER : from)) {
      const out = filterFrame(f, filter);
      if (out) write(out);
    }
    const unsubscribe = cluster.events.subscribe((frame) => {
      const out = filterFrame(frame, filter);
      if (out) write(out);
    });
    let timer = clock.setTimeout(function beat() {
      write({});
      timer = clock.setTimeout(beat, cluster.timings.heartbeatMs);
    }, cluster.timings.heartbeatMs);
    const stop = (): void => {
      unsubscribe();
      clock.clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    r.signal.addEventListener('abort', stop, { once: true });
    return 'streamed';
  });
}

/** Go's `strconv.Atoi` on a 64-bit machine: the number, or the reason text (`invalid syntax`, `value out of range`). */
function parseGoInt(text: string): number | string {
  if (!/^[+-]?\d+$/.test(text)) return 'invalid syntax';
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return 'value out of range';
  return Number(n);
}

/**
 * Whether `token` may follow `topics` in every namespace of `namespaces` (nomad/event_endpoint.go
 * `validateACL`, `validateNsOp`): job-related topics need `read-job` in each, `Node` any valid token here,
 * every other topic (and `*`) a management token. Always true with ACLs off.
 */
function eventStreamAllowed(acl: AclStore, token: ReturnType<AclStore['tokenOf']>, namespaces: string[], topics: Map<string, string[]>): boolean {
  if (!acl.enabled) return true;
  if (!token) return false;
  for (const topic of topics.keys()) {
    if (['Deployment', 'Evaluation', 'Allocation', 'Job', 'Service', 'CSIPlugin'].includes(topic)) {
      if (!namespaces.every((n) => acl.allows(token, n, 'read-job'))) return false;
    } else if (topic !== 'Node' && !token.management) return false;
  }
  return true;
}

function findAlloc(allocs: Map<string, SimAlloc>, id: string): SimAlloc | undefined {
  const exact = allocs.get(id);
  if (exact) return exact;
  if (id.length < 8) return undefined;
  return [...allocs.values()].find((a) => a.ID.startsWith(id));
}

/** `POST /v1/job/:id/plan`: a dry run against the current state. */
export function plan(cluster: Cluster, submitted: Record<string, unknown>, namespace: string, withDiff: boolean): JobPlanResponse {
  const canon = cluster.canonicalize(submitted, namespace);
  const errs = validateJob(canon, cluster.namespaces.has(namespace));
  if (errs.length) throw new HttpError(500, multiError(errs));
  const rec = cluster.record(namespace, canon.ID);
  const old = rec?.job;
  // Job.Plan runs no `validateJobUpdate` (a type change plans; only the register refuses it) and asks
  // `SpecChanged` of the submitted job, which carries no token accessor (nomad/job_endpoint.go).
  const changed = !old || specChanged(old, canon);
  const next: Job = {
    ...canon,
    Version: old ? (changed ? (old.Version ?? 0) + 1 : old.Version) : 0,
    JobModifyIndex: old ? (changed ? cluster.index + 1 : old.JobModifyIndex) : cluster.index + 1,
  };
  const live = cluster.jobAllocations(namespace, canon.ID).filter((a) => a.DesiredStatus === 'run' && (a.ClientStatus === 'pending' || a.ClientStatus === 'running'));
  const desired: NonNullable<JobPlanResponse['Annotations']>['DesiredTGUpdates'] = {};
  const updates: Record<string, GroupUpdates> = {};
  const failed: Record<string, ReturnType<typeof placeGroup>['metric'] & object> = {};
  const liveAll = [...cluster.allocs.values()].filter((a) => a.DesiredStatus === 'run' && (a.ClientStatus === 'pending' || a.ClientStatus === 'running'));
  for (const g of next.TaskGroups) {
    const p = cluster.planGroup(next, g, live, undefined, !!next.Stop);
    const d = {
      Ignore: p.ignore.length + p.destructiveLater,
      Place: p.place.length,
      Migrate: 0,
      Stop: p.stop.length,
      InPlaceUpdate: p.inplace.length,
      DestructiveUpdate: p.destructive.length,
      Canary: 0,
      Preemptions: 0,
      Disconnect: 0,
      Reconnect: 0,
      RescheduleNow: 0,
      RescheduleLater: 0,
    };
    desired[g.Name] = d;
    const u: Record<string, number> = {};
    if (d.Ignore) u.ignore = d.Ignore;
    if (d.Place) u.create = d.Place;
    if (d.Stop) u.destroy = d.Stop;
    if (d.InPlaceUpdate) u['in-place update'] = d.InPlaceUpdate;
    if (d.DestructiveUpdate) u['create/destroy update'] = d.DestructiveUpdate;
    updates[g.Name] = { updates: u };
    const others = liveAll
      .filter((a) => !(a.JobID === next.ID && a.Namespace === namespace && p.destructive.includes(a)))
      .map((a) => {
        const ag = a.job.TaskGroups.find((x) => x.Name === a.TaskGroup);
        let cpu = 0;
        let memory = 0;
        for (const t of ag?.Tasks ?? []) {
          cpu += t.Resources?.CPU ?? 100;
          memory += t.Resources?.MemoryMB ?? 300;
        }
        return { NodeID: a.NodeID, JobID: a.JobID, Namespace: a.Namespace, TaskGroup: a.TaskGroup, cpu, memory };
      });
    const toPlace = p.place.length + p.destructive.length;
    if (toPlace > 0) {
      const result = placeGroup(next, g, toPlace, cluster.nodes, others, new Prng(0), cluster.now() * 1e6);
      if (result.failed > 0 && result.metric) failed[g.Name] = result.metric;
    }
  }
  for (const g of old?.TaskGroups ?? []) {
    if (next.TaskGroups.some((x) => x.Name === g.Name)) continue;
    const n = live.filter((a) => a.TaskGroup === g.Name).length;
    desired[g.Name] = { Ignore: 0, Place: 0, Migrate: 0, Stop: n, InPlaceUpdate: 0, DestructiveUpdate: 0, Canary: 0, Preemptions: 0, Disconnect: 0, Reconnect: 0, RescheduleNow: 0, RescheduleLater: 0 };
    updates[g.Name] = { updates: n ? { destroy: n } : {} };
  }
  return {
    Annotations: { DesiredTGUpdates: desired, PreemptedAllocs: null },
    FailedTGAllocs: Object.keys(failed).length ? failed : null,
    JobModifyIndex: old?.JobModifyIndex ?? 0,
    CreatedEvals: null,
    Diff: withDiff ? jobDiff(old, next, updates) : null,
    NextPeriodicLaunch: '0001-01-01T00:00:00Z',
    Warnings: '',
    Index: old?.JobModifyIndex ?? 0,
  };
}

