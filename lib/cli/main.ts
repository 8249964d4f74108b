/** The `nomadguard` command. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`nomadguard: not yet (${argv.join(' ')})\n`);
  return 0;
}
