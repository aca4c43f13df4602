// Email channel: one SMTP message (plain text + HTML) per recipient and digest, via nodemailer.
// A permanent SMTP rejection (5xx) is not retried; connection trouble and 4xx are.
import { createTransport } from 'nodemailer';
import type { RenderedEmail } from '../render.js';
import { DeliveryError } from './delivery-error.js';

const SMTP_TIMEOUT_MS = 15_000; // connect, greeting and socket idle: an outage shows up quickly

export interface Mailer {
  send(to: string, email: RenderedEmail): Promise<string>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = createTransport({
    url: smtpUrl,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(to, email) {
      try {
        const info = await transport.sendMail({ from, to, subject: email.subject, text: email.text, html: email.html });
        return `accepted by SMTP server: ${info.response}`;
      } catch (err) {
        const code = (err as { responseCode?: unknown }).responseCode;
        const permanent = typeof code === 'number' && code >= 500;
        throw new DeliveryError(`SMTP delivery to ${to} failed: ${(err as Error).message}`, { permanent, cause: err });
      }
    },
    close: () => transport.close(),
  };
}
