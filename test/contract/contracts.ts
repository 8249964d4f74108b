/**
 * Contract checking: a validator for the subset of OpenAPI / JSON Schema that test/contracts/nomad-openapi.yaml
 * uses (type, properties, items, $ref, additionalProperties, nullable), and a shape matcher that compares a
 * response with a sample response's key set and value types where the document has no schema.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** The project's copy of the contracts (test/contracts; see its README for where it comes from). */
export const CONTRACTS_DIR = path.resolve(__dirname, '../contracts');

/** Reads a contract file of the project's copy. */
export function contractFile(name: string): string {
  return fs.readFileSync(path.join(CONTRACTS_DIR, name), 'utf8');
}

/** A sample response parsed. */
export function sample(name: string): unknown {
  return JSON.parse(contractFile(`samples/${name}`)) as unknown;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  nullable?: boolean;
  additionalProperties?: Schema | boolean;
  format?: string;
}

/**
 * Fields the document lacks. contracts/README.md lists the generation gap (the document follows Nomad 1.4's
 * `api` package): NodePool, Multiregion, Meta on JobListStub; NodePool, UI, VersionTag, Identity, Identities,
 * Actions on Job. The others are the same gap on nested objects, each present in the reconstructed server
 * responses of samples/ (e.g. nomad-job-read.json: Template.Once, LogConfig.Disabled, Service.Namespace,
 * ServiceCheck.TLSServerName), plus the server's wire name `Index` for the query metadata the `api` package
 * calls `LastIndex`.
 */
export const KNOWN_GAPS: Record<string, string[]> = {
  JobRegisterResponse: ['Index'],
  JobDeregisterResponse: ['Index', 'VolumeEvalID', 'VolumeEvalIndex'],
  JobPlanResponse: ['Index'],
  JobVersionsResponse: ['Index'],
  LogConfig: ['Disabled'],
  AllocationListStub: ['DesiredTransition', 'NextAllocation'],
  Deployment: ['EvalPriority', 'CreateTime', 'ModifyTime'],
  DeploymentState: ['AutoPromote'],
  JobListStub: ['NodePool', 'Multiregion', 'Meta'],
  Job: ['NodePool', 'UI', 'VersionTag', 'Identity', 'Identities', 'Actions'],
  TaskGroup: ['Disconnect', 'Consul', 'MaxRunDuration', 'PreventRescheduleOnLost'],
  Task: ['Identity', 'Identities', 'Actions', 'Schedule', 'Secrets', 'Consul'],
  Service: ['Cluster', 'Identity', 'Kind', 'Weights', 'Namespace'],
  Resources: ['NUMA', 'SecretsMB'],
  Template: ['Uid', 'Gid', 'ErrMissingKey', 'Once'],
  Vault: ['Role', 'Cluster', 'AllowTokenExpiration', 'DisableFile'],
  Namespace: ['NodePoolConfiguration', 'VaultConfiguration', 'ConsulConfiguration'],
  NodeListStub: ['NodePool', 'LastDrain'],
  Node: ['NodePool', 'LastDrain'],
  AllocationMetric: ['NodesInPool', 'NodePool', 'ResourcesExhausted'],
  Allocation: ['NetworkStatus', 'SigningKeyID'],
  RestartPolicy: ['RenderTemplates'],
  DesiredUpdates: ['Disconnect', 'Reconnect', 'RescheduleNow', 'RescheduleLater'],
  ServiceCheck: ['Notes', 'FailuresBeforeWarning', 'TLSServerName'],
  TaskState: ['Paused'],
  AllocatedSharedResources: [],
};

/** Scalars that are Go pointers (or `[]byte`) on the server and so may be `null` (samples/nomad-job-read.json). */
export const NULLABLE_SCALARS: Record<string, string[]> = {
  Template: ['Uid', 'Gid'],
  TaskGroup: ['ShutdownDelay', 'StopAfterClientDisconnect', 'MaxClientDisconnect', 'MaxRunDuration'],
  Job: ['Payload'],
  AllocDeploymentStatus: ['Healthy'],
};

/** The parsed OpenAPI document with a validator. */
export class OpenApi {
  private readonly schemas: Record<string, Schema>;

  constructor(text = contractFile('nomad-openapi.yaml')) {
    const doc = parse(text) as { components: { schemas: Record<string, Schema> } };
    this.schemas = doc.components.schemas;
  }

  /** Whether the document defines a schema. */
  has(name: string): boolean {
    return name in this.schemas;
  }

  /** Problems of `value` against schema `name` (empty when valid). Missing keys are allowed (§0). */
  validate(value: unknown, name: string, where = '$'): string[] {
    const errors: string[] = [];
    this.check(value, { $ref: `#/components/schemas/${name}` }, where, errors, name);
    return errors;
  }

