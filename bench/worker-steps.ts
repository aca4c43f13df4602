// `npx tsx bench/worker-steps.ts [rounds]`: the worker's CPU-only work per typical event, step by
// step, in this process: parse, normalize, scrub, fingerprint (through a warm grouping cache), tag,
// serialize and compress the stored payload, tally the counters. Batches of 500 of the 200
// benchmark variants; each figure is the minimum over the rounds, which is what the code costs
// once the machine's other load is taken out (a loaded machine only ever adds to CPU time), so
// two versions of a step can be compared on a busy box. No Postgres, Redis or queue.
import { encodePayload } from '../server/src/events/payload-codec.js';
import { eventTags, userTagValue } from '../server/src/events/tags.js';
import { eventFlags } from '../server/src/flags/evaluations.js';
import { fingerprint } from '../server/src/pipeline/fingerprint.js';
import { createGroupingCache } from '../server/src/pipeline/grouping-cache.js';
import { normalizeEvent, parseEventJson } from '../server/src/pipeline/normalize.js';
import type { AssignedEvent } from '../server/src/pipeline/prepared.js';
import { scrub } from '../server/src/pipeline/scrub.js';
import { storedPayload } from '../server/src/pipeline/store.js';
import { iso, tally } from '../server/src/pipeline/tally.js';
import { eventJsonVariants } from './payloads.js';

const rounds = Math.max(3, Number(process.argv[2] ?? 14));
const BATCH = 500;
const EVENTS_PER_ROUND = 3000;
const variants = eventJsonVariants('envelope', 200);
const cache = createGroupingCache();
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const names = ['parse', 'normalize', 'scrub', 'fingerprint', 'tag', 'serialize', 'compress', 'tally'] as const;
const best = names.map(() => Infinity);
let bestTotal = Infinity;

for (let round = 0; round < rounds; round++) {
  const spent = names.map(() => 0);
  let at = cpuUs();
  const lap = (i: number) => {
    const now = cpuUs();
    spent[i]! += now - at;
    at = now;
  };
  const started = at;
  for (let b = 0; b < EVENTS_PER_ROUND / BATCH; b++) {
    const n = (k: number) => b * BATCH + k;
    const texts = Array.from({ length: BATCH }, (_, k) => variants[(n(k) * 7919) % variants.length]!);
    at = cpuUs();
    const raws = texts.map(parseEventJson);
    lap(0);
    const receivedAt = Date.now();
    const events = raws.map((raw, k) =>
      normalizeEvent(raw, { eventId: n(k).toString(16).padStart(32, '0'), receivedAt, clientIp: '192.0.2.1' }),
    );
    lap(1);
    for (const e of events) scrub(e);
    lap(2);
    const prints = events.map((e) => fingerprint(e, undefined, cache));
    lap(3);
    const assigned = events.map((e, k): AssignedEvent => ({
      projectId: '1',
      eventId: e.event_id,
      receivedAt,
      event: e,
      ...prints[k]!,
      tags: eventTags(e),
      userKey: userTagValue(e),
      flags: eventFlags(e),
      issueId: String((k % 200) + 1),
      isNewIssue: false,
    }));
    lap(4);
    const payloads = assigned.map((a) => {
      iso(a.event.timestamp);
      iso(a.receivedAt / 1000);
      return JSON.stringify(storedPayload(a));
    });
    lap(5);
    for (const p of payloads) encodePayload(p);
    lap(6);
    tally(assigned);
    lap(7);
  }
  if (round < 2) continue; // warm-up: JIT and the grouping cache
  spent.forEach((us, i) => (best[i] = Math.min(best[i]!, us / EVENTS_PER_ROUND)));
  bestTotal = Math.min(bestTotal, (cpuUs() - started) / EVENTS_PER_ROUND);
}
process.stdout.write(
  `CPU µs per typical event (min of ${rounds - 2} rounds): ${names.map((s, i) => `${s} ${best[i]!.toFixed(1)}`).join(', ')}; total ${bestTotal.toFixed(1)}\n`,
);
