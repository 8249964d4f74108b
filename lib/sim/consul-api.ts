/**
 * The Consul HTTP API over the Consul state: agent self, catalog and health views of the services Nomad
 * allocations registered, KV (cas, acquire, release, recurse, keys, raw, flags) and sessions, with
 * `X-Consul-Index` blocking queries and the error texts of shared/contracts/CONSUL-API.md.
 */
import type { Clock } from '../runtime/clock';
import { blockingParams, blockOn } from './blocking';
import type { CatalogEntry, ConsulState } from './consul-state';
import { renderKv, renderSession } from './consul-state';
import { compileFilter } from './filter';
import { HttpError, type ApiServer, type Reply, type SimRequest } from './http-server';
import type { SimNode } from './nodes';

const MAX_WAIT_MS = 600_000;
const CONSUL_VERSION = '1.21.4';

function headers(index: number): Record<string, string> {
  return { 'X-Consul-Index': String(index), 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '0', 'X-Consul-Effective-Consistency': 'leader' };
}

function present(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== 'false';
}

function node(n: SimNode, index: number): Record<string, unknown> {
  return {
    ID: n.ID,
    Node: n.Name,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: { lan: n.Address, lan_ipv6: n.Address, wan: n.Address, wan_ipv6: n.Address },
    Meta: { 'consul-network-segment': '', 'consul-version': CONSUL_VERSION },
    CreateIndex: index,
    ModifyIndex: index,
  };
}

function taggedAddresses(e: CatalogEntry): Record<string, unknown> {
  const i = e.instance;
  return { lan_ipv6: { Address: i.address, Port: i.port }, wan_ipv6: { Address: i.address, Port: i.port } };
}

function serfCheck(n: SimNode): Record<string, unknown> {
  return {
    Node: n.Name,
    CheckID: 'serfHealth',
    Name: 'Serf Health Status',
    Status: 'passing',
    Notes: '',
    Output: 'Agent alive and reachable',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 11,
    ModifyIndex: 11,
  };
}

function serviceChecks(e: CatalogEntry): Array<Record<string, unknown>> {
  const i = e.instance;
  return i.checks.map((c) => ({
    Node: i.node.Name,
    CheckID: c.id,
    Name: c.name,
    Status: c.status,
    Notes: '',
    Output: c.output,
    ServiceID: i.id,
    ServiceName: i.name,
    ServiceTags: i.tags,
    Type: c.type,
    Interval: c.interval,
    Timeout: c.timeout,
    ExposedPort: 0,
    Definition: {},
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  }));
}

function tagsMatch(e: CatalogEntry, tags: string[]): boolean {
  return tags.every((t) => e.instance.tags.includes(t));
}

