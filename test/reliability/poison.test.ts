// Fault: an event that makes processing throw on every attempt (a failing step the test adds to
// the pipeline's step list, test/helpers/faults.ts). It must end as a dead letter after WORKER_MAX_ATTEMPTS,
// visible through the API, while the events around it are stored; retry and delete work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poisonStep, withStepAfter } from '../helpers/faults.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { createMember, type Member } from '../helpers/api-factories.js';
import { eventIdOf, jobCounts, sendEvent } from '../helpers/reliability-harness.js';

const POISON = 'poison-pill-3f9a';

describe('poisoned events', () => {
  let s: TestServer;
  let owner: Member;
  let outsider: Member;
  beforeAll(async () => {
    s = await startTestServer(
      { ROLE: 'all', WORKER_MAX_ATTEMPTS: '3' },
      { worker: { pipeline: withStepAfter('normalize', poisonStep(POISON)) } },
    );
    owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
    outsider = await createMember(s.pool, { orgId: null });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const api = (path: string, member: Member, init: RequestInit = {}) =>
    fetch(`${s.url}/api/0/projects/${s.project.orgSlug}/${s.project.slug}/dead-letters/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${member.token}`, ...init.headers },
    });
  const stored = async () =>
    (
      await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
        s.project.projectId,
      ])
    ).rows[0]!.n;

  it('dead-letters the poisoned event after a bounded number of attempts without blocking others', async () => {
    const poisonId = eventIdOf(1, 'dead');
    const statuses = await Promise.all([
      sendEvent(s.url, s.project, { event_id: poisonId, message: `this one is ${POISON}` }),
      ...Array.from({ length: 30 }, (_, i) =>
        sendEvent(s.url, s.project, { event_id: eventIdOf(i, 'beef'), message: `fine ${i}` }),
      ),
    ]);
    expect(statuses.every((st) => st === 200)).toBe(true);
    await waitFor(async () => (await stored()) === 30, { timeout: 20_000, message: 'the 30 good events' });

    const letters = await waitFor(
      async () => {
        const res = await api('', owner);
        const body = (await res.json()) as Array<Record<string, unknown>>;
        return body.length === 1 ? body : null;
      },
      { timeout: 30_000, message: 'the dead letter' },
    );
    expect(letters[0]).toMatchObject({ kind: 'event', eventId: poisonId, attempts: 3 });
    expect(letters[0]!.error).toMatch(/gave up after 3 attempts: .*poisoned event/);
    expect(JSON.stringify(letters)).not.toContain(POISON); // payloads are never shown
    expect(await stored()).toBe(30);
    expect((await jobCounts(s.deps.queue)).waiting).toBe(0);

    // Other organizations cannot see or touch it.
    expect((await api('', outsider)).status).toBe(404);
    expect((await api(`${letters[0]!.id as string}/retry/`, outsider, { method: 'POST' })).status).toBe(404);

    // Retry sends it through again (it fails again: still poisoned), delete removes it.
    const retried = await api(`${encodeURIComponent(letters[0]!.id as string)}/retry/`, owner, { method: 'POST' });
    expect(retried.status).toBe(202);
    await waitFor(
      async () =>
        ((await (await api('', owner)).json()) as unknown[]).length === 1 &&
        (await jobCounts(s.deps.queue)).failed === 1,
      { timeout: 30_000, message: 'the retried job to fail again' },
    );
    const removed = await api(`${encodeURIComponent(letters[0]!.id as string)}/`, owner, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(await (await api('', owner)).json()).toEqual([]);
  }, 90_000);
});
