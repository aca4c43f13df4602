// The root pino logger. Modules take log.child({ component }) and never log secrets:
// auth headers, cookies, passwords and DSN keys are redacted here once.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-sentry-auth"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-sentry-auth"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'sentryKey',
  '*.sentryKey',
  'publicKey',
  '*.publicKey',
];

export function createLogger(opts: { level: string; pretty?: boolean }): Logger {
  return pino({
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    ...(opts.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
