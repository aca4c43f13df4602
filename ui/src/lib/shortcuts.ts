// Issue list keyboard shortcuts (j/k move, enter opens, r resolves, i ignores, / searches). Pure:
// maps a key event to an action, ignoring keys typed into form fields or with modifiers.

export type ShortcutAction = 'next' | 'prev' | 'open' | 'resolve' | 'ignore' | 'select' | 'search';

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** Tag name of the focused element (e.target), upper or lower case. */
  targetTag?: string;
  targetEditable?: boolean;
}

const KEYS: Record<string, ShortcutAction> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'prev',
  ArrowUp: 'prev',
  Enter: 'open',
  o: 'open',
  r: 'resolve',
  i: 'ignore',
  x: 'select',
  '/': 'search',
};

export function shortcutFor(e: KeyLike): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const tag = (e.targetTag ?? '').toLowerCase();
  if (e.targetEditable || tag === 'input' || tag === 'textarea' || tag === 'select') return null;
  // Enter on a focused button or link already activates it; let the browser handle that.
  if (e.key === 'Enter' && (tag === 'button' || tag === 'a')) return null;
  return KEYS[e.key] ?? null;
}

/** Moves a cursor within [0, length) and clamps; -1 (no cursor) moves to the first row. */
export function moveCursor(cursor: number, delta: 1 | -1, length: number): number {
  if (length === 0) return -1;
  if (cursor < 0) return 0;
  return Math.min(length - 1, Math.max(0, cursor + delta));
}
