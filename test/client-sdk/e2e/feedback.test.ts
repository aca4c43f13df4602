// The Faultline SDK's captureFeedback against a real Faultline (ROLE=all): the feedback lands on
// the error's issue with name, e-mail and URL; empty feedback is not sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../client-sdk/src/client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

describe('client SDK captureFeedback', { timeout: 60_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'all' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('sends a feedback item linked to the error event', async () => {
    const client = createClient({
      dsn: s.project.dsn,
      globalHandlers: false,
      environment: 'staging',
      release: 'shop@9.9.9',
    });
    const eventId = client.captureException(new Error('Payment form froze'));
    const feedbackId = client.captureFeedback({
      message: 'It froze after I clicked pay',
      name: 'Kim',
      email: 'kim@example.com',
      associatedEventId: eventId,
      url: 'https://shop.example/pay',
    });
    expect(client.captureFeedback({ message: '   ' })).toMatch(/^[0-9a-f]{32}$/); // nothing is sent for empty text
    expect(await client.flush(10_000)).toBe(true);
    await client.close(1000);
    const row = await waitFor(
      async () =>
        (
          await s.pool.query(
            `SELECT replace(f.feedback_id::text, '-', '') AS feedback_id, f.name, f.email, f.comments, f.url, f.environment, f.release, f.issue_id, e.issue_id AS event_issue_id
       FROM user_feedback f LEFT JOIN events e ON e.project_id = f.project_id AND e.event_id = f.event_id WHERE f.project_id = $1`,
            [s.project.projectId],
          )
        ).rows[0]?.event_issue_id
          ? (
              await s.pool.query(
                `SELECT replace(f.feedback_id::text, '-', '') AS feedback_id, f.name, f.email, f.comments, f.url, f.environment, f.release, e.issue_id AS event_issue_id
       FROM user_feedback f JOIN events e ON e.project_id = f.project_id AND e.event_id = f.event_id WHERE f.project_id = $1`,
                [s.project.projectId],
              )
            ).rows
          : null,
      { message: 'the feedback and its event', timeout: 20_000 },
    );
    expect(row).toHaveLength(1);
    expect(row[0]).toMatchObject({
      feedback_id: feedbackId,
      name: 'Kim',
      email: 'kim@example.com',
      comments: 'It froze after I clicked pay',
      url: 'https://shop.example/pay',
      environment: 'staging',
      release: 'shop@9.9.9',
    });
  });
});
