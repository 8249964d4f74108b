/** Placeholder. */
export async function run(): Promise<Record<string, unknown>> {
  await Promise.resolve();
  return { ratio: 0, target: 'n/a', met: false };
}
