/**
 * JSON Schema of `nomadgen.toml` (v1), for editors (taplo, VS Code Even Better TOML) and other tools.
 * Exported from the zod schema so the two never disagree; `crd-schemas/nomadgen.schema.json` is the
 * committed copy and a test fails when it is stale.
 */
import { z } from 'zod';
import { SpecV1Schema } from './spec-v1';
import { SPEC_DOCS } from './spec-docs';

type Node = Record<string, unknown>;

/** Calls `visit` with every property of the schema and its dotted path (`group[].task[].image`). */
export function walkProperties(schema: Node, visit: (path: string, node: Node, required: boolean) => void, prefix = ''): void {
  const props = (schema.properties ?? {}) as Record<string, Node>;
  const required = new Set((schema.required ?? []) as string[]);
  for (const [key, node] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${key}` : key;
    visit(path, node, required.has(key));
    if (node.type === 'object' && node.properties) walkProperties(node, visit, path);
    const items = node.items as Node | undefined;
    if (node.type === 'array' && items?.type === 'object') walkProperties(items, visit, `${path}[]`);
  }
}

/** The JSON Schema (draft 2020-12) of the v1 spec, as an object, with each key's default and examples (spec-docs.ts). */
export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SpecV1Schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  walkProperties(schema, (path, node) => {
    const doc = SPEC_DOCS[path];
    if (!doc) return;
    if (doc.description !== undefined && node.description === undefined) node.description = doc.description;
    if (doc.default !== undefined) node.default = doc.default;
    if (doc.defaultText !== undefined) node['x-default'] = doc.defaultText;
    node.examples = doc.examples;
  });
  return {
    $schema: schema.$schema,
    $id: 'https://nomadguard.dev/schemas/nomadgen.schema.json',
    title: 'nomadgen.toml (v1)',
    description: 'A service description that nomadguard turns into a Nomad job.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** The JSON Schema as the text committed in crd-schemas/nomadgen.schema.json (2-space indent, final newline). */
export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}
