// Built-in rules that ship with the grouping config: the stack-trace rules of Sentry's
// `all-platforms@2026-01-20` base that concern JavaScript, Node, Python and generic paths, and
// the `javascript@2024-02-02` built-in fingerprint rules (grouping.md §2, §5). Project rules are
// applied after these, so a project can override them.
import { parseEnhancements, type EnhancementRule } from './enhancements.js';

const STACKTRACE_RULES_2026 = `
## well-known system locations
package:/lib/** -app
package:/usr/lib/** -app
path:/usr/local/lib/** -app
path:/usr/local/Cellar/** -app
path:**/.local/share/** -app

## Dart/Flutter on the JavaScript family
family:javascript stack.abs_path:org-dartlang-sdk:///** -app -group
family:javascript module:**/packages/flutter/** -app

## Python multiprocessing creates a fake module to call spawn_main
function:<module> | [ function:spawn_main ] category=internals
category:internals -app -group

## general
path:**/vendor/** -app

## python
path:**/site-packages/** -app
path:**/dist-packages/** -app

## js
path:**/node_modules/** -app
module:unpkg/** -app
path:**https://unpkg.com/** -app
path:**https://cdnjs.cloudflare.com/** -app
path:**https://cdn.jsdelivr.net/** -app
path:**https://esm.run/** -app
family:javascript function:reportError ^-app -app

## transpilers and polyfills are noise: not in app and not grouped
module:@babel/** -app -group
module:core-js/** -app -group
module:regenerator-runtime/** -app -group
module:tslib/** -app -group
family:javascript function:_callSuper -app -group

## node internals
function:runMicrotasks -app -group
function:queueMicrotask -app -group
function:processTicksAndRejections -app -group
function:runNextTicks -app -group
function:nextTick -app -group

## go
path:**/go/pkg/mod/** -app

## other telemetry tools
module:newrelic -app -group
path:**/*newrelic*/** -app -group
path:**/*LogRocket*/** -app -group
`;

// The 2023 base differs only in what these families see: no spawn_main rule, and internals are
// only ungrouped (not moved out of app).
const STACKTRACE_RULES_2023 = STACKTRACE_RULES_2026.replace(
  'function:<module> | [ function:spawn_main ] category=internals\ncategory:internals -app -group',
  'category:internals -group',
);

function strict(text: string): readonly EnhancementRule[] {
  const { rules, errors } = parseEnhancements(text);
  if (errors.length > 0) throw new Error(`invalid built-in stack-trace rules: ${errors.join('; ')}`);
  return rules;
}

export const BUILTIN_ENHANCEMENTS_2026 = strict(STACKTRACE_RULES_2026);
export const BUILTIN_ENHANCEMENTS_2023 = strict(STACKTRACE_RULES_2023);

export const BUILTIN_FINGERPRINT_RULES = `
family:javascript error.type:"ChunkLoadError" -> chunkloaderror
family:javascript error.value:"ChunkLoadError*" -> chunkloaderror
family:javascript tags.transaction:"*" message:"Hydration failed because the initial UI does not match what was rendered on the server." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"The server could not finish this Suspense boundary, likely due to an error during server rendering. Switched to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"There was an error while hydrating this Suspense boundary. Switched to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"There was an error while hydrating. Because the error happened outside of a Suspense boundary, the entire root will switch to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"Text content does not match server-rendered HTML." -> hydrationerror, {{tags.transaction}}
`;
