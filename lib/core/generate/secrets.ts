/**
 * Vault: the task's identity (a role under workload identity, policies before Nomad 1.10) and one env-file
 * template per secret, read from the KV v2 mount.
 */
import type { Template, Vault } from '../nomad/types';
import type { GenerateContext } from './context';
import { goStringLiteral } from './grammar';

/** The Vault block of a task that reads secrets. */
export function vaultBlock(ctx: GenerateContext): Vault {
  if (ctx.config.vault.mode === 'policies') return { Policies: [...(ctx.vaultPolicies ?? [ctx.team])], ChangeMode: 'restart' };
  return { Role: ctx.vaultRole ?? ctx.team, ChangeMode: 'restart' };
}

/** File name of a secret's env file: the path with every non [a-z0-9_-] run replaced by "-". */
export function secretFileName(secret: string): string {
  return secret.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'secret';
}

/**
 * The template that renders every key of KV secret `secret` as KEY=value lines into the task's environment.
 * Callers pass only paths that follow the secret path grammar (grammar.ts); the path is quoted as a Go
 * string literal whatever it holds, so no value can end the `secret` action or open another.
 */
export function secretTemplate(secret: string, kvMount: string): Template {
  return {
    EmbeddedTmpl: `{{ with secret ${goStringLiteral(`${kvMount}/data/${secret}`)} }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }}\n{{ end }}{{ end }}\n`,
    DestPath: `secrets/${secretFileName(secret)}.env`,
    Envvars: true,
    ChangeMode: 'restart',
  };
}
