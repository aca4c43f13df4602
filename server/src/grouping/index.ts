// Faultline's grouping engine (Sentry `newstyle:2026-01-20` semantics for JavaScript, Node and
// Python; see /work/shared/grouping.md): pure functions the worker pipeline calls to turn a
// normalized event into grouping hashes, the variants explaining them, and an issue summary.
export {
  computeGrouping,
  FALLBACK_HASH,
  type GroupingOptions,
  type GroupingResult,
  type GroupingVariant,
} from './compute.js';
export type { GroupingConfigId } from './context.js';
export { parseEnhancements } from './enhancements.js';
export { parseFingerprintRules } from './fingerprint-rules.js';
export { deriveJsModule } from './javascript.js';
export { normalizeMessage } from './message.js';
export { summarizeEvent, type EventSummary } from './summary.js';
