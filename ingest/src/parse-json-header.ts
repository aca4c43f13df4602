// Parses one JSON value out of a byte buffer the way Relay's streaming serde_json reader does:
// leading whitespace is skipped, parsing stops right after the value (the caller checks the
// byte that follows), strings must be valid UTF-8, nesting is bounded and duplicate top-level
// keys are an error (serde rejects a struct field given twice, e.g. two `sent_at`). Pure.
import { MAX_JSON_DEPTH } from './limits.js';

export type JsonHeaderResult =
  | {
      ok: true;
      value: unknown;
      /** Offset of the first byte after the value. */
      end: number;
      /** Raw literal text of top-level number members (to tell `10` from `10.0` or `1e1`). */
      numberLiterals: Map<string, string>;
    }
  | { ok: false; error: string; /** true when only whitespace was left */ eof: boolean };

class JsonError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJsonHeader(buf: Buffer, offset: number): JsonHeaderResult {
  const p = new Parser(buf, offset);
  p.skipWs();
  if (p.pos >= buf.length) return { ok: false, error: 'EOF while parsing a value', eof: true };
  try {
    const value = p.value(0, true);
    return { ok: true, value, end: p.pos, numberLiterals: p.numberLiterals };
  } catch (err) {
    if (err instanceof JsonError) return { ok: false, error: err.message, eof: false };
    throw err;
  }
}

class Parser {
  pos: number;
  numberLiterals = new Map<string, string>();
  constructor(
    private readonly buf: Buffer,
    private readonly origin: number,
  ) {
    this.pos = origin;
  }

  skipWs(): void {
    const b = this.buf;
    while (this.pos < b.length) {
      const c = b[this.pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  /** Errors read like serde_json's (`expected value at line 1 column 1`), counted from the origin. */
  fail(what: string): never {
    const at = Math.min(this.pos, this.buf.length);
    let line = 1;
    let lineStart = this.origin;
    for (let i = this.buf.indexOf(0x0a, this.origin); i !== -1 && i < at; i = this.buf.indexOf(0x0a, i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new JsonError(`${what} at line ${line} column ${at - lineStart + 1}`);
  }

  value(depth: number, top = false): unknown {
    this.skipWs();
    const c = this.buf[this.pos];
    if (c === undefined) this.fail('EOF while parsing a value');
    if (c === 0x7b) return this.object(depth + 1, top);
    if (c === 0x5b) return this.array(depth + 1);
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return Number(this.number());
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    if (this.literal('null')) return null;
    return this.fail('expected value');
  }

  literal(word: string): boolean {
    for (let i = 0; i < word.length; i++) {
      if (this.buf[this.pos + i] !== word.charCodeAt(i)) return false;
    }
    this.pos += word.length;
    return true;
  }

  object(depth: number, top: boolean): Record<string, unknown> {
    if (depth > MAX_JSON_DEPTH) this.fail('recursion limit exceeded');
    this.pos++; // {
    const out: Record<string, unknown> = {};
    this.skipWs();
    if (this.buf[this.pos] === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.buf[this.pos] !== 0x22) this.fail('key must be a string');
      const key = this.string();
      this.skipWs();
      if (this.buf[this.pos] !== 0x3a) this.fail('expected `:`');
      this.pos++;
      if (top && Object.prototype.hasOwnProperty.call(out, key)) this.fail(`duplicate field \`${key}\``);
      this.skipWs();
      const start = this.pos;
      const value = this.value(depth);
      // A plain assignment of `__proto__` would replace the object's prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      if (top && typeof value === 'number') this.numberLiterals.set(key, this.buf.toString('latin1', start, this.pos));
      this.skipWs();
      const c = this.buf[this.pos];
      if (c !== 0x7d && c !== 0x2c) this.fail('expected `,` or `}`');
      this.pos++;
      if (c === 0x7d) return out;
    }
  }

  array(depth: number): unknown[] {
    if (depth > MAX_JSON_DEPTH) this.fail('recursion limit exceeded');
    this.pos++; // [
    const out: unknown[] = [];
    this.skipWs();
    if (this.buf[this.pos] === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipWs();
      const c = this.buf[this.pos];
      if (c !== 0x5d && c !== 0x2c) this.fail('expected `,` or `]`');
      this.pos++;
      if (c === 0x5d) return out;
    }
  }

  /** JSON number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  number(): string {
    const b = this.buf;
    const start = this.pos;
    let i = start;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (!this.digits(i)) this.fail('invalid number');
    i = this.pos > i ? this.pos : i;
    if (b[i] === 0x2e) {
      if (!this.digits(i + 1)) this.fail('invalid number');
      i = this.pos;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!this.digits(i)) this.fail('invalid number');
      i = this.pos;
    }
    this.pos = i;
    return b.toString('latin1', start, i);
  }

  /** Consumes one or more digits from `at`; false (pos unchanged) when there are none. */
  digits(at: number): boolean {
    let i = at;
    while (i < this.buf.length && this.buf[i]! >= 0x30 && this.buf[i]! <= 0x39) i++;
    if (i === at) return false;
    this.pos = i;
    return true;
  }

  string(): string {
    const b = this.buf;
    const start = ++this.pos; // opening quote
    let ascii = true;
    for (let i = start; i < b.length; i++) {
      const c = b[i]!;
      if (c === 0x22) {
        this.pos = i + 1;
        return ascii ? b.toString('latin1', start, i) : this.decode(start, i);
      }
      if (c === 0x5c) return this.escapedString(start);
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in string');
      }
      if (c >= 0x80) ascii = false;
    }
    this.pos = b.length;
    return this.fail('EOF while parsing a string');
  }

  decode(from: number, to: number): string {
    try {
      return utf8.decode(this.buf.subarray(from, to));
    } catch {
      this.pos = from;
      return this.fail('invalid unicode in string');
    }
  }

  /** Slow path for strings with backslash escapes. */
  escapedString(start: number): string {
    const b = this.buf;
    let out = '';
    let runStart = start;
    let i = start;
    while (i < b.length) {
      const c = b[i]!;
      if (c === 0x22) {
        out += this.decode(runStart, i);
        this.pos = i + 1;
        return out;
      }
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in string');
      }
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += this.decode(runStart, i);
      const e = b[i + 1];
      const simple = e === undefined ? undefined : ESCAPES[String.fromCharCode(e)];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === 0x75) {
        const [text, used] = this.unicodeEscape(i);
        out += text;
        i += used;
      } else {
        this.pos = i;
        this.fail('invalid escape');
      }
      runStart = i;
    }
    this.pos = b.length;
    return this.fail('EOF while parsing a string');
  }

  /** `\uXXXX`, pairing surrogates like serde_json (a lone surrogate is an error). */
  unicodeEscape(i: number): [string, number] {
    const hi = this.hex4(i + 2);
    if (hi < 0xd800 || hi > 0xdfff) return [String.fromCharCode(hi), 6];
    if (hi >= 0xdc00) this.fail('lone trailing surrogate in hex escape');
    if (this.buf[i + 6] !== 0x5c || this.buf[i + 7] !== 0x75) this.fail('lone leading surrogate in hex escape');
    const lo = this.hex4(i + 8);
    if (lo < 0xdc00 || lo > 0xdfff) this.fail('lone leading surrogate in hex escape');
    return [String.fromCharCode(hi, lo), 12];
  }

  hex4(at: number): number {
    const text = this.buf.toString('latin1', at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(text)) {
      this.pos = at;
      this.fail('invalid escape');
    }
    return parseInt(text, 16);
  }
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
