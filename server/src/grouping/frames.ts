// Frame preparation and the frame component (grouping.md §5–6): frames are copied and normalized
// as Sentry does before grouping (abs_path/filename filled in, stack-trace rules' in-app and
// category applied), then each frame contributes module or basename, function and context line.
import type { Frame, Stacktrace } from '../shared/protocol/event.js';
import { ignore, leaf, node, type Component } from './component.js';
import type { GroupingContext } from './context.js';
import { applyClassifiers, matchUpdaters, type RuleMatches } from './enhance.js';
import type { ExceptionData, MatchFrame } from './enhancements.js';
import {
  behaviorFamily,
  hasUrlOrigin,
  isLowQualityJsFrame,
  isUnknownJsFunction,
  trimJsFunction,
} from './javascript.js';
import { parameterize } from './message.js';

export interface PreparedStacktrace {
  frames: Frame[];
  /** Contributes-pass rule matches, computed once for both variants. */
  updaters: RuleMatches[];
}

const CONTEXT_LINE_PLATFORMS = new Set(['javascript', 'node', 'python', 'php', 'ruby']);
const SPAWN_MAIN = /spawn_main\(([^)]*)\)/;
/** Characters of a context line the grouping component shows (lines past 120 never contribute). */
const MAX_CONTEXT_LINE_SCAN = 1024;

/** Relay's frame normalization: abs_path from filename, filename from abs_path (the URL path for URLs). */
export function fillPaths(frame: Frame): Frame {
  if (!frame.abs_path && frame.filename) {
    frame.abs_path = frame.filename;
    delete frame.filename;
  }
  if (!frame.filename && frame.abs_path) {
    frame.filename = frame.abs_path;
    if (/^(?:file|https?|applewebdata):/.test(frame.abs_path)) {
      try {
        const path = new URL(frame.abs_path).pathname;
        if (path && path !== '/') frame.filename = path;
      } catch {
        // Not a parseable URL: keep abs_path as the filename, as Relay does.
      }
    }
  }
  return frame;
}

function toMatchFrame(frame: Frame, platform: string): MatchFrame {
  const norm = (s: string | undefined): string | undefined =>
    s === undefined ? undefined : s.replace(/\\/g, '/').toLowerCase();
  const category = frame.data?.category;
  return {
    family: behaviorFamily(frame.platform ?? platform),
    ...(frame.function !== undefined ? { function: frame.function } : {}),
    ...(frame.module !== undefined ? { module: frame.module } : {}),
    ...(frame.package !== undefined ? { package: norm(frame.package) } : {}),
    ...(frame.abs_path || frame.filename ? { path: norm(frame.abs_path || frame.filename) } : {}),
    ...(typeof category === 'string' ? { category } : {}),
    inApp: frame.in_app === true,
  };
}

/** Copies a stack trace's frames and applies the classifier rules (never mutates the event). */
export function prepareStacktrace(
  stacktrace: Stacktrace | undefined,
  ctx: GroupingContext,
  exc: ExceptionData,
): PreparedStacktrace | undefined {
  if (!stacktrace || !Array.isArray(stacktrace.frames)) return undefined;
  const frames = stacktrace.frames.map((f): Frame => {
    const frame: Frame = { ...f };
    fillPaths(frame);
    const platform = frame.platform ?? ctx.platform;
    if (
      ctx.parameterizeSpawnMain &&
      platform === 'python' &&
      frame.context_line &&
      SPAWN_MAIN.test(frame.context_line)
    ) {
      frame.context_line = frame.context_line.replace(
        SPAWN_MAIN,
        (_, args: string) => `spawn_main(${parameterize(args)})`,
      );
    }
    return frame;
  });
  const matchFrames = frames.map((f) => toMatchFrame(f, ctx.platform));
  applyClassifiers(ctx.rules, matchFrames, exc);
  frames.forEach((frame, i) => {
    const m = matchFrames[i]!;
    frame.in_app = m.inApp;
    if (m.category !== undefined) frame.data = { ...frame.data, category: m.category };
  });
  return { frames, updaters: matchUpdaters(ctx.rules, matchFrames, exc) };
}

function basename(path: string): string {
  const parts = path.split(/[/\\]/);
  return parts[parts.length - 1] ?? '';
}

