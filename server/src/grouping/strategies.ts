// The default grouping algorithm (grouping.md §2): strategies by priority — exception (single,
// chained, groups) > threads > stack trace > template > message. The first strategy that yields a
// contributing component wins; components of the others are kept but marked non-contributing.
import type { NormalizedEvent, Stacktrace } from '../shared/protocol/event.js';
import { ignore, leaf, node, type Component } from './component.js';
import type { GroupingContext } from './context.js';
import { exceptionStrategy, removeNonStacktraceVariants, type VariantMap } from './exception.js';
import { prepareStacktrace } from './frames.js';
import { normalizeMessage } from './message.js';
import { stacktraceVariants } from './stacktrace.js';

export type StrategyName = 'exception' | 'threads' | 'stacktrace' | 'template' | 'message';

export interface StrategyResult {
  /** Root component per variant name ("app", "system", "default"). */
  variants: Map<string, Component>;
  winner?: StrategyName;
  mainExceptionId?: number;
}

function stacktraceStrategy(stacktrace: Stacktrace | undefined, ctx: GroupingContext, wrap?: string): VariantMap {
  const prepared = prepareStacktrace(stacktrace, ctx, {});
  if (!prepared) return new Map();
  const variants = Object.entries(stacktraceVariants(prepared, ctx)).map(([name, c]): [string, Component] => [
    name,
    wrap ? node(wrap, [c]) : c,
  ]);
  return removeNonStacktraceVariants(new Map(variants));
}

function threadsStrategy(event: NormalizedEvent, ctx: GroupingContext): VariantMap {
  const threads = event.threads?.values ?? [];
  if (threads.length === 0) return new Map();
  const crashed = threads.filter((t) => t.crashed);
  const current = threads.filter((t) => t.current);
  const chosen = [crashed, current, threads].find((list) => list.length === 1)?.[0];
  if (!chosen)
    return new Map([
      ['app', ignore(node('threads', []), 'ignored because there is no single crashing, current or only thread')],
    ]);
  if (!chosen.stacktrace)
    return new Map([['app', ignore(node('threads', []), 'ignored because thread has no stacktrace')]]);
  return stacktraceStrategy(chosen.stacktrace, ctx, 'threads');
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function templateStrategy(event: NormalizedEvent): VariantMap {
  const t = event.template;
  if (!t || typeof t !== 'object') return new Map();
  const filename = typeof t.filename === 'string' ? basename(t.filename) : undefined;
  const contextLine = typeof t.context_line === 'string' ? t.context_line : undefined;
  return new Map([['default', node('template', [leaf('filename', filename), leaf('context_line', contextLine)])]]);
}

/** The text a log message groups by: the template when the SDK sent one, else the formatted text. */
export function messageText(event: NormalizedEvent): string | undefined {
  const entry = event.logentry;
  const text = entry?.message || entry?.formatted;
  if (text) return text;
  return typeof event.message === 'string' && event.message ? event.message : undefined;
}

function messageStrategy(event: NormalizedEvent): VariantMap {
  const raw = messageText(event);
  if (raw === undefined) return new Map();
  const c = leaf('message', normalizeMessage(raw));
  if (c.values[0] !== raw) c.hint = 'stripped event-specific values';
  return new Map([['default', node('message', [c])]]);
}

export function runStrategies(event: NormalizedEvent, ctx: GroupingContext): StrategyResult {
  const exception =
    (event.exception?.values.length ?? 0) > 0
      ? exceptionStrategy(event, ctx)
      : { variants: new Map<string, Component>() };
  const results: Array<[StrategyName, VariantMap]> = [
    ['exception', exception.variants],
    ['threads', threadsStrategy(event, ctx)],
    ['stacktrace', stacktraceStrategy(event.stacktrace, ctx)],
    ['template', templateStrategy(event)],
    ['message', messageStrategy(event)],
  ];
  let winner: StrategyName | undefined;
  const byVariant = new Map<string, Component[]>();
  for (const [name, variants] of results) {
    for (const [variant, component] of variants) {
      if (component.contributes) {
        if (winner === undefined) winner = name;
        else if (winner !== name) ignore(component, `ignored because ${winner} takes precedence`);
      }
      byVariant.set(variant, [...(byVariant.get(variant) ?? []), component]);
    }
  }
  const variants = new Map([...byVariant].map(([name, list]) => [name, node(name, list)] as const));
  return {
    variants,
    ...(winner ? { winner } : {}),
    ...(exception.mainExceptionId !== undefined ? { mainExceptionId: exception.mainExceptionId } : {}),
  };
}
