// The grouping configuration in effect for one computation: Sentry's config flags (current
// `newstyle:2026-01-20`, or the previous `newstyle:2023-01-11` for comparison) and the stack-trace
// rules (built-in base first, then the project's own rules, which therefore win).
import { BUILTIN_ENHANCEMENTS_2023, BUILTIN_ENHANCEMENTS_2026 } from './builtin-rules.js';
import { parseEnhancements, type EnhancementRule } from './enhancements.js';

export type GroupingConfigId = 'newstyle:2026-01-20' | 'newstyle:2023-01-11';

export interface GroupingContext {
  configId: GroupingConfigId;
  /** 2023: an exception hashes its stack trace before its type; 2026: type (and value) first. */
  legacyExceptionOrder: boolean;
  /** 2023 bug: the "single JS frame without function" rule only fired for URL frames. */
  jsSingleFrameUrlBackwards: boolean;
  /** 2026: `spawn_main(tracker_fd=11, …)` context lines are parameterized. */
  parameterizeSpawnMain: boolean;
  /** 2023: unknown fingerprint variables stay literal; 2026 flags them. */
  legacyUnknownVariables: boolean;
  rules: readonly EnhancementRule[];
  /** Event platform, "other" when absent (as Relay normalizes it). */
  platform: string;
}

// Project rule texts are few and reused for every event of the project: cache their parse.
const PROJECT_RULES_CACHE = new Map<string, readonly EnhancementRule[]>();
const PROJECT_RULES_CACHE_SIZE = 256;

function projectRules(text: string | undefined): readonly EnhancementRule[] {
  if (!text || text.trim() === '') return [];
  const cached = PROJECT_RULES_CACHE.get(text);
  if (cached) return cached;
  const { rules } = parseEnhancements(text);
  if (PROJECT_RULES_CACHE.size >= PROJECT_RULES_CACHE_SIZE) {
    const oldest = PROJECT_RULES_CACHE.keys().next().value;
    if (oldest !== undefined) PROJECT_RULES_CACHE.delete(oldest);
  }
  PROJECT_RULES_CACHE.set(text, rules);
  return rules;
}

export function createContext(
  platform: string | undefined,
  configId: GroupingConfigId,
  enhancements: string | undefined,
): GroupingContext {
  const legacy = configId === 'newstyle:2023-01-11';
  const base = legacy ? BUILTIN_ENHANCEMENTS_2023 : BUILTIN_ENHANCEMENTS_2026;
  return {
    configId,
    legacyExceptionOrder: legacy,
    jsSingleFrameUrlBackwards: legacy,
    parameterizeSpawnMain: !legacy,
    legacyUnknownVariables: legacy,
    rules: [...base, ...projectRules(enhancements)],
    platform: platform || 'other',
  };
}
