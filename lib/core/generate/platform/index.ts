/**
 * The platform concerns the generator applies, in order. Each is a pure `(job, ctx) => job`.
 */
import type { PlatformFn } from '../context';
import { ipv6 } from './ipv6';
import { spread } from './spread';
import { update } from './update';
import { traefik } from './traefik';

/** Platform functions by name, in the order they run. */
export const PLATFORM: ReadonlyArray<readonly [string, PlatformFn]> = [
  ['ipv6', ipv6],
  ['spread', spread],
  ['update', update],
  ['traefik', traefik],
];
