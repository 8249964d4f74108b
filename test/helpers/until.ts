/**
 * Waits for real I/O (loopback HTTP, child processes) until `cond` holds: bounded, and ended by the
 * condition, never by a fixed pause. Nothing here moves a FakeClock.
 */
import { flushPromises } from '../../lib/runtime/clock';

export async function until(cond: () => boolean | Promise<boolean>, what: string, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await cond()) return;
    await flushPromises();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}
