/**
 * `nomadguard schema`: the JSON Schema of nomadgen.toml, for editors (taplo, Even Better TOML).
 */
import type { Command } from 'commander';
import { specJsonSchemaText } from '../../../crd-schemas/json-schema';
import type { CliContext, RegisterCommand } from '../context';

/** Registers `schema`. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('schema')
    .description('Print the JSON Schema of nomadgen.toml (v1), for editor completion and validation.')
    .action(() => {
      ctx.stdout(specJsonSchemaText());
    });
};
