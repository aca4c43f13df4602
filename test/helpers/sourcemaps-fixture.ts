// The recorded @sentry/browser 11.12 event with a minified stack (fixture 02) and its bundle,
// for the source-map tests: the event as the normalize stage leaves it, and a writable copy of
// the bundle directory for sentry-cli (inject rewrites files in place).
import { cp, chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { normalizeEvent } from '../../server/src/pipeline/normalize.js';
import type { NormalizedEvent } from '../../server/src/shared/protocol/event.js';

export const FIXTURE_DIR = path.resolve('test/fixtures/sdk-captures/browser-sdk-11.12');
export const BUNDLE_URL = 'http://127.0.0.1:9930/assets/index-CXTlBatX.js';

/** The event item of fixture 02 (raw JSON, as the SDK sent it). */
export async function fixtureEventJson(): Promise<Record<string, unknown>> {
  const capture = JSON.parse(await readFile(path.join(FIXTURE_DIR, '02-event-minified-typeerror.json'), 'utf8')) as {
    body_base64: string;
  };
  const lines = Buffer.from(capture.body_base64, 'base64').toString('utf8').split('\n');
  return JSON.parse(lines[2]!) as Record<string, unknown>;
}

export function normalized(raw: Record<string, unknown>): NormalizedEvent {
  return normalizeEvent(structuredClone(raw), {
    eventId: String(raw.event_id ?? '0'.repeat(32)).replace(/-/g, ''),
    receivedAt: Date.now(),
  });
}

/** A writable copy of the built files (index-CXTlBatX.js and its map, no source) in a temp dir. */
export async function bundleCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'faultline-bundle-'));
  await cp(path.join(FIXTURE_DIR, 'bundle'), dir, { recursive: true });
  await chmod(dir, 0o755);
  for (const f of await readdir(dir)) await chmod(path.join(dir, f), 0o644);
  await rm(path.join(dir, 'main.source.js'));
  return dir;
}

export async function mainSourceLines(): Promise<string[]> {
  return (await readFile(path.join(FIXTURE_DIR, 'bundle/main.source.js'), 'utf8')).split('\n');
}
