// Automatic capture of errors nobody caught (mechanism handled: false), keeping the runtime's
// own behaviour: Node still exits with 1 after an uncaught exception (once the SDK has flushed)
// and follows its --unhandled-rejections mode; browsers still log. See installNodeHandlers.

import type { Client } from './client.js';
import { nodeBuiltin, nodeProcess } from './runtime.js';
import type { Mechanism } from './types.js';

type NodeProcess = NonNullable<ReturnType<typeof nodeProcess>>;
type Capturer = Pick<Client, 'captureException' | 'flush'>;

/** Installs the handlers for this runtime; returns a function that removes them. */
export function installGlobalHandlers(client: Capturer, shutdownTimeout: number): () => void {
  try {
    const proc = nodeProcess();
    return proc ? installNodeHandlers(proc, client, shutdownTimeout) : installBrowserHandlers(client);
  } catch {
    return () => undefined;
  }
}

/** Node's --unhandled-rejections mode from the command line or NODE_OPTIONS; default 'throw'. */
export function unhandledRejectionsMode(execArgv: readonly string[], nodeOptions = ''): string {
  const args = [...nodeOptions.split(/\s+/), ...execArgv];
  let mode = 'throw';
  for (const arg of args) {
    const m = /^--unhandled-rejections=(\S+)$/.exec(arg);
    if (m?.[1]) mode = m[1];
  }
  return mode;
}

/**
 * An 'uncaughtException' listener captures, then — unless the application has its own listener —
 * prints the error, flushes for `shutdownTimeout` and exits with 1 as Node would have.
 * Unhandled rejections: under Node's default mode (throw) and strict, Node re-raises them as
 * uncaught exceptions (origin 'unhandledRejection'), caught by that same listener; under warn,
 * warn-with-error-code and none an 'unhandledRejection' listener captures them.
 */
function installNodeHandlers(proc: NodeProcess, client: Capturer, shutdownTimeout: number): () => void {
  let exiting = false;

  const onUncaught = (error: unknown, origin?: string): void => {
    try {
      const appHandles = proc.listeners('uncaughtException').some((l) => l !== onUncaught);
      const type = origin === 'unhandledRejection' ? 'onunhandledrejection' : 'onuncaughtexception';
      client.captureException(error, { level: appHandles ? 'error' : 'fatal' }, { type, handled: false });
      // With its own listener the application decides; Node would not exit either.
      if (appHandles || exiting) return;
      exiting = true;
      printFatal(proc, error);
      proc.exitCode = 1;
      const exit = (): never => proc.exit(1);
      client.flush(shutdownTimeout).then(exit, exit);
    } catch {
      proc.exit(1);
    }
  };
  proc.on('uncaughtException', onUncaught);

  const mode = unhandledRejectionsMode(proc.execArgv, proc.env.NODE_OPTIONS);
  // Listening would turn Node's throw/strict handling off; those reach onUncaught instead.
  const listenToRejections = mode === 'warn' || mode === 'warn-with-error-code' || mode === 'none';
  const onRejection = (reason: unknown): void => {
    try {
      client.captureException(reason, { level: 'error' }, { type: 'onunhandledrejection', handled: false });
      const alone = proc.listeners('unhandledRejection').every((l) => l === onRejection);
      // warn-with-error-code warns and sets the exit code only when no listener exists: ours must not hide that.
      if (mode === 'warn-with-error-code' && alone) {
        proc.emitWarning(inspect(reason), 'UnhandledPromiseRejectionWarning');
        proc.exitCode = 1;
      }
    } catch {
      // never throw from a process listener
    }
  };
  if (listenToRejections) proc.on('unhandledRejection', onRejection);

  return () => {
    proc.off('uncaughtException', onUncaught);
    proc.off('unhandledRejection', onRejection);
  };
}

/** What Node prints for an uncaught exception (roughly: it also shows the source line). */
function printFatal(proc: NodeProcess, error: unknown): void {
  try {
    proc.stderr.write(`${inspect(error)}\n\nNode.js ${proc.version}\n`);
  } catch {
    // stderr closed
  }
}

function inspect(value: unknown): string {
  try {
    const util = nodeBuiltin('node:util');
    if (util) return util.inspect(value);
    return value instanceof Error && value.stack ? value.stack : String(value);
  } catch {
    return '[uninspectable value]';
  }
}

interface EventTargetLike {
  addEventListener?(type: string, listener: (ev: never) => void): void;
  removeEventListener?(type: string, listener: (ev: never) => void): void;
}

function installBrowserHandlers(client: Capturer): () => void {
  const target = globalThis as EventTargetLike;
  const capture = (value: unknown, type: Mechanism['type']): void => {
    client.captureException(value, undefined, { type, handled: false });
  };
  // A cross-origin script error has no `error`: only the message ("Script error.") is known.
  const onError = (ev: { error?: unknown; message?: string }): void => capture(ev.error ?? ev.message, 'onerror');
  const onRejection = (ev: { reason?: unknown }): void => capture(ev.reason, 'onunhandledrejection');
  target.addEventListener?.('error', onError);
  target.addEventListener?.('unhandledrejection', onRejection);
  return () => {
    target.removeEventListener?.('error', onError);
    target.removeEventListener?.('unhandledrejection', onRejection);
  };
}
