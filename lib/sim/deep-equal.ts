/**
 * Equality of two JSON-shaped values as Go's `reflect.DeepEqual` sees them once decoded: an object's keys
 * are a Go map's keys or a struct's fields, so their order never counts; an array is a slice, compared
 * element by element in order; `null` (a nil slice, map or pointer) differs from `[]` and `{}` (empty but
 * not nil), as `encoding/json` decodes absent/`null` to nil and `[]`/`{}` to empty values. A key whose
 * value is `undefined` is absent, as in the JSON the value stands for.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}
