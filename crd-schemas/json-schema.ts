/**
 * JSON Schema of `nomadgen.toml` (v1), for editors (taplo, VS Code Even Better TOML) and other tools.
 * Exported from the zod schema so the two never disagree; `crd-schemas/nomadgen.schema.json` is the
 * committed copy and a test fails when it is stale.
 */
import { z } from 'zod';
import { SpecV1Schema } from './spec-v1';

/** The JSON Schema (draft 2020-12) of the v1 spec, as an object. */
export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SpecV1Schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
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
