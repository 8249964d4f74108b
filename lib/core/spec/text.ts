/**
 * Turning a spec file's bytes into text, with the problems that stop before parsing: too large, not
 * UTF-8, empty.
 */
import type { Diagnostic } from '../diagnostics';

/** Specs above this size are refused. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** The decoded text, or the diagnostic that prevents decoding it. */
export type DecodeResult = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

const NON_SPACE = /\S/;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes and checks a spec file's content (bytes or already-decoded text). */
export function decodeSpecText(input: string | Uint8Array, file: string): DecodeResult {
  // The size in bytes, or a lower bound where it cannot exceed the limit: a UTF-16 code unit takes at most 3
  // UTF-8 bytes, so short strings skip counting their bytes (done once per render).
  const size = typeof input === 'string' ? (input.length * 3 <= MAX_SPEC_BYTES ? input.length : Buffer.byteLength(input, 'utf8')) : input.byteLength;
  if (size > MAX_SPEC_BYTES) return fail(tooLarge(size, file));
  let text: string;
  if (typeof input === 'string') {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    try {
      text = decoder.decode(input);
    } catch {
      const offset = firstInvalidUtf8(input);
      const pos = bytePosition(input, offset);
      return fail({ code: 'FILE_ENCODING', severity: 'error', file, ...pos, message: `the spec is not valid UTF-8: byte 0x${input[offset].toString(16).padStart(2, '0')} at offset ${offset}`, hint: 'save the file as UTF-8' });
    }
  }
  // `\S` (the complement of what trim() strips) finds the first visible character without copying the text.
  if (!NON_SPACE.test(text)) return fail({ code: 'FILE_EMPTY', severity: 'error', file, line: 1, col: 1, message: 'the spec is empty', hint: 'a spec needs at least name, tier, contact and one [[group]] with a [[group.task]]' });
  return { ok: true, text };
}

/** The `FILE_TOO_LARGE` diagnostic of a spec of `size` bytes (at least; a reader may stop past the limit). */
export function tooLarge(size: number, file: string): Diagnostic {
  return { code: 'FILE_TOO_LARGE', severity: 'error', file, line: 1, col: 1, message: `the spec is ${size} bytes; the limit is ${MAX_SPEC_BYTES} bytes (1 MiB)` };
}

function fail(diagnostic: Diagnostic): DecodeResult {
  return { ok: false, diagnostic };
}

/** Offset of the first byte that does not start (or continue) a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let n: number;
    let min: number;
    if (b < 0x80) { i++; continue; }
    else if (b >= 0xc2 && b <= 0xdf) { n = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { n = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return bytes.length;
}

/** 1-based line and column (in characters) of a byte offset. */
function bytePosition(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) { line++; lineStart = i + 1; }
  const prefix = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, col: [...prefix].length + 1 };
}
