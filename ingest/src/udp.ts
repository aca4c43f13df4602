// The UDP ingest listener (docs/udp.md): one datagram is one envelope, authenticated by the
// `dsn` in its header and handed to the same accept() as the HTTP endpoints. There is no answer,
// so each datagram ends as a count: accepted, or dropped by reason. Datagrams wait in a bounded
// backlog drained in short slices, so a flood sheds load here and HTTP keeps its event-loop turns.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../server/src/shared/log.js';
import { accept, type AcceptDeps, type AcceptInput } from './accept.js';
import { outcomeOfDrop } from '../../server/src/shared/outcomes/outcomes.js';
import type { UdpDropReason, UdpStats } from '../../server/src/shared/udp-stats.js';
import { decodeDatagram, maxInflatedBytes } from './udp-datagram.js';

/** Datagrams waiting for their slice; more are dropped as `overloaded` (the socket buffer is the next queue). */
export const UDP_BACKLOG_DATAGRAMS = 8192;
/** Raw bytes waiting in the backlog: 8192 full-size datagrams would be 512 MiB. */
export const UDP_BACKLOG_BYTES = 32 * 1024 * 1024;
/** Accepted datagrams whose enqueue has not settled; past this the backlog stops draining (a slow Redis). */
export const UDP_MAX_IN_FLIGHT = 4096;
/**
 * Datagram work per event-loop turn (whichever limit comes first), so HTTP requests are served
 * in between and the socket is read often: libuv reads at most 32 datagrams per turn, and what
 * it does not read waits in the kernel buffer, which overflows silently. Processing fewer than
 * that per turn lets a burst wait in the backlog, where an overflow is counted, instead.
 */
export const UDP_SLICE_MS = 1;
export const UDP_SLICE_DATAGRAMS = 16;
/** Drops are summarized in the log at most this often (never per datagram). */
const DROP_LOG_INTERVAL_MS = 60_000;

export interface UdpIngestOptions {
  host: string;
  port: number;
  /** SO_RCVBUF to ask for; 0 keeps the OS default. */
  recvBufferBytes: number;
}

export interface UdpIngest {
  port: number;
  /** What the kernel granted (Linux doubles the request, up to twice net.core.rmem_max). */
  recvBufferBytes: number;
  stats(): UdpStats;
  /** Stops receiving, processes the backlog and waits for in-flight accepts. */
  close(): Promise<void>;
}

interface Waiting {
  msg: Buffer;
  address: string;
  receivedAt: number;
}

