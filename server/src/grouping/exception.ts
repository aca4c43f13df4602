// Exception components (grouping.md §4): type, normalized value (only when no stack trace
// contributes), stack trace; chained exceptions in payload order; exception groups rebuilt from
// mechanism ids, de-duplicated, collapsed to the single child when all children are alike.
import type { ExceptionValue, NormalizedEvent } from '../shared/protocol/event.js';
import { hasContributingStacktrace, ignore, leaf, node, refresh, structuralKey, type Component } from './component.js';
import type { GroupingContext } from './context.js';
import { prepareStacktrace } from './frames.js';
import { normalizeMessage } from './message.js';
import { stacktraceVariants } from './stacktrace.js';

export type VariantMap = Map<string, Component>;

function nsErrorComponent(exc: ExceptionValue): Component | undefined {
  const meta = exc.mechanism?.meta;
  const ns = meta && typeof meta === 'object' ? (meta as Record<string, unknown>).ns_error : undefined;
  if (!ns || typeof ns !== 'object') return undefined;
  const { domain, code } = ns as Record<string, unknown>;
  return node('ns_error', [leaf('domain', scalarText(domain)), leaf('code', scalarText(code))]);
}

/** Text of a string or number; other values (objects from the client) are ignored, never coerced. */
function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Components of one exception, by variant ("app" only when it has no stack trace). */
export function singleException(exc: ExceptionValue, ctx: GroupingContext): VariantMap {
  const prepared = exc.stacktrace
    ? prepareStacktrace(exc.stacktrace, ctx, { type: exc.type, value: exc.value, mechanism: exc.mechanism?.type })
    : undefined;
  const stacktraces: Array<[string, Component]> = prepared
    ? Object.entries(stacktraceVariants(prepared, ctx))
    : [['app', ignore(node('stacktrace', []))]];
  const out: VariantMap = new Map();
  for (const [variant, stacktrace] of stacktraces) {
    const type = leaf('type', exc.type);
    if (exc.mechanism?.synthetic) ignore(type, 'ignored because exception is synthetic');
    const value = leaf('value', typeof exc.value === 'string' ? normalizeMessage(exc.value) : undefined);
    if (value.contributes && value.values[0] !== exc.value) value.hint = 'stripped event-specific values';
    const nsError = nsErrorComponent(exc);
    if (stacktrace.contributes && value.contributes) ignore(value, 'ignored because stacktrace takes precedence');
    if (nsError?.contributes && value.contributes) ignore(value, 'ignored because ns-error info takes precedence');
    const ns = nsError ? [nsError] : [];
    const children = ctx.legacyExceptionOrder ? [stacktrace, type, ...ns, value] : [type, value, ...ns, stacktrace];
    out.set(variant, node('exception', children));
  }
  return out;
}

interface TreeNode {
  exception?: ExceptionValue;
  children: ExceptionValue[];
}

function firstPath(exc: ExceptionValue, tree: Map<number, TreeNode>): ExceptionValue[] {
  const path: ExceptionValue[] = [];
  const seen = new Set<ExceptionValue>();
  for (
    let cur: ExceptionValue | undefined = exc;
    cur && !seen.has(cur);
    cur = tree.get(cur.mechanism!.exception_id!)?.children[0]
  ) {
    seen.add(cur);
    path.push(cur);
  }
  return path;
}

function topLevel(
  exc: ExceptionValue,
  tree: Map<number, TreeNode>,
  seen: Set<ExceptionValue>,
): ExceptionValue[] | null {
  if (seen.has(exc)) return null; // cycle: the tree is unusable
  seen.add(exc);
  if (!exc.mechanism?.is_exception_group) return [exc];
  const out: ExceptionValue[] = [];
  for (const child of tree.get(exc.mechanism.exception_id!)?.children ?? []) {
    const sub = topLevel(child, tree, seen);
    if (sub === null) return null;
    out.push(...sub);
  }
  return out;
}

/**
 * Exception-group filtering (Sentry's rules, RFC 79): returns the exceptions to hash, in order,
 * and the id of the exception that should title the issue when the group collapses.
 */
