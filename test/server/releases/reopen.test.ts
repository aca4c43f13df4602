// Release-aware reopening through the real pipeline: an issue resolved "in the next release" or
// "in release X" reopens (as regressed) only for events from a later release — an old host still
// sending the fixed error from the old release must not reopen it — while a plain resolve
// reopens on any new event. Resolutions are stored as the API must store them
// (resolutionColumnsFor + findLatestReleaseVersion).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../server/src/pipeline/process-event.js';
import { findLatestReleaseVersion } from '../../../server/src/releases/api-queries.js';
import { resolutionColumnsFor } from '../../../server/src/releases/regressions.js';
import { createProject } from '../../helpers/factories.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';

const t = usePipelineTestContext();

/** Sends one event of error `type` from `release` (null: none) on `host`; returns its issue id. */
async function send(
  projectId: string,
  type: string,
  release: string | null,
  host = 'web-1',
): Promise<{ issueId: string }> {
  const eventId = randomBytes(16).toString('hex');
  const event = {
    platform: 'node',
    level: 'error',
    timestamp: Date.now() / 1000 - 1,
    server_name: host,
    environment: 'production',
    ...(release ? { release } : {}),
    exception: {
      values: [
        {
          type,
          value: 'boom',
          stacktrace: {
            frames: [{ filename: '/srv/app/a.js', function: type.toLowerCase(), module: 'a', lineno: 1, in_app: true }],
          },
        },
      ],
    },
  };
  const [outcome] = await processBatch(t.deps, [
    { v: 1, kind: 'event', projectId, eventId, receivedAt: Date.now(), payload: JSON.stringify(event), meta: {} },
  ]);
  if (outcome?.kind !== 'stored') throw new Error(`event not stored: ${JSON.stringify(outcome)}`);
  return { issueId: outcome.issueId };
}

/** What PUT /issues/{id}/ must write for a resolve with these statusDetails. */
async function resolve(
  issueId: string,
  projectId: string,
  details: { inNextRelease?: boolean; inRelease?: string },
): Promise<void> {
  const c = resolutionColumnsFor(details, await findLatestReleaseVersion(t.db.pool, projectId));
  await t.db.pool.query(
    `UPDATE issues SET status = 'resolved', substatus = NULL, resolved_at = now(), resolved_in_release = $2,
       resolved_in_next_release = $3, resolved_after_release = $4 WHERE id = $1`,
    [issueId, c.resolvedInRelease, c.resolvedInNextRelease, c.resolvedAfterRelease],
  );
}

async function status(issueId: string): Promise<{ status: string; substatus: string | null }> {
  const { rows } = await t.db.pool.query<{ status: string; substatus: string | null }>(
    `SELECT status, substatus FROM issues WHERE id = $1`,
    [issueId],
  );
  return rows[0]!;
}

describe('release-aware reopening', () => {
  it('"resolved in the next release": the old host on the old release does not reopen, the next release does', async () => {
    const p = await createProject(t.db.pool);
    const { issueId } = await send(p.projectId, 'CartError', 'shop@1.4.0', 'web-1');
    await resolve(issueId, p.projectId, { inNextRelease: true });
    await send(p.projectId, 'CartError', 'shop@1.4.0', 'web-3'); // web-3 not upgraded yet
    expect(await status(issueId)).toEqual({ status: 'resolved', substatus: null });
    await send(p.projectId, 'CartError', 'shop@1.4.1', 'web-1'); // the fix did not work
    expect(await status(issueId)).toEqual({ status: 'unresolved', substatus: 'regressed' });
  });

  it('"resolved in release X": events from older releases keep it resolved, X itself reopens it', async () => {
    const p = await createProject(t.db.pool);
    const { issueId } = await send(p.projectId, 'StockError', 'shop@1.4.0');
    await resolve(issueId, p.projectId, { inRelease: 'shop@1.5.0' });
    await send(p.projectId, 'StockError', 'shop@1.4.0', 'web-2');
    await send(p.projectId, 'StockError', 'shop@1.4.9', 'web-3');
    expect((await status(issueId)).status).toBe('resolved');
    await send(p.projectId, 'StockError', 'shop@1.5.0', 'web-1');
    expect(await status(issueId)).toEqual({ status: 'unresolved', substatus: 'regressed' });
  });

  it('orders non-semver releases by when they were first seen', async () => {
    const p = await createProject(t.db.pool);
    const { issueId } = await send(p.projectId, 'BuildError', 'build-7f3a');
    await resolve(issueId, p.projectId, { inNextRelease: true });
    await send(p.projectId, 'BuildError', 'build-7f3a', 'web-2');
    expect((await status(issueId)).status).toBe('resolved');
    await send(p.projectId, 'BuildError', 'build-01cd', 'web-1'); // first seen now: newer
    expect(await status(issueId)).toEqual({ status: 'unresolved', substatus: 'regressed' });
  });

  it('an event without a release does not reopen a release-resolved issue', async () => {
    const p = await createProject(t.db.pool);
    const { issueId } = await send(p.projectId, 'NoReleaseError', 'shop@2.0.0');
    await resolve(issueId, p.projectId, { inNextRelease: true });
    await send(p.projectId, 'NoReleaseError', null);
    expect((await status(issueId)).status).toBe('resolved');
  });

  it('a plain resolve reopens on any new event, even from the old release', async () => {
    const p = await createProject(t.db.pool);
    const { issueId } = await send(p.projectId, 'PlainError', 'shop@1.0.0');
    await resolve(issueId, p.projectId, {});
    await send(p.projectId, 'PlainError', 'shop@1.0.0', 'web-9');
    expect(await status(issueId)).toEqual({ status: 'unresolved', substatus: 'regressed' });
  });
});
