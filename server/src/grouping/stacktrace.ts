// The stack-trace component, once per variant: "app" (only in-app frames may contribute) and
// "system" (all frames). Recursion collapses, the single-JS-frame rule, stack-trace rules
// (+group/-group, max-frames …), and the "no (in-app/contributing) frames" decisions (grouping.md §3, §5).
import type { Frame } from '../shared/protocol/event.js';
import { ignore, node, type Component } from './component.js';
import type { GroupingContext } from './context.js';
import { applyContributions } from './enhance.js';
import { frameComponent, type PreparedStacktrace } from './frames.js';
import { behaviorFamily, hasUrlOrigin } from './javascript.js';

export type VariantName = 'app' | 'system';

const RECURSION_FIELDS = ['abs_path', 'package', 'module', 'filename', 'function', 'lineno', 'colno'] as const;

/** A frame identical to the previous one on all location fields is a recursive call. */
export function isRecursion(frame: Frame, previous: Frame | undefined): boolean {
  return previous !== undefined && RECURSION_FIELDS.every((field) => frame[field] === previous[field]);
}

function singleVariant(variant: VariantName, st: PreparedStacktrace, ctx: GroupingContext): Component {
  const { frames } = st;
  const components = frames.map((frame, i) => {
    const c = frameComponent(frame, ctx.platform);
    if (isRecursion(frame, frames[i - 1])) ignore(c, 'ignored due to recursion');
    if (variant === 'app' && frame.in_app !== true) ignore(c, 'non app frame');
    return c;
  });

  // A lone JS frame without a function is too weak to group on. The 2023 config had the URL test
  // inverted (only URL frames were dropped); 2026 drops the non-URL ones.
  const only = frames[0];
  if (
    frames.length === 1 &&
    only &&
    components[0]?.contributes &&
    behaviorFamily(only.platform ?? ctx.platform) === 'javascript' &&
    !only.function
  ) {
    const isUrl = hasUrlOrigin(only.abs_path, true);
    if (ctx.jsSingleFrameUrlBackwards ? isUrl : !isUrl)
      ignore(components[0], 'ignored single non-URL JavaScript frame');
  }

  const result = applyContributions(
    st.updaters,
    components.map((c) => c.contributes),
  );
  components.forEach((c, i) => {
    const contributes = variant === 'app' && !c.inApp ? false : result.contributes[i] === true;
    if (contributes === c.contributes) return;
    c.contributes = contributes;
    const hint = result.hints[i];
    if (hint !== undefined) c.hint = hint;
  });
  const stacktrace = node('stacktrace', result.invert ? [...components].reverse() : components);
  if (result.rejectedHint) ignore(stacktrace, result.rejectedHint);
  return stacktrace;
}

/** App and system stack-trace components of one stack trace. */
export function stacktraceVariants(st: PreparedStacktrace, ctx: GroupingContext): Record<VariantName, Component> {
  const app = singleVariant('app', st, ctx);
  const system = singleVariant('system', st, ctx);
  if (system.children.length === 0) {
    ignore(system, 'ignored because it contains no frames');
    ignore(app, 'ignored because it contains no frames');
    return { app, system };
  }
  const inApp = system.children.filter((f) => f.inApp);
  if (!system.children.some((f) => f.contributes)) ignore(system, 'ignored because it contains no contributing frames');
  if (inApp.length === 0) ignore(app, 'ignored because it contains no in-app frames');
  else if (!inApp.some((f) => f.contributes)) ignore(app, 'ignored because it contains no contributing frames');
  return { app, system };
}