export function filterExceptionGroups(
  exceptions: ExceptionValue[],
  components: Map<ExceptionValue, VariantMap>,
  event: NormalizedEvent,
): { exceptions: ExceptionValue[]; mainExceptionId?: number } {
  const unchanged = { exceptions };
  if (exceptions.length <= 1) return unchanged;
  // Python SDK 3.x started sending ids Sentry then ignored for grouping; Sentry keeps the old result.
  if (event.platform === 'python' && typeof event.sdk?.version === 'string' && event.sdk.version.startsWith('3'))
    return unchanged;
  const tree = new Map<number, TreeNode>();
  const ids = new Set<number>();
  for (const exc of [...exceptions].reverse()) {
    const m = exc.mechanism;
    const id = m?.exception_id;
    if (!m || typeof id !== 'number' || id === m.parent_id || ids.has(id)) return unchanged;
    ids.add(id);
    const entry = tree.get(id) ?? { children: [] };
    entry.exception = exc;
    tree.set(id, entry);
    if (typeof m.parent_id === 'number') {
      const parent = tree.get(m.parent_id) ?? { children: [] };
      parent.children.push(exc);
      tree.set(m.parent_id, parent);
    }
  }
  const root = tree.get(0)?.exception;
  if (!root) return unchanged;
  const top = topLevel(root, tree, new Set());
  if (!top || top.length === 0) return unchanged;
  // Stable sort by type, descending, then collapse consecutive identical components.
  const sorted = [...top].sort((a, b) =>
    String(a.type ?? 'None') < String(b.type ?? 'None')
      ? 1
      : String(a.type ?? 'None') > String(b.type ?? 'None')
        ? -1
        : 0,
  );
  const keyOf = (e: ExceptionValue): string => [...(components.get(e)?.values() ?? [])].map(structuralKey).join('|');
  const distinct = sorted.filter((e, i) => i === 0 || keyOf(e) !== keyOf(sorted[i - 1]!));
  if (distinct.length === 1) {
    const main = distinct[0]!;
    return { exceptions: firstPath(main, tree), mainExceptionId: main.mechanism!.exception_id! };
  }
  return { exceptions: [...distinct, root] };
}

// React 19 wraps the real error as `cause`; the issue should be titled by the cause.
const REACT_ERRORS_WITH_CAUSE = [
  'There was an error during concurrent rendering but React was able to recover by instead synchronously rendering the entire root.',
  'There was an error while hydrating but React was able to recover by instead client rendering from the nearest Suspense boundary.',
];

/** If any variant contains a contributing stack trace, variants without one stop contributing. */
export function removeNonStacktraceVariants(variants: VariantMap): VariantMap {
  const withStacktrace = [...variants.entries()].filter(([, c]) => hasContributingStacktrace(c));
  if (withStacktrace.length === 0) return variants;
  const names = withStacktrace.map(([name]) => name).join(', ');
  for (const [name, c] of variants) {
    if (!withStacktrace.some(([n]) => n === name))
      ignore(c, `ignored because this variant does not have a contributing stacktrace, but the ${names} variant does`);
  }
  return variants;
}

/** The exception strategy: single exceptions, chains and groups. */
export function exceptionStrategy(
  event: NormalizedEvent,
  ctx: GroupingContext,
): { variants: VariantMap; mainExceptionId?: number } {
  const all = event.exception?.values ?? [];
  const components = new Map(all.map((exc) => [exc, singleException(exc, ctx)] as const));
  const { exceptions, mainExceptionId } = filterExceptionGroups(all, components, event);
  if (exceptions.length === 1)
    return {
      variants: removeNonStacktraceVariants(components.get(exceptions[0]!)!),
      ...(mainExceptionId !== undefined ? { mainExceptionId } : {}),
    };
  const byVariant = new Map<string, Component[]>();
  for (const exc of exceptions) {
    for (const [variant, c] of components.get(exc)!) byVariant.set(variant, [...(byVariant.get(variant) ?? []), c]);
  }
  const variants: VariantMap = new Map(
    [...byVariant].map(([v, list]) => [v, refresh(node('chained_exception', list))]),
  );
  let main = mainExceptionId;
  const first = exceptions[0];
  const last = exceptions[exceptions.length - 1];
  if (
    first?.type === 'Error' &&
    REACT_ERRORS_WITH_CAUSE.includes(first.value ?? '') &&
    last?.mechanism?.source === 'cause' &&
    last.mechanism.exception_id
  ) {
    main = last.mechanism.exception_id;
  }
  return { variants: removeNonStacktraceVariants(variants), ...(main !== undefined ? { mainExceptionId: main } : {}) };
}