  private resolve(schema: Schema): { schema: Schema; name?: string } {
    let s = schema;
    let name: string | undefined;
    while (s.$ref) {
      name = s.$ref.replace('#/components/schemas/', '');
      const next = this.schemas[name];
      if (!next) throw new Error(`unresolved $ref ${s.$ref}`);
      s = next;
    }
    return { schema: s, name };
  }

  private check(value: unknown, raw: Schema, where: string, errors: string[], ownerName?: string): void {
    const { schema, name } = this.resolve(raw);
    const schemaName = name ?? ownerName;
    const type = schema.type ?? (schema.properties ? 'object' : undefined);
    if (value === null) {
      // Go nil pointers, slices and maps encode as null; scalars never do.
      if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') {
        if (!schema.nullable) errors.push(`${where}: null where ${type} expected`);
      }
      return;
    }
    switch (type) {
      case 'string':
        if (typeof value !== 'string') errors.push(`${where}: expected string, got ${JSON.stringify(value)}`);
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) errors.push(`${where}: expected integer, got ${JSON.stringify(value)}`);
        return;
      case 'number':
        if (typeof value !== 'number') errors.push(`${where}: expected number, got ${JSON.stringify(value)}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') errors.push(`${where}: expected boolean, got ${JSON.stringify(value)}`);
        return;
      case 'array':
        if (!Array.isArray(value)) {
          errors.push(`${where}: expected array, got ${typeof value}`);
          return;
        }
        if (schema.items) value.forEach((v, i) => this.check(v, schema.items as Schema, `${where}[${i}]`, errors));
        return;
      case 'object':
      case undefined: {
        if (type === undefined && !schema.properties && !schema.additionalProperties) return;
        if (typeof value !== 'object' || Array.isArray(value)) {
          errors.push(`${where}: expected object, got ${Array.isArray(value) ? 'array' : typeof value}`);
          return;
        }
        const props = schema.properties ?? {};
        const free = !schema.properties && (schema.additionalProperties === undefined || schema.additionalProperties === true);
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (v === null && schemaName && NULLABLE_SCALARS[schemaName]?.includes(k)) continue;
        if (props[k]) this.check(v, props[k], `${where}.${k}`, errors);
          else if (typeof schema.additionalProperties === 'object') this.check(v, schema.additionalProperties, `${where}.${k}`, errors);
          else if (!free && !(schemaName && KNOWN_GAPS[schemaName]?.includes(k))) errors.push(`${where}.${k}: not a field of ${schemaName ?? 'the schema'}`);
        }
        return;
      }
      default:
        errors.push(`${where}: unsupported schema type ${type}`);
    }
  }
}

function isStructKeys(o: Record<string, unknown>): boolean {
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => /^[A-Z][A-Za-z0-9]*$/.test(k));
}

function kind(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Compares `actual` with a sample: every key of a struct (PascalCase keys) must appear in the sample's
 * object (mode `subset`), or every key of the sample's struct must appear in `actual` (mode `covers`, for
 * objects whose extra keys the OpenAPI schema already checks); values of common keys must have the same
 * JSON type (null matches anything: Go nil vs value). Maps (data keys) compare their values with the
 * sample's values when those share one type; arrays their elements with the sample's first element.
 */
export function shapeErrors(actual: unknown, expected: unknown, where = '$', mode: 'subset' | 'covers' = 'subset'): string[] {
  const errors: string[] = [];
  const walk = (a: unknown, e: unknown, at: string): void => {
    if (a === null || a === undefined || e === null || e === undefined) return;
    if (kind(a) !== kind(e)) {
      errors.push(`${at}: ${kind(a)} where the sample has ${kind(e)}`);
      return;
    }
    if (Array.isArray(a) && Array.isArray(e)) {
      if (e.length) a.forEach((x, i) => walk(x, e[0], `${at}[${i}]`));
      return;
    }
    if (typeof a === 'object' && typeof e === 'object') {
      const ao = a as Record<string, unknown>;
      const eo = e as Record<string, unknown>;
      if (Object.keys(eo).length === 0) return;
      if (isStructKeys(eo)) {
        for (const k of Object.keys(ao)) {
          if (!(k in eo)) {
            if (mode === 'subset') errors.push(`${at}.${k}: key not in the sample`);
          } else walk(ao[k], eo[k], `${at}.${k}`);
        }
        if (mode === 'covers') for (const k of Object.keys(eo)) if (!(k in ao)) errors.push(`${at}.${k}: sample key missing`);
      } else {
        const values = Object.values(eo);
        if (values.every((v) => kind(v) === kind(values[0]))) for (const [k, v] of Object.entries(ao)) walk(v, values[0], `${at}[${JSON.stringify(k)}]`);
      }
    }
  };
  walk(actual, expected, where);
  return errors;
}
