// UDP ingest at /metrics, read when scraped: datagrams by outcome (accepted, or the drop reason,
// `overloaded` included) and the kernel's drops on the listening socket (its receive buffer was
// full), from the `drops` column of /proc/net/udp{,6}. docs/udp.md explains where loss shows.
import { readFileSync } from 'node:fs';
import { Counter, Gauge } from 'prom-client';
import type { UdpStats } from '../shared/udp-stats.js';
import { registry } from './registry.js';

export interface UdpSource {
  port: number;
  stats(): UdpStats;
}

const sources = new Set<UdpSource>();

/** Starts reporting this listener; returns the function that stops it. */
export function watchUdp(source: UdpSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

new Counter({
  name: 'faultline_udp_datagrams_total',
  help: 'Datagrams the UDP listener read, by outcome: accepted, or the drop reason (invalid-envelope, unknown-key, overloaded, ...).',
  labelNames: ['outcome'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const s of sources) {
      const st = s.stats();
      this.inc({ outcome: 'accepted' }, st.accepted);
      for (const [reason, n] of Object.entries(st.dropped)) this.inc({ outcome: reason }, n ?? 0);
    }
  },
});

new Counter({
  name: 'faultline_udp_kernel_drops_total',
  help: 'Datagrams the kernel dropped on the UDP listener socket because its receive buffer was full (Linux).',
  registers: [registry],
  collect() {
    this.reset();
    for (const s of sources) this.inc(readSocketDrops(s.port));
  },
});

new Gauge({
  name: 'faultline_udp_pending_datagrams',
  help: 'Datagrams waiting in the UDP backlog or being accepted.',
  registers: [registry],
  collect() {
    this.set([...sources].reduce((n, s) => n + s.stats().pending, 0));
  },
});

/** Sum of the `drops` column of the sockets bound to this local port; 0 where /proc is absent. */
export function readSocketDrops(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // not Linux, or no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hexPort}`)) drops += Number(cols.at(-1)) || 0;
    }
  }
  return drops;
}
