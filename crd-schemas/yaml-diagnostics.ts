/**
 * Positions and wording of the config and policy files' YAML errors: a duplicate key is named as written
 * with the line of its first definition (the yaml library says only "Map keys must be unique", at the
 * second one), and an offset becomes line:col.
 */
import { LineCounter, isNode, isScalar, parseDocument, visit, type Node } from 'yaml';

/** 1-based line and column of an offset. */
export interface LineCol {
  line: number;
  col: number;
}

/** Line and column of `offset` in `text`. */
export function lineColAt(text: string, offset: number): LineCol {
  const counter = new LineCounter();
  parseDocument(text, { lineCounter: counter });
  return counter.linePos(offset);
}

/**
 * For the yaml library's `DUPLICATE_KEY` error at `offset` (the repeated key): the key as written and where
 * it was first defined in the same mapping; undefined when it cannot be found.
 */
export function duplicateKey(text: string, offset: number): { key: string; first: LineCol } | undefined {
  const counter = new LineCounter();
  // Read again without the uniqueness rule: both pairs are kept, in the order written.
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  let found: { key: string; first: LineCol } | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Map<unknown, Node>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isNode(key) || !key.range) continue;
        const value: unknown = isScalar(key) ? key.value : String(key);
        const earlier = seen.get(value);
        if (earlier?.range && key.range[0] === offset) {
          found = { key: key.toString(), first: counter.linePos(earlier.range[0]) };
          return visit.BREAK;
        }
        if (!earlier) seen.set(value, key);
      }
      return undefined;
    },
  });
  return found;
}

/** The message of a YAML syntax error: a duplicate key names the key and the line of its first definition. */
export function yamlErrorMessage(text: string, e: { code: string; message: string; pos: [number, number] }): string {
  if (e.code === 'DUPLICATE_KEY') {
    const dup = duplicateKey(text, e.pos[0]);
    if (dup) return `duplicate key "${dup.key}" (first defined at line ${dup.first.line}:${dup.first.col})`;
  }
  return e.message.split('\n')[0];
}

/** `unknown key "Prune" in reconcile` for the key at the end of `path` (as written in the file). */
export function unknownKeyMessage(path: ReadonlyArray<string | number>): string {
  const key = JSON.stringify(String(path[path.length - 1]));
  const parent = path.slice(0, -1);
  return parent.length > 0 ? `unknown key ${key} in ${parent.join('.')}` : `unknown key ${key}`;
}
