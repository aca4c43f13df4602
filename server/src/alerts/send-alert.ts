// The send-alert job: claims the deliveries a job stands for, sends them through their channel
// (one email per digest, one POST per webhook/Slack delivery) and records every attempt in the
// alert history: sent, retried (with the error and the next try) or failed.
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AlertDeps } from './deps.js';
import type { RedisClient } from '../shared/redis.js';
import { sendAlertJobSchema, QUEUE_SEND_ALERT, enqueueStranded, type SendAlertJob } from './alert-queue.js';
import { bullPrefix } from '../shared/queues.js';
import { DeliveryError } from './channels/delivery-error.js';
import { createMailer, type Mailer } from './channels/email.js';
import { redact } from './channels/http-post.js';
import { sendSlack } from './channels/slack.js';
import { sendWebhook } from './channels/webhook.js';
import type { AlertContent } from './content.js';
import { recordSmtpDelivery } from '../metrics/registry.js';
import {
  claimDeliveries,
  finishDeliveries,
  insertHistory,
  listStrandedDeliveries,
  recordDeliveryError,
  type DeliveryRow,
  type HistoryStatus,
} from './queries.js';
import { renderEmail } from './render.js';

const CONCURRENCY = 8; // deliveries wait on the network, not the CPU
/** How often the schedule (schedule.ts) re-enqueues stranded deliveries. */
export const ALERT_SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 500;
export const EMAIL_DISABLED = 'email delivery is disabled: set SMTP_URL to send alert emails';

export interface SenderDeps {
  deps: Pick<AlertDeps, 'config' | 'pool' | 'log'>;
  mailer: Mailer | null;
}

