// Function scopes of a minified file, named with their original names: parse the minified
// source once (acorn), record each function's range and the identifier that names it (its own
// id, or the variable/property/method it is assigned to), and map that identifier through the
// source map. scopeNameAt() then names the function a stack frame's position falls in.
import { parse, type Node } from 'acorn';
import { originalPosition, type ParsedMap } from './parsed-map.js';

export interface ScopeIndex {
  lineStarts: Int32Array;
  /** Function ranges sorted by start offset; parent is the enclosing function's index or -1. */
  starts: Int32Array;
  ends: Int32Array;
  parents: Int32Array;
  names: Array<string | null>;
  bytes: number;
}

type AnyNode = Node & Record<string, unknown>;
const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** Null when the minified source does not parse (then frames fall back to caller names). */
export function buildScopeIndex(source: string, map: ParsedMap): ScopeIndex | null {
  const program = parseLoosely(source);
  if (!program) return null;
  const lineStarts = computeLineStarts(source);
  const found: Array<{ start: number; end: number; parent: number; name: string | null }> = [];
  // Iterative walk (minified code nests deeply); each entry carries its parent chain.
  const stack: Array<{ node: AnyNode; parents: AnyNode[]; scope: number }> = [
    { node: program as AnyNode, parents: [], scope: -1 },
  ];
  while (stack.length > 0) {
    const { node, parents, scope } = stack.pop()!;
    let inner = scope;
    if (FUNCTION_TYPES.has(node.type)) {
      const nameNodes = nameNodesOf(node, parents);
      const name = nameNodes ? nameNodes.map((n) => originalName(n, lineStarts, map)).join('.') : null;
      inner = found.push({ start: node.start, end: node.end, parent: scope, name }) - 1;
    }
    const childParents = [...parents.slice(-3), node];
    for (const child of children(node)) stack.push({ node: child, parents: childParents, scope: inner });
  }
  const order = found.map((_, i) => i).sort((a, b) => found[a]!.start - found[b]!.start);
  const rank = new Int32Array(found.length);
  order.forEach((orig, pos) => {
    rank[orig] = pos;
  });
  const names = order.map((i) => found[i]!.name);
  return {
    lineStarts,
    starts: Int32Array.from(order.map((i) => found[i]!.start)),
    ends: Int32Array.from(order.map((i) => found[i]!.end)),
    parents: Int32Array.from(order.map((i) => (found[i]!.parent >= 0 ? rank[found[i]!.parent]! : -1))),
    names,
    bytes: lineStarts.length * 4 + found.length * 12 + names.reduce((n, s) => n + (s ? s.length * 2 + 40 : 8), 0),
  };
}

export type ScopeName =
  { kind: 'named'; name: string } | { kind: 'anonymous'; enclosing: string | null } | { kind: 'unknown' };

/** The innermost function around a 0-based line/column of the minified file. */
export function scopeNameAt(index: ScopeIndex, line: number, column: number): ScopeName {
  const lineStart = index.lineStarts[line];
  if (lineStart === undefined) return { kind: 'unknown' };
  const offset = lineStart + column;
  let lo = 0;
  let hi = index.starts.length - 1;
  let i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (index.starts[mid]! <= offset) {
      i = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  while (i >= 0 && index.ends[i]! <= offset) i = index.parents[i]!;
  if (i < 0) return { kind: 'unknown' };
  const name = index.names[i];
  if (name) return { kind: 'named', name };
  let p = index.parents[i]!;
  while (p >= 0 && !index.names[p]) p = index.parents[p]!;
  return { kind: 'anonymous', enclosing: p >= 0 ? index.names[p]! : null };
}

function parseLoosely(source: string): Node | null {
  for (const sourceType of ['module', 'script'] as const) {
    try {
      return parse(source, {
        ecmaVersion: 'latest',
        sourceType,
        allowHashBang: true,
        allowReturnOutsideFunction: sourceType === 'script',
        allowAwaitOutsideFunction: true,
        allowImportExportEverywhere: true,
      });
    } catch {
      // a bundle in sloppy mode fails as a module; try again as a script, then give up
    }
  }
  return null;
}

function computeLineStarts(source: string): Int32Array {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && source.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return Int32Array.from(starts);
}

function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'range') continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) out.push(x);
    } else if (isNode(v)) {
      out.push(v);
    }
  }
  return out;
}

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

/** The identifier(s) that name a function: `function f`, `f = () =>`, `a.b.f = function`, `{ f() {} }`, `class C { f() {} }`. */
function nameNodesOf(fn: AnyNode, parents: AnyNode[]): AnyNode[] | null {
  const id = fn.id as AnyNode | null | undefined;
  if (id && id.type === 'Identifier') return [id];
  const parent = parents.at(-1);
  if (!parent) return null;
  if (parent.type === 'VariableDeclarator' && parent.init === fn) return identifierChain(parent.id as AnyNode);
  if (parent.type === 'AssignmentExpression' && parent.right === fn) return identifierChain(parent.left as AnyNode);
  if (parent.type === 'Property' && parent.value === fn && !parent.computed)
    return identifierChain(parent.key as AnyNode);
  if (
    (parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') &&
    parent.value === fn &&
    !parent.computed
  ) {
    const key = identifierChain(parent.key as AnyNode);
    const cls = parents.at(-3);
    const clsId =
      cls && (cls.type === 'ClassDeclaration' || cls.type === 'ClassExpression') ? (cls.id as AnyNode | null) : null;
    return key && clsId ? [clsId, ...key] : key;
  }
  return null;
}

function identifierChain(node: AnyNode): AnyNode[] | null {
  if (node.type === 'Identifier' || node.type === 'PrivateIdentifier' || node.type === 'ThisExpression') return [node];
  if (node.type === 'MemberExpression' && !node.computed) {
    const left = identifierChain(node.object as AnyNode);
    const right = identifierChain(node.property as AnyNode);
    return left && right ? [...left, ...right] : null;
  }
  return null;
}

/** The original name of a minified identifier: the map's name at its position, else its text. */
function originalName(node: AnyNode, lineStarts: Int32Array, map: ParsedMap): string {
  if (node.type === 'ThisExpression') return 'this';
  const text = node.type === 'PrivateIdentifier' ? `#${String(node.name)}` : String(node.name);
  const line = lineOf(lineStarts, node.start);
  const pos = originalPosition(map, line, node.start - lineStarts[line]!);
  if (pos && pos.generatedColumn === node.start - lineStarts[line]! && pos.name) return pos.name;
  return text;
}

function lineOf(lineStarts: Int32Array, offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
