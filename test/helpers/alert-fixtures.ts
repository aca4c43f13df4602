// Test fixtures for alert tests: organization members with API tokens, issues and events
// inserted with plain SQL, deps built like the entrypoint's, and outside-world receivers
// (an SMTP server, an HTTP receiver) on 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import type { Queryable } from '../../server/src/db/pool.js';

export async function createMember(
  db: Queryable,
  orgId: string,
  email: string,
  role = 'member',
): Promise<{ userId: string; token: string }> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id', [
    email,
    email.split('@')[0],
  ]);
  const userId = rows[0]!.id;
  await db.query('INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)', [orgId, userId, role]);
  const token = `sntryu_${randomBytes(32).toString('hex')}`;
  await db.query('INSERT INTO api_tokens (user_id, token_hash) VALUES ($1, $2)', [
    userId,
    createHash('sha256').update(token).digest('hex'),
  ]);
  return { userId, token };
}

/** An issue with one stored event whose payload has a stack trace. */
export async function createIssueWithEvent(
  db: Queryable,
  projectId: string,
  title: string,
): Promise<{ issueId: string; eventId: string }> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO issues (project_id, short_id, title, culprit, level, first_seen, last_seen, event_count, user_count)
     VALUES ($1, (SELECT coalesce(max(short_id), 0) + 1 FROM issues WHERE project_id = $1), $2, 'app.js', 'error', now(), now(), 1, 1)
     RETURNING id`,
    [projectId, title],
  );
  const eventId = randomBytes(16).toString('hex');
  const payload = {
    exception: {
      values: [
        {
          type: 'TypeError',
          value: title,
          stacktrace: {
            frames: [
              { function: 'main', filename: 'app.js', lineno: 1, in_app: true },
              { function: 'chargeCard', filename: 'lib/pay.js', lineno: 12, colno: 5, in_app: true },
            ],
          },
        },
      ],
    },
  };
  await db.query(
    `INSERT INTO events (project_id, event_id, timestamp, received_at, issue_id, level, release, environment, title, payload)
     VALUES ($1, $2, now(), now(), $3, 'error', 'web@1.0.0', 'production', $4, $5)`,
    [projectId, eventId, rows[0]!.id, title, JSON.stringify(payload)],
  );
  return { issueId: rows[0]!.id, eventId };
}

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver on 127.0.0.1 answering `status(path)` (200 by default). */
export async function startReceiver(
  status: (path: string) => number = () => 200,
): Promise<{ url: string; received: ReceivedRequest[]; close: () => Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const code = status(req.url ?? '');
      res.writeHead(code, code >= 300 && code < 400 ? { location: 'http://127.0.0.1:1/elsewhere' } : {});
      res.end(code === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message with quoted-printable soft breaks and escapes decoded. */
  raw: string;
  subject: string;
}

/** A real SMTP server on 127.0.0.1 (no TLS, no auth) that can be stopped and started again on its port. */
export async function startSmtp(
  port = 0,
): Promise<{ port: number; mails: ReceivedMail[]; stop: () => Promise<void>; restart: () => Promise<void> }> {
  const mails: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  const listen = async (p: number) => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = decodeQp(Buffer.concat(chunks).toString('utf8'));
          const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? '';
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            subject,
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(p, '127.0.0.1', () => resolve());
    });
    return (server.server.address() as AddressInfo).port;
  };
  const actual = await listen(port);
  return {
    port: actual,
    mails,
    stop: () => new Promise<void>((r) => server!.close(() => r())),
    restart: async () => {
      await listen(actual);
    },
  };
}

function decodeQp(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function newRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}
