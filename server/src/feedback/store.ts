// Stores parsed feedback: scrubbed with its project's data-scrubbing settings (the text, name
// and URL get the same key and pattern rules as an event's contexts; the contact address stays,
// it is what the feedback is for), then inserted and linked to its event's issue.
import type { Queryable } from '../db/pool.js';
import type { NormalizedEvent } from '../shared/protocol/event.js';
import { listProjectScrubSettings } from '../scrub/queries.js';
import {
  compileScrubRules,
  effectiveScrubSettings,
  type ScrubRules,
  type ServerScrubDefaults,
} from '../scrub/rules.js';
import { scrubEvent } from '../scrub/scrub-event.js';
import type { Feedback } from '../shared/protocol/feedback.js';
import { upsertFeedback, type FeedbackRow } from './queries.js';

/** Pure: the feedback with its free-text fields scrubbed. */
export function scrubFeedback(f: Feedback, rules: ScrubRules): Feedback {
  const shell = {
    contexts: { feedback: { message: f.comments, name: f.name, url: f.url } },
  } as unknown as NormalizedEvent;
  const out = (
    scrubEvent(shell, rules) as unknown as { contexts: { feedback: { message: unknown; name: unknown; url: unknown } } }
  ).contexts.feedback;
  return { ...f, comments: String(out.message), name: String(out.name), url: out.url == null ? null : String(out.url) };
}

export async function storeFeedback(
  db: Queryable,
  server: ServerScrubDefaults,
  items: Array<Feedback & { projectId: string }>,
): Promise<FeedbackRow[]> {
  if (items.length === 0) return [];
  const settings = await listProjectScrubSettings(db, [...new Set(items.map((i) => i.projectId))]);
  const rules = new Map<string, ScrubRules>();
  const scrubbed = items.map((i) => {
    let r = rules.get(i.projectId);
    if (!r)
      rules.set(
        i.projectId,
        (r = compileScrubRules(effectiveScrubSettings(settings.get(i.projectId) ?? null, server))),
      );
    return { ...scrubFeedback(i, r), projectId: i.projectId };
  });
  return upsertFeedback(db, scrubbed);
}
