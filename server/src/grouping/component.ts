// The grouping component tree every strategy produces (exception → stacktrace → frame → module …).
// A variant's hash is md5 of its contributing leaf values in tree order, UTF-8, no separators
// (grouping.md §1); non-contributing components keep a hint saying why, for "why grouped".
import { createHash } from 'node:crypto';

export interface Component {
  id: string;
  contributes: boolean;
  hint?: string;
  /** Leaf values; only leaves carry them. */
  values: string[];
  children: Component[];
  /** Frames only: the frame's in-app flag after stack-trace rules. */
  inApp?: boolean;
}

/** A leaf with one value; an absent or empty value gives a non-contributing leaf. */
export function leaf(id: string, value?: string | null): Component {
  const has = typeof value === 'string' && value !== '';
  return { id, contributes: has, values: has ? [value] : [], children: [] };
}

/** An inner node; it contributes when any child does. */
export function node(id: string, children: Component[]): Component {
  return { id, contributes: children.some((c) => c.contributes), values: [], children };
}

export function ignore(component: Component, hint?: string): Component {
  component.contributes = false;
  if (hint !== undefined) component.hint = hint;
  return component;
}

/** Re-derive an inner node's flag after children changed (bottom-up only, never revives). */
export function refresh(component: Component): Component {
  if (component.children.length > 0 && component.contributes) {
    component.contributes = component.children.some((c) => c.contributes);
  }
  return component;
}

/** Contributing leaf values, in tree order. */
export function contributingValues(component: Component, out: string[] = []): string[] {
  if (!component.contributes) return out;
  out.push(...component.values);
  for (const child of component.children) contributingValues(child, out);
  return out;
}

export function md5(values: readonly string[]): string {
  return createHash('md5').update(values.join(''), 'utf8').digest('hex');
}

/** Contributing components with the given id, reached through contributing ancestors only. */
export function findLive(component: Component, id: string, out: Component[] = []): Component[] {
  if (!component.contributes) return out;
  if (component.id === id) out.push(component);
  for (const child of component.children) findLive(child, id, out);
  return out;
}

export function hasContributingStacktrace(component: Component): boolean {
  return findLive(component, 'stacktrace').length > 0;
}

/** Structural key of a component tree (used to de-duplicate exception-group children). */
export function structuralKey(component: Component): string {
  return JSON.stringify([
    component.id,
    component.contributes,
    component.hint ?? null,
    component.values,
    component.children.map(structuralKey),
  ]);
}

/** Short human description of what fed a variant, e.g. "exception; 3 contributing frames [function+module]; type=\"Error\"". */
export function describe(component: Component): string {
  const parts: string[] = [];
  const top = component.children.find((c) => c.contributes) ?? component;
  const exceptions = top.children.filter((c) => c.contributes).length;
  parts.push(
    top.id === 'chained_exception' ? `chained exception (${exceptions} exceptions)` : top.id.replace('_', ' '),
  );
  const frames = findLive(component, 'frame');
  if (frames.length > 0) {
    const kinds = new Set<string>();
    for (const f of frames) for (const c of f.children) if (c.contributes) kinds.add(c.id);
    parts.push(`${frames.length} contributing frames [${[...kinds].sort().join('+')}]`);
  }
  // Leaves outside frames (type, value, message, template parts), in tree order.
  const walk = (c: Component): void => {
    if (!c.contributes || c.id === 'frame') return;
    if (c.values.length > 0) parts.push(`${c.id}=${JSON.stringify(c.values[0])}`);
    c.children.forEach(walk);
  };
  walk(component);
  return parts.join('; ');
}
