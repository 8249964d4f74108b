/**
 * `nomadguard schema`: the JSON Schema of nomadgen.toml, for editors (taplo, Even Better TOML);
 * `--markdown`: the spec reference generated from it (the README's "Spec reference" section).
 */
import type { Command } from 'commander';
import { specJsonSchemaText } from '../../../crd-schemas/json-schema';
import { specReferenceMarkdown } from '../../../crd-schemas/spec-reference';
import type { CliContext, RegisterCommand } from '../context';

/** Registers `schema`. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('schema')
    .description('Print the JSON Schema of nomadgen.toml (v1), for editor completion and validation.')
    .option('--markdown', 'print the spec reference instead: every key with its type, default, example and description')
    .action((opts: { markdown?: boolean }) => {
      ctx.stdout(opts.markdown ? specReferenceMarkdown() : specJsonSchemaText());
    });
};