/** Installs the Consul routes on `server`. */
export function installConsulApi(server: ApiServer, state: ConsulState, clock: Clock, datacenter: string): void {
  const block = <T extends { index: number }>(r: SimRequest, run: () => T): Promise<T> =>
    blockOn(clock, state.feed, blockingParams(r.query, MAX_WAIT_MS, { index: 'Invalid index', wait: 'Invalid wait time' }), r.signal, run);
  const ok = (json: unknown, index: number): Reply => ({ json, headers: headers(index) });
  const filterOf = (r: SimRequest): ((x: unknown) => boolean) | undefined => {
    const f = r.query.get('filter');
    if (!f) return undefined;
    try {
      return compileFilter(f);
    } catch (err) {
      throw new HttpError(400, `Failed to create boolean expression evaluator: ${(err as Error).message}`);
    }
  };

  server.route('GET', '/v1/agent/self', () => ({
    json: {
      Config: { Datacenter: datacenter, PrimaryDatacenter: datacenter, NodeName: state.agentNode, NodeID: '00000000-0000-0000-0000-000000000001', Revision: 'simulated', Server: true, Version: CONSUL_VERSION, BuildDate: '2026-01-01T00:00:00Z' },
      Member: { Name: state.agentNode, Addr: '127.0.0.1', Port: 8301, Tags: { dc: datacenter, role: 'consul', build: CONSUL_VERSION }, Status: 1 },
      Meta: { 'consul-network-segment': '', 'consul-version': CONSUL_VERSION },
    },
  }));
  server.route('GET', '/v1/status/leader', () => ({ json: '127.0.0.1:8300' }));

  server.route('GET', '/v1/catalog/services', async (r) => {
    const pred = filterOf(r);
    const res = await block(r, () => {
      const out: Record<string, string[]> = pred ? {} : { consul: [] };
      for (const e of state.services.values()) {
        const i = e.instance;
        if (pred && !pred({ ServiceName: i.name, ServiceID: i.id, ServiceTags: i.tags, ServiceMeta: i.meta, ServiceAddress: i.address, ServicePort: i.port, Node: i.node.Name, Datacenter: i.node.Datacenter })) continue;
        const tags = (out[e.instance.name] ??= []);
        for (const t of e.instance.tags) if (!tags.includes(t)) tags.push(t);
      }
      return { index: state.tableIndex('services'), value: out };
    });
    return ok(res.value, res.index);
  });
  server.route('GET', '/v1/catalog/nodes', (r) => ok(state.nodes.filter((n) => !r.query.get('dc') || n.Datacenter === r.query.get('dc')).map((n) => node(n, 11)), state.tableIndex('nodes')));
  server.route('GET', '/v1/catalog/service/:name', async (r) => {
    const tags = r.query.getAll('tag');
    const pred = filterOf(r);
    const res = await block(r, () => ({ index: state.tableIndex('services'), list: state.instances(r.params.name).filter((e) => tagsMatch(e, tags)) }));
    const out = res.list
      .map((e) => {
        const i = e.instance;
        return {
          ID: i.node.ID,
          Node: i.node.Name,
          Address: i.node.Address,
          Datacenter: i.node.Datacenter,
          TaggedAddresses: { lan: i.node.Address, lan_ipv6: i.node.Address, wan: i.node.Address, wan_ipv6: i.node.Address },
          NodeMeta: { 'consul-network-segment': '', 'consul-version': CONSUL_VERSION },
          ServiceKind: '',
          ServiceID: i.id,
          ServiceName: i.name,
          ServiceTags: i.tags,
          ServiceAddress: i.address,
          ServiceTaggedAddresses: taggedAddresses(e),
          ServiceWeights: { Passing: 1, Warning: 1 },
          ServiceMeta: i.meta,
          ServicePort: i.port,
          ServiceSocketPath: '',
          ServiceEnableTagOverride: false,
          ServiceProxy: { Mode: '', MeshGateway: {}, Expose: {} },
          ServiceConnect: {},
          CreateIndex: e.createIndex,
          ModifyIndex: e.modifyIndex,
        };
      })
      .filter((x) => !pred || pred(x));
    return ok(out, res.index);
  });
  server.route('GET', '/v1/health/service/:name', async (r) => {
    const passingRaw = r.query.get('passing');
    if (passingRaw !== null && !['', 'true', 'false', '1', '0'].includes(passingRaw)) throw new HttpError(400, 'Invalid value for ?passing');
    const passing = passingRaw !== null && passingRaw !== 'false' && passingRaw !== '0';
    const tags = r.query.getAll('tag');
    const pred = filterOf(r);
    const res = await block(r, () => ({ index: state.tableIndex('services'), list: state.instances(r.params.name).filter((e) => tagsMatch(e, tags)) }));
    const out = res.list
      .map((e) => {
        const i = e.instance;
        return {
          Node: node(i.node, 11),
          Service: {
            ID: i.id,
            Service: i.name,
            Tags: i.tags,
            Address: i.address,
            TaggedAddresses: taggedAddresses(e),
            Meta: i.meta,
            Port: i.port,
            Weights: { Passing: 1, Warning: 1 },
            EnableTagOverride: false,
            Proxy: { Mode: '', MeshGateway: {}, Expose: {} },
            Connect: {},
            PeerName: '',
            CreateIndex: e.createIndex,
            ModifyIndex: e.modifyIndex,
          },
          Checks: [serfCheck(i.node), ...serviceChecks(e)],
        };
      })
      .filter((x) => !passing || x.Checks.every((c) => c.Status === 'passing'))
      .filter((x) => !pred || pred(x));
    return ok(out, res.index);
  });
  server.route('GET', '/v1/health/checks/:name', (r) => ok(state.instances(r.params.name).flatMap(serviceChecks), state.tableIndex('services')));

  // ------------------------------------------------------------ KV
  server.route('GET', '/v1/kv/:key*', async (r) => {
    const key = r.params.key;
    const recurse = present(r.query, 'recurse');
    const keys = present(r.query, 'keys');
    if (!key && !recurse && !keys) throw new HttpError(400, 'Missing key name');
    const res = await block(r, () => ({ index: state.kvIndex(key, recurse || keys), list: recurse || keys ? state.kvList(key) : [state.kv.get(key)].filter((e) => e !== undefined) }));
    if (keys) {
      const sep = r.query.get('separator') ?? '';
      const names = new Set<string>();
      for (const e of res.list) {
        if (sep) {
          const rest = e.Key.slice(key.length);
          const at = rest.indexOf(sep);
          names.add(at >= 0 ? key + rest.slice(0, at + sep.length) : e.Key);
        } else names.add(e.Key);
      }
      if (names.size === 0 && key) return { status: 404, text: '', headers: headers(res.index) };
      return ok([...names].sort(), res.index);
    }
    if (res.list.length === 0) return { status: 404, text: '', headers: headers(res.index) };
    if (present(r.query, 'raw') && !recurse) {
      return { status: 200, text: res.list[0].Value?.toString('utf8') ?? '', headers: headers(res.index) };
    }
    return ok(res.list.map(renderKv), res.index);
  });
  server.route('PUT', '/v1/kv/:key*', async (r) => {
    const key = r.params.key;
    if (!key) throw new HttpError(400, 'Missing key name');
    const given = ['cas', 'acquire', 'release'].filter((k) => r.query.has(k));
    if (given.length > 1) throw new HttpError(400, `Conflicting flags: ${r.query.toString()}`);
    const body = await r.body();
    if (body.length > 512 * 1024) throw new HttpError(413, `Request body(${body.length} bytes) too large, max size: 524288 bytes. See https://developer.hashicorp.com/consul/docs/agent/config/config-files#kv_max_value_size.`);
    const opts: { flags?: number; cas?: number; acquire?: string; release?: string } = {};
    if (r.query.has('flags')) opts.flags = Number(r.query.get('flags'));
    if (r.query.has('cas')) {
      const cas = r.query.get('cas') ?? '';
      if (!/^\d+$/.test(cas)) throw new HttpError(400, `Invalid cas index: strconv.ParseUint: parsing "${cas}": invalid syntax`);
      opts.cas = Number(cas);
    }
    if (r.query.has('acquire')) opts.acquire = r.query.get('acquire') ?? '';
    if (r.query.has('release')) opts.release = r.query.get('release') ?? '';
    return { json: state.kvPut(key, body, opts) };
  });
  server.route('DELETE', '/v1/kv/:key*', (r) => {
    const recurse = present(r.query, 'recurse');
    if (recurse && r.query.has('cas')) throw new HttpError(400, 'Conflicting flags: cas,recurse');
    if (!r.params.key && !recurse) throw new HttpError(400, 'Missing key name');
    const cas = r.query.has('cas') ? Number(r.query.get('cas')) : undefined;
    return { json: state.kvDelete(r.params.key, { recurse, cas }) };
  });

  // ------------------------------------------------------------ sessions
  server.route('PUT', '/v1/session/create', async (r) => {
    const raw = await r.body();
    let body: Record<string, unknown> = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new HttpError(400, `Request decode failed: ${(err as Error).message}`);
      }
    }
    return { json: { ID: state.createSession(body) } };
  });
  server.route('PUT', '/v1/session/renew/:id', (r) => {
    const s = state.renewSession(r.params.id);
    if (!s) throw new HttpError(404, `Session id '${r.params.id}' not found`);
    return { json: [renderSession(s)], headers: headers(state.index) };
  });
  server.route('PUT', '/v1/session/destroy/:id', (r) => {
    state.destroySession(r.params.id);
    return { json: true };
  });
  server.route('GET', '/v1/session/info/:id', async (r) => {
    const res = await block(r, () => ({ index: state.tableIndex('sessions'), s: state.sessions.get(r.params.id) }));
    return ok(res.s ? [renderSession(res.s)] : [], res.index);
  });
  server.route('GET', '/v1/session/list', async (r) => {
    const res = await block(r, () => ({ index: state.tableIndex('sessions'), list: [...state.sessions.values()] }));
    return ok(res.list.map(renderSession), res.index);
  });
  server.route('GET', '/v1/session/node/:node', async (r) => {
    const res = await block(r, () => ({ index: state.tableIndex('sessions'), list: [...state.sessions.values()].filter((s) => s.Node === r.params.node) }));
    return ok(res.list.map(renderSession), res.index);
  });
}
