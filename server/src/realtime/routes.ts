// GET /api/0/organizations/{org}/stream/ — the live stream as server-sent events.
// Filters: ?project=slug|id&environment=&release=&level= (repeatable; empty = any). Resume: the
// browser's Last-Event-ID header (or ?lastEventId=) replays the buffered entries after it, then
// switches to live ones, skipping what the replay already sent, so a reconnect leaves no gap.
// A fresh connection (no resume, unless ?backfill=0) first gets the buffer's newest events of
// the last BACKFILL_MINUTES (at most BACKFILL_EVENTS matching the filter) with the deploy
// markers among them, marked `earlier`; live entries then continue after them, never twice.
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg, requireScope } from '../api/auth.js';
import { HttpError } from '../api/errors.js';
import { findOrganizationForMember } from '../organizations/queries.js';
import { createHub, type Hub, type StreamEntry } from './hub.js';
import { matchesStreamFilter, type StreamFilter, type StreamHello } from './messages.js';
import { compareStreamIds, isStreamId } from './stream-id.js';
import { duplicateRedis } from '../shared/redis.js';

const HEARTBEAT_MS = 15_000; // keeps proxies from closing an idle connection
const RETRY_MS = 2_000; // the browser's reconnect delay
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024; // a client this far behind is cut off; it resumes on reconnect
const BACKFILL_EVENTS = 100; // what a person opening the stream after a deploy wants to see first
const BACKFILL_MINUTES = 15;
const BACKFILL_SCAN = 2_000; // buffered entries read at most to find them (filters may skip many)

export function parseStreamFilter(query: Record<string, string | string[] | undefined>): StreamFilter {
  const list = (k: string) => {
    const v = query[k];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v])
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .slice(0, 50);
  };
  return {
    projects: list('project'),
    environments: list('environment'),
    releases: list('release'),
    levels: list('level'),
  };
}

export function formatFrame(entry: StreamEntry): string {
  return `id: ${entry.id}\nevent: ${entry.message.type}\ndata: ${JSON.stringify(entry.message)}\n\n`;
}

export function registerRealtimeRoutes(router: ApiRouter, deps: Deps): { close: () => Promise<void> } {
  const log = deps.log.child({ component: 'realtime' });
  let hub: Hub | null = null;
  const open = new Set<() => void>();
  const getHub = () => {
    if (hub) return hub;
    // One subscriber connection per process, opened on the first stream request.
    const subscriber = duplicateRedis(deps.redis, { enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('error', (err: Error) => log.warn({ err }, 'live stream subscriber connection error'));
    return (hub = createHub(deps.redis, subscriber, deps.config.redis.prefix));
  };

  router.get('/organizations/:org/stream/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const access = await requireOrg(ctx, ctx.params.org!);
    const filter = parseStreamFilter(ctx.query);
    const resumeFrom =
      ctx.get('last-event-id') || (typeof ctx.query.lastEventId === 'string' ? ctx.query.lastEventId : '');
    if (resumeFrom !== '' && !isStreamId(resumeFrom))
      throw new HttpError(400, 'invalid-last-event-id', 'Last-Event-ID must be an id this stream sent');
    // Membership is checked again on every heartbeat: a removed member's stream ends.
    const stillMember = async () => {
      try {
        return (await findOrganizationForMember(deps.pool, access.org.slug, access.caller.user.id)) !== null;
      } catch (err) {
        log.warn({ err }, 'live stream membership check failed; keeping the stream until the next check');
        return true;
      }
    };
    const backfill = resumeFrom === '' && ctx.query.backfill !== '0';
    await openStream(ctx, getHub(), open, {
      orgId: access.org.id,
      filter,
      resumeFrom: resumeFrom || null,
      backfill,
      stillMember,
    });
  });

  return {
    close: async () => {
      for (const end of [...open]) end();
      await hub?.close();
      hub = null;
    },
  };
}

interface StreamOptions {
  orgId: string;
  filter: StreamFilter;
  resumeFrom: string | null;
  backfill: boolean;
  stillMember: () => Promise<boolean>;
}

/** The newest matching events of the window and the deploy markers among them, oldest first, marked earlier. */
export function pickBackfill(newestFirst: StreamEntry[], filter: StreamFilter, maxEvents: number): StreamEntry[] {
  const picked: StreamEntry[] = [];
  let events = 0;
  for (const e of newestFirst) {
    if (!matchesStreamFilter(e.message, filter)) continue;
    if (e.message.type === 'EventCreate' && events++ >= maxEvents) break;
    picked.push({ id: e.id, message: { ...e.message, earlier: true } });
  }
  return picked.reverse();
}

async function openStream(ctx: Koa.Context, hub: Hub, open: Set<() => void>, o: StreamOptions): Promise<void> {
  const res = ctx.res;
  let lastSeen = o.resumeFrom;
  let live = false;
  const pending: StreamEntry[] = [];
  const send = (entries: StreamEntry[]) => {
    let out = '';
    for (const e of entries) {
      if (lastSeen !== null && compareStreamIds(e.id, lastSeen) <= 0) continue; // already sent by the replay
      lastSeen = e.id;
      if (matchesStreamFilter(e.message, o.filter)) out += formatFrame(e);
    }
    if (out === '') return;
    res.write(out);
    if (res.writableLength > MAX_BUFFERED_BYTES) end();
  };
  // Subscribe before reading the buffer: entries published meanwhile wait in `pending`.
  const unsubscribe = await hub.subscribe(o.orgId, (entries) => (live ? send(entries) : pending.push(...entries)));
  let replay: { entries: StreamEntry[]; gap: boolean } = { entries: [], gap: false };
  try {
    if (o.resumeFrom) replay = await hub.replay(o.orgId, o.resumeFrom);
    else if (o.backfill)
      replay.entries = pickBackfill(
        await hub.recent(o.orgId, Date.now() - BACKFILL_MINUTES * 60_000, BACKFILL_SCAN),
        o.filter,
        BACKFILL_EVENTS,
      );
  } catch (err) {
    unsubscribe();
    throw err;
  }
  const heartbeat = setInterval(() => {
    res.write(': keepalive\n\n');
    void o.stillMember().then((ok) => ok || end());
  }, HEARTBEAT_MS);
  let ended = false;
  function end() {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe();
    open.delete(end);
    res.end();
  }
  open.add(end);
  res.on('close', end);
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  // The response is a long-lived stream written here, not a Koa body: bypass Koa's responder.
  ctx.respond = false;
  ctx.set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
  ctx.status = 200; // for the middleware above (the API's 404 check), which runs after this returns
  res.writeHead(200);
  const backfilled = o.resumeFrom === null ? replay.entries.length : 0;
  const hello: StreamHello = {
    type: 'StreamHello',
    serverTime: new Date().toISOString(),
    resumed: o.resumeFrom !== null,
    gap: replay.gap,
    backfill: backfilled,
  };
  res.write(`retry: ${RETRY_MS}\nevent: StreamHello\ndata: ${JSON.stringify(hello)}\n\n`);
  send(replay.entries);
  send(pending.splice(0));
  live = true;
}
