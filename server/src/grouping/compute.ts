// computeGrouping: event → the hashes it is grouped by, and the variants explaining them
// (grouping.md §12). Pure: no I/O, no clock. The worker looks the hashes up in order; an event
// joins the issue owning any of them.
import type { NormalizedEvent } from '../shared/protocol/event.js';
import { contributingValues, describe, hasContributingStacktrace, md5, type Component } from './component.js';
import { createContext, type GroupingConfigId } from './context.js';
import {
  DEFAULT_FINGERPRINT,
  fingerprintVariable,
  resolveFingerprint,
  type ResolvedFingerprint,
} from './fingerprint.js';
import { exceptionStrategy } from './exception.js';
import { runStrategies, type StrategyResult } from './strategies.js';

export interface GroupingVariant {
  /** 'app' | 'system' | 'default' (message/template) | 'fingerprint' | 'fallback'. */
  name: string;
  hash: string;
  /** Contributing values in hash order (md5 of their concatenation is the hash). */
  values: string[];
  description: string;
}

export interface GroupingResult {
  /** Distinct md5 hex hashes of the contributing variants, primary first; never empty. */
  hashes: string[];
  basis: 'fingerprint' | 'stacktrace' | 'exception' | 'message' | 'template' | 'fallback';
  variants: GroupingVariant[];
  /** Issue title set by a matching server-side fingerprint rule (`title="…"`). */
  title?: string;
}

export interface GroupingOptions {
  /** Project stack-trace rules (Sentry syntax), applied after the built-in ones. */
  enhancements?: string;
  /** Project server-side fingerprint rules (Sentry syntax), tried before the built-in ones. */
  fingerprintRules?: string;
  /** Defaults to Sentry's current `newstyle:2026-01-20`; the 2023 config is kept for comparison. */
  config?: GroupingConfigId;
}

export const FALLBACK_HASH = md5([]);

function basisOf(strategies: StrategyResult): GroupingResult['basis'] {
  switch (strategies.winner) {
    case 'exception':
      return [...strategies.variants.values()].some(hasContributingStacktrace) ? 'stacktrace' : 'exception';
    case 'threads':
    case 'stacktrace':
      return 'stacktrace';
    case 'template':
      return 'template';
    case 'message':
      return 'message';
    default:
      return 'fallback';
  }
}

function fallback(): GroupingResult {
  return {
    hashes: [FALLBACK_HASH],
    basis: 'fallback',
    variants: [{ name: 'fallback', hash: FALLBACK_HASH, values: [], description: 'nothing to group on' }],
  };
}

function sourceLabel(fp: ResolvedFingerprint): string {
  if (fp.source === 'client') return 'SDK fingerprint';
  return `${fp.source === 'built-in-rule' ? 'built-in' : 'project'} fingerprint rule ${fp.matchedRule ?? ''}`.trim();
}

function finish(
  variants: GroupingVariant[],
  basis: GroupingResult['basis'],
  title: string | undefined,
): GroupingResult {
  if (variants.length === 0) return { ...fallback(), ...(title ? { title } : {}) };
  const hashes = [...new Set(variants.map((v) => v.hash))];
  const unique = variants.filter((v, i) => variants.findIndex((w) => w.hash === v.hash) === i);
  return { hashes, basis, variants: unique, ...(title ? { title } : {}) };
}

function defaultVariants(roots: Map<string, Component>): Array<[string, Component]> {
  return [...roots.entries()].filter(([, c]) => c.contributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function computeGrouping(event: NormalizedEvent, opts: GroupingOptions = {}): GroupingResult {
  const ctx = createContext(event.platform, opts.config ?? 'newstyle:2026-01-20', opts.enhancements);
  const fp = resolveFingerprint(event, ctx, opts.fingerprintRules);
  const strategies = runStrategies(event, ctx);
  const contributing = defaultVariants(strategies.variants);

  if (fp.kind === 'custom') {
    return finish(
      [
        {
          name: 'fingerprint',
          hash: md5(fp.values),
          values: fp.values,
          description: `custom fingerprint from ${sourceLabel(fp)}`,
        },
      ],
      'fingerprint',
      fp.title,
    );
  }
  const basis = basisOf(strategies);
  const variants = contributing.map(([name, root]): GroupingVariant => {
    const own = contributingValues(root);
    if (fp.kind === 'default') return { name, hash: md5(own), values: own, description: describe(root) };
    // Hybrid: the default values stand where `{{ default }}` stands, then the extra strings.
    const values = fp.values.flatMap((v) =>
      v === DEFAULT_FINGERPRINT || fingerprintVariable(v) === 'default' ? own : [v],
    );
    return {
      name,
      hash: md5(values),
      values,
      description: `${describe(root)}; plus hybrid ${sourceLabel(fp)} extras ${JSON.stringify(fp.values.filter((v) => v !== DEFAULT_FINGERPRINT))}`,
    };
  });
  return finish(variants, variants.length === 0 ? 'fallback' : basis, fp.title);
}

/** The issue-title exception chosen by exception-group handling (Sentry's main_exception_id). */
export function mainExceptionId(event: NormalizedEvent): number | undefined {
  if ((event.exception?.values.length ?? 0) < 2) return undefined;
  return exceptionStrategy(event, createContext(event.platform, 'newstyle:2026-01-20', undefined)).mainExceptionId;
}
