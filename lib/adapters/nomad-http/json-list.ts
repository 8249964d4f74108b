/**
 * Parsing a large JSON array of objects (Nomad's job list) from its bytes in slices.
 *
 * Contract: `parseJsonList(bytes)` returns what `JSON.parse` of the whole text returns, or throws what it
 * throws. A list of thousands of stubs is about 10 MB; parsing it whole needs one string of that size,
 * allocated fresh every pass. Here it is cut into slices of about `sliceBytes` at element boundaries and
 * each slice is parsed on its own, so no string is larger than a slice.
 *
 * Where to cut: every element of a list Nomad writes starts with the same first key (Go writes struct
 * fields in order), so `},{"<first key>"` marks the end of one element and the start of the next. The
 * quote after the `{` cannot be inside a JSON string (it would be escaped there), but the same bytes can
 * occur inside an element (an array of objects with that first key). A slice cut there leaves an object
 * open, is not valid JSON, and makes the whole body be parsed at once instead: JSON.parse decides, the
 * slicing is never trusted.
 */
import { isAscii } from 'node:buffer';
import { textOf } from '../http/http-transport';

/** Slice size when none is given: large enough that per-slice costs vanish, small enough to stay a young string. */
export const DEFAULT_SLICE_BYTES = 64 << 10;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const QUOTE = 0x22;

/** The JSON value in `bytes` (see the file comment); `undefined` for an empty or blank body. */
export function parseJsonList(bytes: Buffer, sliceBytes = DEFAULT_SLICE_BYTES): unknown {
  const whole = (): unknown => {
    const text = textOf(bytes);
    return text.trim() === '' ? undefined : JSON.parse(text);
  };
  if (bytes.length <= sliceBytes * 2 || bytes[0] !== OPEN_BRACKET || bytes[1] !== OPEN_BRACE || bytes[2] !== QUOTE) return whole();
  const keyEnd = bytes.indexOf(QUOTE, 3);
  if (keyEnd < 0) return whole();
  // `},{"<first key>"`
  const delimiter = Buffer.concat([Buffer.from('},'), bytes.subarray(1, keyEnd + 1)]);
  // Cuts fall on ASCII bytes, so no UTF-8 sequence is ever split.
  const encoding = isAscii(bytes) ? 'latin1' : 'utf8';
  const decode = (from: number, to: number): string => bytes.toString(encoding, from, to);
  const out: unknown[] = [];
  let start = 1; // just after the opening bracket
  for (;;) {
    const at = start + sliceBytes < bytes.length ? bytes.indexOf(delimiter, start + sliceBytes) : -1;
    let part: unknown;
    try {
      // The last slice keeps the body's own closing bracket (and any whitespace after it).
      part = JSON.parse(at < 0 ? `[${decode(start, bytes.length)}` : `[${decode(start, at + 1)}]`);
    } catch {
      return whole();
    }
    if (!Array.isArray(part)) return whole();
    for (const x of part) out.push(x);
    if (at < 0) return out;
    start = at + 2; // the next element's opening brace
  }
}