function filenameComponent(frame: Frame, platform: string): Component {
  if (frame.filename === undefined) return leaf('filename');
  const c = leaf('filename', basename(frame.filename).toLowerCase());
  const value = c.values[0];
  if (hasUrlOrigin(frame.abs_path, false)) ignore(c, 'ignored because frame points to a URL');
  else if (value === '<anonymous>') ignore(c, 'ignored because filename is anonymous');
  else if (value === '[native code]') ignore(c, 'ignored because filename suggests native code');
  else if (platform === 'java' && value)
    c.values = [value.replace(/(\$\$_javassist)(?:_seam)?(?:_[0-9]+)?/g, '$1<auto>')];
  return c;
}

function moduleComponent(frame: Frame, platform: string): Component {
  const c = leaf('module', frame.module);
  const module = frame.module;
  if (module && platform === 'javascript' && module.includes('/') && frame.abs_path?.endsWith(module))
    ignore(c, 'ignored bad javascript module');
  else if (module && platform === 'java' && module.includes('$$Lambda$')) ignore(c, 'ignored java lambda');
  return c;
}

function contextLineComponent(frame: Frame, platform: string): Component | undefined {
  if (!frame.context_line || !CONTEXT_LINE_PLATFORMS.has(platform)) return undefined;
  // A line over 120 characters never contributes (below): only a prefix is worth collapsing.
  const line =
    frame.context_line.length > MAX_CONTEXT_LINE_SCAN
      ? frame.context_line.slice(0, MAX_CONTEXT_LINE_SCAN)
      : frame.context_line;
  const c = leaf('context_line', line.split(/\s+/).filter(Boolean).join(' '));
  if (!c.contributes) return c;
  // Over 240 UTF-16 units there are over 120 code points: no need to count a long line's.
  if (frame.context_line.length > 240 || (frame.context_line.length > 120 && [...frame.context_line].length > 120))
    ignore(c, 'ignored because line is too long');
  else if (behaviorFamily(platform) === 'javascript' && !frame.function && hasUrlOrigin(frame.abs_path, true)) {
    ignore(c, 'ignored because file path is a URL and function name is missing');
  }
  return c;
}

function functionComponent(frame: Frame, platform: string, contextLineAvailable: boolean): Component {
  const func = platform === 'csharp' ? frame.raw_function || frame.function : frame.function || frame.raw_function;
  const c = leaf('function', func);
  if (!func) return c;
  const family = behaviorFamily(platform);
  if (platform === 'ruby') c.values = [func.startsWith('block ') ? 'block' : func.replace(/__\d{4,}_\d{4,}$/, '')];
  else if (platform === 'php' && (func.startsWith('[Anonymous') || func.startsWith('class@anonymous\x00')))
    ignore(c, 'ignored anonymous function');
  else if (platform === 'java' && func.startsWith('lambda$')) ignore(c, 'ignored lambda function');
  else if (family === 'native' && (func === '<redacted>' || func === '<unknown>'))
    ignore(c, 'ignored unknown function');
  else if (family === 'javascript') {
    c.values = [trimJsFunction(func)];
    // Function names from source maps are unreliable; the context line says more.
    if (frame.data?.sourcemap != null && contextLineAvailable)
      ignore(c, 'ignored because sourcemap used and context line available');
  }
  return c;
}

/** One frame's component: module, filename, function, context line (in this hash order). */
export function frameComponent(frame: Frame, eventPlatform: string): Component {
  const platform = frame.platform ?? eventPlatform;
  const filename = filenameComponent(frame, platform);
  const module = moduleComponent(frame, platform);
  if (module.contributes && filename.contributes) ignore(filename, 'ignored because module takes precedence');
  const contextLine = contextLineComponent(frame, platform);
  const func = functionComponent(frame, platform, contextLine?.contributes === true);
  const frameNode = node('frame', contextLine ? [module, filename, func, contextLine] : [module, filename, func]);
  frameNode.inApp = frame.in_app === true;
  if (behaviorFamily(platform) === 'javascript') {
    const raw = frame.raw_function || frame.function;
    const trimmed = raw ? trimJsFunction(raw) : undefined;
    if (!trimmed) ignore(func);
    else if (isUnknownJsFunction(trimmed)) ignore(func, 'ignored unknown function name');
    // The frame's own flag was fixed above, before these function rules (Sentry does the same), so
    // a frame left with only an anonymous function still counts as a contributing frame.
    if (isLowQualityJsFrame(trimmed, frame.abs_path)) ignore(frameNode, 'ignored low quality javascript frame');
  }
  return frameNode;
}
