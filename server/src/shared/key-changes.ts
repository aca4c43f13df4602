// Cross-process invalidation of the cached DSN key lookup (keys.ts): the API publishes on a Redis
// channel after a key, quota or filter change, and every ingest process drops the entry at once
// instead of serving it for up to the cache TTL (60 s). A subscriber that reconnects clears its
// whole cache, since messages sent while it was away are lost (pub/sub keeps nothing); the TTL
// stays as the backstop when Redis itself is down.
import type { RedisClient } from './redis.js';
import type { Logger } from './log.js';
import type { KeyLookup } from './keys.js';

/** Message meaning "forget every key" (quota and filter changes touch all keys of a project). */
export const ALL_KEYS = '*';

export function keyChangesChannel(prefix: string): string {
  return `${prefix}:keys:changed`;
}

/** Tells every ingest process that a key (or, with ALL_KEYS, anything) changed; never throws. */
export async function publishKeyChange(
  redis: RedisClient,
  prefix: string,
  publicKey: string,
  log: Logger,
): Promise<void> {
  try {
    await redis.publish(keyChangesChannel(prefix), publicKey);
  } catch (err) {
    log.warn({ err }, 'publishing a key change failed, ingest caches catch up within their TTL');
  }
}

/** Subscribes `keys` to changes on a dedicated connection (a subscriber can do nothing else). */
export function subscribeKeyChanges(
  subscriber: RedisClient,
  prefix: string,
  keys: KeyLookup,
  log: Logger,
): { close: () => Promise<void> } {
  const channel = keyChangesChannel(prefix);
  subscriber.on('message', (ch: string, message: string) => {
    if (ch === channel) keys.invalidate(message === ALL_KEYS ? undefined : message);
  });
  subscriber.on('ready', () => {
    keys.invalidate();
    subscriber.subscribe(channel).catch((err: unknown) => log.warn({ err }, 'subscribing to key changes failed'));
  });
  return {
    close: async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