export async function handleSendAlert(
  s: SenderDeps,
  job: Pick<Job, 'id' | 'data' | 'attemptsMade' | 'opts'>,
): Promise<string> {
  const parsed = sendAlertJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid send-alert payload: ${parsed.error.message}`);
  const payload: SendAlertJob = parsed.data;
  const { pool, config } = s.deps;
  const rows = await claimDeliveries(
    pool,
    payload.kind === 'digest' ? { digestKey: payload.digestKey } : { deliveryId: payload.deliveryId },
    String(job.id),
  );
  if (rows.length === 0) return 'nothing pending';
  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? 1;
  const email = rows[0]!.channel === 'email';
  if (email && !s.mailer) {
    recordSmtpDelivery('skipped');
    await finishDeliveries(
      pool,
      rows.map((r) => r.id),
      'skipped',
      EMAIL_DISABLED,
    );
    await record(s, rows, 'skipped', attempt, EMAIL_DISABLED);
    return EMAIL_DISABLED;
  }
  try {
    const result = await deliver(s, rows);
    if (email) recordSmtpDelivery('sent');
    await finishDeliveries(
      pool,
      rows.map((r) => r.id),
      'sent',
      null,
    );
    await record(s, rows, 'sent', attempt, result);
    return result;
  } catch (err) {
    if (email) recordSmtpDelivery('failed');
    const message = err instanceof Error ? err.message : String(err);
    const final = (err instanceof DeliveryError && err.permanent) || attempt >= maxAttempts;
    if (final) {
      await finishDeliveries(
        pool,
        rows.map((r) => r.id),
        'failed',
        message,
      );
      await record(s, rows, 'failed', attempt, `${message} (gave up after attempt ${attempt} of ${maxAttempts})`);
      s.deps.log.warn({ err, jobId: job.id, deliveries: rows.length }, 'alert delivery failed');
      throw new UnrecoverableError(message);
    }
    const delayMs = config.alerts.retryDelayMs * 2 ** (attempt - 1);
    await recordDeliveryError(
      pool,
      rows.map((r) => r.id),
      message,
    );
    await record(
      s,
      rows,
      'retried',
      attempt,
      `${message} (attempt ${attempt} of ${maxAttempts}; next try in about ${Math.ceil(delayMs / 1000)} s)`,
    );
    throw err;
  }
}

async function deliver(s: SenderDeps, rows: DeliveryRow[]): Promise<string> {
  const first = rows[0]!;
  const cfg = s.deps.config.alerts;
  const http = { allowedHosts: cfg.webhookAllowedHosts, timeoutMs: cfg.webhookTimeoutMs };
  switch (first.channel) {
    case 'email': {
      if (!s.mailer) throw new DeliveryError(EMAIL_DISABLED, { permanent: true }); // handled above
      const email = renderEmail(
        rows.map((r) => r.alert as AlertContent),
        s.deps.config.http.baseUrl,
      );
      return s.mailer.send(first.target, email);
    }
    case 'webhook':
      return sendWebhook(first.target, first.secret ?? '', first.alert as AlertContent, first.id, http);
    case 'slack':
      return sendSlack(first.target, first.alert as AlertContent, http);
  }
}

async function record(
  s: SenderDeps,
  rows: DeliveryRow[],
  status: HistoryStatus,
  attempt: number,
  message: string,
): Promise<void> {
  await insertHistory(
    s.deps.pool,
    rows.map((r) => {
      const alert = r.alert as AlertContent;
      return {
        projectId: r.projectId,
        ruleId: alert.ruleId,
        ruleName: alert.ruleName,
        issueId: alert.issue?.id ?? null,
        eventId: alert.event?.id ?? null,
        deployId: alert.deploy?.id ?? null,
        deliveryId: r.id,
        kind: 'delivery' as const,
        status,
        channel: r.channel,
        target: r.channel === 'email' ? r.target : redact(r.target),
        attempt,
        message: rows.length > 1 && status === 'sent' ? `${message} (digest of ${rows.length} alerts)` : message,
      };
    }),
  );
}

/**
 * Starts the send-alert worker on `connection` (a blocking BullMQ connection the worker
 * entrypoint builds and closes). main-worker.ts calls it; the sweep below runs on the schedule.
 */
export async function startAlertWorker(
  deps: AlertDeps,
  connection: RedisClient,
): Promise<{ close: () => Promise<void> }> {
  const log = deps.log.child({ component: 'alerts.send' });
  const cfg = deps.config.alerts;
  const mailer = cfg.smtpUrl ? createMailer(cfg.smtpUrl, cfg.emailFrom) : null;
  if (!mailer) log.warn('SMTP_URL is not set: alert emails are disabled and recorded as skipped in the alert history');
  const sender: SenderDeps = { deps: { ...deps, log }, mailer };
  const worker = new Worker(QUEUE_SEND_ALERT, (job: Job) => handleSendAlert(sender, job), {
    connection,
    prefix: bullPrefix(deps.config.redis.prefix),
    concurrency: CONCURRENCY,
  });
  worker.on('error', (err) => log.warn({ err }, 'send-alert worker error'));
  return {
    close: async () => {
      await worker.close();
      mailer?.close();
    },
  };
}

/**
 * Re-enqueues deliveries whose job never reached Redis (the process died between commit and
 * enqueue, or Redis was down); returns how many. Throws on failure: the schedule retries.
 */
export async function requeueStrandedDeliveries(deps: AlertDeps, now = Date.now()): Promise<number> {
  const olderThan = new Date(now - deps.config.alerts.digestWindowMs - 2 * ALERT_SWEEP_INTERVAL_MS);
  const stranded = await listStrandedDeliveries(deps.pool, olderThan, SWEEP_BATCH);
  if (stranded.length === 0) return 0;
  await enqueueStranded(
    { queue: deps.alerts.queue, redis: deps.redis, prefix: deps.config.redis.prefix, cfg: deps.config.alerts },
    stranded,
    now,
  );
  deps.log.warn({ component: 'alerts.send', count: stranded.length }, 're-enqueued stranded alert deliveries');
  return stranded.length;
}
