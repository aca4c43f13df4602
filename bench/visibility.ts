// Watchers for "accept → visible": a live-stream (SSE) subscriber that notes when each event id
// arrives, and an API poller that lists one issue's newest events every few milliseconds and
// notes when each id first appears. Both record wall-clock milliseconds (same host clock as the
// load generator's accept times).
import { request } from 'undici';

export interface Watcher {
  /** eventId → first time seen (ms since epoch). */
  seen: Map<string, number>;
  /** Requests made (API) or frames read (stream). */
  count: () => number;
  /** Why it could not run, when it could not. */
  error: () => string | null;
  stop: () => Promise<void>;
}

const wallNow = () => performance.timeOrigin + performance.now();

export async function watchStream(origin: string, orgSlug: string, token: string): Promise<Watcher> {
  const seen = new Map<string, number>();
  const controller = new AbortController();
  let frames = 0;
  let error: string | null = null;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(`${origin}/api/0/organizations/${orgSlug}/stream/`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
  } catch (err) {
    return idle(`stream request failed: ${(err as Error).message}`);
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    return idle(`stream endpoint answered ${res.statusCode}`);
  }
  const reading = (async () => {
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        const at = wallNow();
        buffer += (chunk as Buffer).toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          frames++;
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data || !frame.includes('event: EventCreate')) continue;
          const id = (JSON.parse(data.slice(6)) as { eventId?: string }).eventId;
          if (id && !seen.has(id)) seen.set(id, at);
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) error = `stream broke: ${(err as Error).message}`;
    }
  })();
  return {
    seen,
    count: () => frames,
    error: () => error,
    stop: async () => {
      controller.abort();
      await reading;
    },
  };
}

export function watchApi(origin: string, issueId: string, token: string, everyMs: number): Watcher {
  const seen = new Map<string, number>();
  let stopped = false;
  let polls = 0;
  let error: string | null = null;
  const loop = (async () => {
    while (!stopped) {
      try {
        const res = await request(`${origin}/api/0/issues/${issueId}/events/?limit=25`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const at = wallNow();
        polls++;
        if (res.statusCode !== 200) {
          error = `issue events answered ${res.statusCode}`;
          await res.body.dump();
        } else {
          for (const e of (await res.body.json()) as Array<{ eventID: string }>)
            if (!seen.has(e.eventID)) seen.set(e.eventID, at);
        }
      } catch (err) {
        error = `issue events request failed: ${(err as Error).message}`;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    seen,
    count: () => polls,
    error: () => error,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

function idle(error: string): Watcher {
  return { seen: new Map(), count: () => 0, error: () => error, stop: async () => {} };
}

export interface VisibilityLatency {
  samples: number;
  missing: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Latency from each accepted event (id, acceptedAt) to when the watcher saw it. */
export function visibilityLatency(accepted: Array<[string, number]>, seen: Map<string, number>): VisibilityLatency {
  const lat: number[] = [];
  let missing = 0;
  for (const [id, at] of accepted) {
    const t = seen.get(id);
    if (t === undefined) missing++;
    else lat.push(Math.max(0, t - at));
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) =>
    lat.length === 0 ? null : Math.round(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]! * 10) / 10;
  return { samples: lat.length, missing, p50: q(50), p95: q(95), p99: q(99) };
}
