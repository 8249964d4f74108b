/**
 * A tiny HCL2 writer: attributes, blocks and values, with the escaping that makes a string mean exactly
 * what it held (`${` -> `$${`, `%{` -> `%%{`, quotes, backslashes, control characters) and `=` aligned
 * within runs of single-line attributes, the way `nomad fmt` lays a jobspec out.
 */

/** A value HCL can hold. */
export type HclValue = string | number | boolean | readonly HclValue[] | { readonly [key: string]: HclValue };

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f]|[$%]\{/;

/** True when `key` may be written bare (as an identifier). */
export function isIdentifier(key: string): boolean {
  return IDENT.test(key);
}

/** A quoted HCL string literal whose value is exactly `s` (template sequences escaped). */
export function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
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
    const arr = v as readonly HclValue[];
    if (arr.length === 0) return '[]';
    const inner = `${indent}  `;
    const items: string[] = new Array<string>(arr.length);
    let length = 0;
    let multi = false;
    for (let i = 0; i < arr.length; i++) {
      const x = value(arr[i], inner);
      items[i] = x;
      length += x.length + 2;
      if (!multi && typeof arr[i] === 'object') multi = x.includes('\n');
    }
    if (length <= 80 && !multi) return `[${items.join(', ')}]`;
    let out = '[';
    for (const x of items) out += `\n${inner}${x},`;
    return `${out}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, HclValue>);
  if (entries.length === 0) return '{}';
  const width = Math.max(...entries.map(([k]) => key(k).length));
  return `{\n${entries.map(([k, x]) => `${indent}  ${key(k).padEnd(width)} = ${value(x, `${indent}  `)}`).join('\n')}\n${indent}}`;
}

/**
 * Builds HCL text line by line: attributes are buffered so a run of single-line attributes shares one `=`
 * column; a block with nothing in it is written `type {}`; no blank line opens or closes a block.
 */
export class HclWriter {
  private readonly lines: string[] = [];
  private readonly names: string[] = [];
  private readonly texts: string[] = [];
  private readonly opened: number[] = [];
  private indent = '';

  /** `name = value`. */
  attr(name: string, v: HclValue): this {
    this.names.push(name);
    this.texts.push(value(v, this.indent));
    return this;
  }

  /** `name = <<-EOT ... EOT` for text that `heredocable` accepts, else a quoted string. */
  text(name: string, text: string): this {
    if (!heredocable(text)) return this.attr(name, text);
    this.flush();
    const inner = `${this.indent}  `;
    this.lines.push(`${this.indent}${name} = <<-EOT`);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const line = text.slice(from, nl);
      this.lines.push(`${inner}${line.includes('{') ? line.replace(/([$%])\{/g, '$1$1{') : line}`);
      from = nl + 1;
    }
    this.lines.push(`${inner}EOT`);
    return this;
  }

  /** Opens `type "label" ... {`. */
  open(type: string, ...labels: string[]): this {
    this.flush();
    let head = type;
    for (const l of labels) head += ` ${quote(l)}`;
    this.lines.push(`${this.indent}${head} {`);
    this.opened.push(this.lines.length - 1);
    this.indent += '  ';
    return this;
  }

  /** Closes the innermost block. */
  close(): this {
    this.flush();
    if (this.lines[this.lines.length - 1] === '') this.lines.pop();
    this.indent = this.indent.slice(2);
    const at = this.opened.pop();
    if (at === this.lines.length - 1) this.lines[at] = `${this.lines[at]}}`;
    else this.lines.push(`${this.indent}}`);
    return this;
  }

  /** A blank line between items (never at the start of a block, never two). */
  blank(): this {
    this.flush();
    const last = this.lines[this.lines.length - 1];
    if (last !== undefined && last !== '' && !last.endsWith('{')) this.lines.push('');
    return this;
  }

  /** The text written so far, ending with a newline. */
  toString(): string {
    this.flush();
    return `${this.lines.join('\n')}\n`;
  }

  private flush(): void {
    const n = this.names.length;
    if (n === 0) return;
    const { names, texts, indent } = this;
    let width = 0;
    for (let i = 0; i < n; i++) if (names[i].length > width && !texts[i].includes('\n')) width = names[i].length;
    for (let i = 0; i < n; i++) {
      const text = texts[i];
      this.lines.push(`${indent}${text.includes('\n') ? names[i] : names[i].padEnd(width)} = ${text}`);
    }
    names.length = 0;
    texts.length = 0;
  }
}
