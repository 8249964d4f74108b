/**
 * The bearer token that guards writes. Compared in constant time: both sides are hashed to equal-length
 * digests first, so neither the token's length nor its first differing byte shows in the timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The token of an `Authorization: Bearer <token>` header (the scheme in any case), or undefined. */
export function bearerToken(header: string | null): string | undefined {
  const m = header === null ? null : /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** True when the `Authorization` header carries exactly `expected`. */
export function tokenMatches(expected: string, header: string | null): boolean {
  const given = bearerToken(header);
  const ok = timingSafeEqual(digest(given ?? ''), digest(expected));
  return ok && given !== undefined;
}
