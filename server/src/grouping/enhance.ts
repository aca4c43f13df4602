// Applying stack-trace rules, in Sentry's two passes: the classifier pass sets in-app and category
// on the frames (before any grouping component exists), the contributes pass flips frames in or
// out of the hash (+group/-group with ranges) and applies max-frames / min-frames / invert.
import {
  matchesException,
  matchesFrame,
  rangeOf,
  type EnhancementRule,
  type ExceptionData,
  type MatchFrame,
} from './enhancements.js';

function isClassifier(rule: EnhancementRule): boolean {
  return rule.actions.some(
    (a) => (a.kind === 'flag' && a.type === 'app') || (a.kind === 'var' && a.name === 'category'),
  );
}

// Rules that can change contributions. (+app/-app only add hints in this pass, which we derive
// elsewhere, so rules with nothing else are skipped.)
function isUpdater(rule: EnhancementRule): boolean {
  return rule.actions.some(
    (a) => (a.kind === 'flag' && a.type === 'group') || (a.kind === 'var' && a.name !== 'category'),
  );
}

/** Classifier pass: mutates `frames` (in-app, category). Matching is evaluated per rule before applying. */
export function applyClassifiers(rules: readonly EnhancementRule[], frames: MatchFrame[], exc: ExceptionData): void {
  for (const rule of rules) {
    if (!isClassifier(rule) || !matchesException(rule, exc)) continue;
    const matching = frames.map((_, idx) => idx).filter((idx) => matchesFrame(rule, frames, idx));
    for (const idx of matching) {
      for (const action of rule.actions) {
        if (action.kind === 'flag' && action.type === 'app') {
          const [from, to] = rangeOf(action.range, idx, frames.length);
          for (let j = from; j < to; j++) frames[j]!.inApp = action.flag;
        } else if (action.kind === 'var' && action.name === 'category') {
          frames[idx]!.category = action.value;
        }
      }
    }
  }
}

export interface RuleMatches {
  rule: EnhancementRule;
  indices: number[];
}

/** Which frames each contributes-pass rule matches (after classification); shared by both variants. */
export function matchUpdaters(
  rules: readonly EnhancementRule[],
  frames: readonly MatchFrame[],
  exc: ExceptionData,
): RuleMatches[] {
  const out: RuleMatches[] = [];
  for (const rule of rules) {
    if (!isUpdater(rule) || !matchesException(rule, exc)) continue;
    const indices: number[] = [];
    for (let idx = 0; idx < frames.length; idx++) if (matchesFrame(rule, frames, idx)) indices.push(idx);
    if (indices.length > 0) out.push({ rule, indices });
  }
  return out;
}

export interface Contributions {
  contributes: boolean[];
  hints: Array<string | undefined>;
  /** Set when min-frames rejects the whole stack trace. */
  rejectedHint?: string;
  invert: boolean;
}

/** Contributes pass over the frame components' initial flags. */
export function applyContributions(matches: readonly RuleMatches[], initial: readonly boolean[]): Contributions {
  const contributes = [...initial];
  const hints: Array<string | undefined> = initial.map(() => undefined);
  let maxFrames: { value: number; rule: string } | undefined;
  let minFrames: { value: number; rule: string } | undefined;
  let invert = false;
  for (const { rule, indices } of matches) {
    for (const idx of indices) {
      for (const action of rule.actions) {
        if (action.kind === 'flag' && action.type === 'group') {
          const [from, to] = rangeOf(action.range, idx, contributes.length);
          for (let j = from; j < to; j++) {
            if (contributes[j] === action.flag) continue;
            contributes[j] = action.flag;
            hints[j] = `${action.flag ? 'un-ignored' : 'ignored'} by stack trace rule (${rule.text})`;
          }
        } else if (action.kind === 'var' && action.name === 'max-frames')
          maxFrames = { value: Number(action.value), rule: rule.text };
        else if (action.kind === 'var' && action.name === 'min-frames')
          minFrames = { value: Number(action.value), rule: rule.text };
        else if (action.kind === 'var' && action.name === 'invert-stacktrace')
          invert = ['1', 'true', 'yes'].includes(action.value.toLowerCase());
      }
    }
  }
  if (maxFrames && maxFrames.value > 0) {
    let seen = 0;
    for (let j = contributes.length - 1; j >= 0; j--) {
      if (!contributes[j]) continue;
      if (++seen <= maxFrames.value) continue;
      contributes[j] = false;
      hints[j] =
        `ignored because only ${maxFrames.value} frames are considered by stack trace rule (${maxFrames.rule})`;
    }
  }
  const result: Contributions = { contributes, hints, invert };
  const total = contributes.filter(Boolean).length;
  if (minFrames && minFrames.value > 0 && total < minFrames.value) {
    result.rejectedHint = `discarded because stack trace only contains ${total} frames, under the threshold of stack trace rule (${minFrames.rule})`;
  }
  return result;
}
