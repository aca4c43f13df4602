// The live stream hub: publishes stream messages to Redis and fans them out to SSE connections.
// Each organization has one capped Redis stream (XADD MAXLEN ~, the resume buffer) and one
// pub/sub channel; a Lua script appends and publishes in one step, so the channel carries
// entries in stream-id order. Each process holds one subscriber connection, shared by all of
// its SSE clients (one channel subscription per organization with listeners).
import type { RedisClient } from '../shared/redis.js';
import type { StreamMessage } from './messages.js';
import { compareStreamIds } from './stream-id.js';

export interface StreamEntry {
  id: string;
  message: StreamMessage;
}

const KEEP_IDLE_STREAM_SECONDS = 24 * 3600; // an organization's buffer expires a day after its last message
const MAX_REPLAY = 5_000; // entries sent on resume at most; older ones count as a gap

export function streamKey(prefix: string, orgId: string): string {
  return `${prefix}:live:${orgId}`;
}

// KEYS[1] stream key; ARGV[1] max length, ARGV[2] channel, ARGV[3] ttl, ARGV[4..] messages (JSON).
// Publishes "id json" lines, one per entry, in one message per call.
const APPEND_AND_PUBLISH = `
local lines = {}
for i = 4, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[i])
  lines[#lines + 1] = id .. ' ' .. ARGV[i]
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[2], table.concat(lines, '\\n'))
return #lines
`;

/** Appends messages to an organization's stream and publishes them (any Redis client). */
export async function publishToStream(
  redis: RedisClient,
  opts: { prefix: string; bufferSize: number },
  orgId: string,
  messages: StreamMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  const key = streamKey(opts.prefix, orgId);
  await redis.eval(
    APPEND_AND_PUBLISH,
    1,
    key,
    opts.bufferSize,
    key,
    KEEP_IDLE_STREAM_SECONDS,
    ...messages.map((m) => JSON.stringify(m)),
  );
}

/** Parses a published payload ("id json" lines) into entries; malformed lines are skipped. */
export function parsePublished(payload: string): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const line of payload.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    try {
      out.push({ id: line.slice(0, sp), message: JSON.parse(line.slice(sp + 1)) as StreamMessage });
    } catch {
      continue; // not ours (someone published to our channel by hand): ignore it
    }
  }
  return out;
}

export type Listener = (entries: StreamEntry[]) => void;

export interface Hub {
  /** Starts receiving an organization's live entries; resolves once the subscription is active. */
  subscribe(orgId: string, listener: Listener): Promise<() => void>;
  /** Entries after `afterId` still in the buffer, and whether some were already trimmed (a gap). */
  replay(orgId: string, afterId: string): Promise<{ entries: StreamEntry[]; gap: boolean }>;
  /** Up to `max` of the newest buffered entries added at or after `sinceMs`, newest first. */
  recent(orgId: string, sinceMs: number, max: number): Promise<StreamEntry[]>;
  close(): Promise<void>;
}

/**
 * `subscriber` becomes a dedicated subscriber connection (the hub owns and closes it);
 * `redis` is a normal client for reads.
 */
export function createHub(redis: RedisClient, subscriber: RedisClient, prefix: string): Hub {
  const listeners = new Map<string, Set<Listener>>();
  const ready = new Map<string, Promise<unknown>>(); // per organization: the SUBSCRIBE in flight or done
  const channelPrefix = `${prefix}:live:`;

  subscriber.on('message', (channel: string, payload: string) => {
    if (!channel.startsWith(channelPrefix)) return;
    const set = listeners.get(channel.slice(channelPrefix.length));
    if (!set || set.size === 0) return;
    const entries = parsePublished(payload);
    for (const l of set) l(entries);
  });

  return {
    async subscribe(orgId, listener) {
      let set = listeners.get(orgId);
      if (!set) listeners.set(orgId, (set = new Set()));
      set.add(listener);
      let subscribed = ready.get(orgId);
      if (!subscribed) ready.set(orgId, (subscribed = subscriber.subscribe(streamKey(prefix, orgId))));
      const unsubscribe = () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(orgId) === set) {
          listeners.delete(orgId);
          ready.delete(orgId);
          subscriber.unsubscribe(streamKey(prefix, orgId)).catch(() => {});
        }
      };
      try {
        await subscribed;
      } catch (err) {
        unsubscribe();
        throw new Error('live stream: subscribing to Redis failed', { cause: err });
      }
      return unsubscribe;
    },

    async replay(orgId, afterId) {
      const key = streamKey(prefix, orgId);
      const rows = (await redis.xrange(key, `(${afterId}`, '+', 'COUNT', MAX_REPLAY)) as Array<[string, string[]]>;
      const entries = rows.flatMap(([id, fields]) => {
        const json = fields[1];
        try {
          return json ? [{ id, message: JSON.parse(json) as StreamMessage }] : [];
        } catch {
          return []; // a corrupt entry is skipped, not fatal for the connection
        }
      });
      return { entries, gap: rows.length === MAX_REPLAY || (await wasTrimmedAfter(redis, key, afterId)) };
    },

    async recent(orgId, sinceMs, max) {
      const rows = (await redis.xrevrange(
        streamKey(prefix, orgId),
        '+',
        String(Math.floor(sinceMs)),
        'COUNT',
        max,
      )) as Array<[string, string[]]>;
      return rows.flatMap(([id, fields]) => {
        try {
          return fields[1] ? [{ id, message: JSON.parse(fields[1]) as StreamMessage }] : [];
        } catch {
          return [];
        }
      });
    },

    async close() {
      listeners.clear();
      ready.clear();
      subscriber.disconnect();
    },
  };
}

/**
 * Whether entries newer than `afterId` may have been trimmed away: the resume point itself is
 * older than the oldest retained entry. (Conservative: if exactly the next entry survived, this
 * still says "gap"; the UI then only shows a notice.)
 */
async function wasTrimmedAfter(redis: RedisClient, key: string, afterId: string): Promise<boolean> {
  const first = (await redis.xrange(key, '-', '+', 'COUNT', 1)) as Array<[string, string[]]>;
  const firstId = first[0]?.[0];
  return firstId !== undefined && compareStreamIds(afterId, firstId) < 0;
}