export async function startUdpIngest(opts: UdpIngestOptions, deps: AcceptDeps): Promise<UdpIngest> {
  const log = deps.log;
  const maxBytes = maxInflatedBytes(deps.limits);
  const stats: UdpStats = { received: 0, accepted: 0, dropped: {}, pending: 0 };
  const backlog: Array<Waiting | undefined> = [];
  let head = 0;
  let backlogBytes = 0;
  let inFlight = 0;
  let scheduled = false;
  let idle: (() => void) | undefined;

  const count = (reason: UdpDropReason) => void (stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1);

  function onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    stats.received++;
    if (backlog.length - head >= UDP_BACKLOG_DATAGRAMS || backlogBytes + msg.length > UDP_BACKLOG_BYTES)
      return count('overloaded');
    backlog.push({ msg, address: rinfo.address, receivedAt: Date.now() });
    backlogBytes += msg.length;
    schedule();
  }

  function schedule(): void {
    if (scheduled || head === backlog.length || inFlight >= UDP_MAX_IN_FLIGHT) return;
    scheduled = true;
    setImmediate(drain);
  }

  function drain(): void {
    scheduled = false;
    const until = performance.now() + UDP_SLICE_MS;
    for (
      let n = 0;
      n < UDP_SLICE_DATAGRAMS && head < backlog.length && inFlight < UDP_MAX_IN_FLIGHT && performance.now() < until;
      n++
    ) {
      const w = backlog[head]!;
      backlog[head++] = undefined;
      backlogBytes -= w.msg.length;
      handle(w);
    }
    if (head === backlog.length) {
      backlog.length = 0;
      head = 0;
    } else if (head > 4096) {
      backlog.splice(0, head); // compact now and then instead of shifting per datagram
      head = 0;
    }
    schedule();
    settleIfIdle();
  }

  /**
   * One datagram, from bytes to a count. Whatever a datagram holds, a bug in its handling must
   * never end the process: anything thrown here is logged at error, counted as `internal` and
   * the datagram dropped (accept() has its own such path; this is the last resort around it).
   */
  function handle(w: Waiting): void {
    try {
      handleDatagram(w);
    } catch (err) {
      internalError(err, w);
    }
  }

  function handleDatagram(w: Waiting): void {
    const bytes = decodeDatagram(w.msg, maxBytes);
    if (!Buffer.isBuffer(bytes)) {
      // As accept() counts a refused request whose key is unknown: no project, category default.
      deps.outcomes?.add(null, 'default', outcomeOfDrop(bytes), 1, w.receivedAt);
      return count(bytes.reason);
    }
    inFlight++;
    const input: AcceptInput = {
      endpoint: 'udp',
      auth: { kind: 'none' },
      body: { kind: 'envelope', bytes },
      clientIp: w.address,
      receivedAt: w.receivedAt,
    };
    void accept(input, deps)
      .then(
        (result) => (result.ok ? void stats.accepted++ : count(result.reason)),
        (err: unknown) => internalError(err, w),
      )
      .finally(() => {
        inFlight--;
        schedule();
        settleIfIdle();
      });
  }

  function internalError(err: unknown, w: Waiting): void {
    log.error({ err, clientIp: w.address, bytes: w.msg.length }, 'udp datagram handling failed, datagram dropped');
    count('internal');
    try {
      deps.outcomes?.add(null, 'default', { outcome: 'internal_error', reason: 'internal' }, 1, w.receivedAt);
    } catch (countErr) {
      log.error({ err: countErr }, 'udp outcome count failed');
    }
  }

  function settleIfIdle(): void {
    if (idle && inFlight === 0 && head === backlog.length) idle();
  }

  const socket: Socket = createSocket({
    type: opts.host.includes(':') ? 'udp6' : 'udp4',
    ...(opts.recvBufferBytes > 0 ? { recvBufferSize: opts.recvBufferBytes } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => log.warn({ err }, 'udp socket error'));
  socket.on('message', onMessage);
  const port = socket.address().port;
  const granted = socket.getRecvBufferSize();
  const expected = opts.recvBufferBytes * (process.platform === 'linux' ? 2 : 1); // Linux doubles it for its bookkeeping
  if (opts.recvBufferBytes > 0 && granted < expected) {
    log.warn(
      { requested: opts.recvBufferBytes, granted },
      'udp receive buffer smaller than requested, raise net.core.rmem_max (docs/udp.md)',
    );
  }
  log.info({ port, host: opts.host, recvBufferBytes: granted }, 'udp listening');
  const dropLog = logDrops(log, stats);

  let closing: Promise<void> | undefined;
  return {
    port,
    recvBufferBytes: granted,
    stats: () => ({ ...stats, dropped: { ...stats.dropped }, pending: backlog.length - head + inFlight }),
    close: () =>
      (closing ??= (async () => {
        clearInterval(dropLog);
        await new Promise<void>((r) => socket.close(() => r()));
        await new Promise<void>((resolve) => {
          idle = resolve;
          schedule();
          settleIfIdle();
        });
      })()),
  };
}

/** Every minute with drops: one warn line with the drops since the previous line. */
function logDrops(log: Logger, stats: UdpStats): NodeJS.Timeout {
  let last: Partial<Record<UdpDropReason, number>> = {};
  const timer = setInterval(() => {
    const delta = Object.fromEntries(
      Object.entries(stats.dropped)
        .map(([reason, n]) => [reason, n - (last[reason as UdpDropReason] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    last = { ...stats.dropped };
    if (Object.keys(delta).length > 0)
      log.warn({ dropped: delta, received: stats.received, accepted: stats.accepted }, 'udp datagrams dropped');
  }, DROP_LOG_INTERVAL_MS);
  timer.unref();
  return timer;
}
