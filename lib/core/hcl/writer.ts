/**
 * A tiny HCL2 writer: attributes, blocks and values, with the escaping that makes a string mean exactly
 * what it held (`${` -> `$${`, `%{` -> `%%{`, quotes, backslashes, control characters) and `=` aligned
 * within runs of single-line attributes, the way `nomad fmt` lays a jobspec out.
 */

/** A value HCL can hold. */
export type HclValue = string | number | boolean | readonly HclValue[] | { readonly [key: string]: HclValue };

/** One item of a body. */
export type HclItem =
  | { kind: 'attr'; name: string; value: HclValue }
  | { kind: 'block'; type: string; labels: readonly string[]; body: HclBody }
  | { kind: 'heredoc'; name: string; text: string }
  | { kind: 'blank' };

/** The body of a block (or of the file). */
export type HclBody = HclItem[];

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** True when `key` may be written bare (as an identifier). */
export function isIdentifier(key: string): boolean {
  return IDENT.test(key);
}

/** A quoted HCL string literal whose value is exactly `s` (template sequences escaped). */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = s.charCodeAt(i);
    if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if ((c === '$' || c === '%') && s[i + 1] === '{') out += c + c;
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

/** An object key: bare when it is an identifier, quoted otherwise. */
function key(k: string): string {
  return isIdentifier(k) ? k : quote(k);
}

/** True when `text` can be written as an indented heredoc and read back unchanged. */
export function heredocable(text: string): boolean {
  if (!text.endsWith('\n') || text.includes('\r')) return false;
  const lines = text.slice(0, -1).split('\n');
  return lines.every((l) => l !== '' && !/^\s/.test(l) && l.trim() !== 'EOT' && !hasControl(l));
}

/** True when the line holds a control character other than tab. */
function hasControl(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/** Renders a value inline (objects and long arrays over several lines, indented by `indent`). */
export function value(v: HclValue, indent: string): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const items = (v as readonly HclValue[]).map((x) => value(x, `${indent}  `));
    const flat = `[${items.join(', ')}]`;
    if (flat.length <= 80 && !flat.includes('\n')) return flat;
    return `[\n${items.map((x) => `${indent}  ${x},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, HclValue>);
  if (entries.length === 0) return '{}';
  const width = Math.max(...entries.map(([k]) => key(k).length));
  return `{\n${entries.map(([k, x]) => `${indent}  ${key(k).padEnd(width)} = ${value(x, `${indent}  `)}`).join('\n')}\n${indent}}`;
}

/** Renders a body at `indent`, aligning `=` across consecutive single-line attributes. */
export function renderBody(body: HclBody, indent: string): string {
  const lines: string[] = [];
  let run: Array<{ name: string; text: string }> = [];
  const flush = (): void => {
    const width = Math.max(0, ...run.filter((a) => !a.text.includes('\n')).map((a) => a.name.length));
    for (const a of run) lines.push(`${indent}${a.text.includes('\n') ? a.name : a.name.padEnd(width)} = ${a.text}`);
    run = [];
  };
  for (const item of body) {
    if (item.kind === 'attr') {
      const text = value(item.value, indent);
      if (text.includes('\n')) {
        flush();
        run.push({ name: item.name, text });
        flush();
      } else run.push({ name: item.name, text });
      continue;
    }
    flush();
    if (item.kind === 'blank') lines.push('');
    else if (item.kind === 'heredoc') {
      const inner = `${indent}  `;
      const escaped = item.text.slice(0, -1).split('\n').map((l) => `${inner}${l.replace(/([$%])\{/g, '$1$1{')}`);
      lines.push(`${indent}${item.name} = <<-EOT`, ...escaped, `${inner}EOT`);
    } else {
      const head = [item.type, ...item.labels.map(quote)].join(' ');
      if (item.body.length === 0) lines.push(`${indent}${head} {}`);
      else lines.push(`${indent}${head} {`, renderBody(item.body, `${indent}  `), `${indent}}`);
    }
  }
  flush();
  // Never two blank lines in a row, never a blank line at the start or end of a block.
  return lines.filter((l, i) => !(l === '' && (i === 0 || i === lines.length - 1 || lines[i - 1] === ''))).join('\n');
}
