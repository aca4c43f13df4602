import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry, Counter, Gauge, Histogram } from 'prom-client';
import { createLogger } from '../../../server/src/shared/log.js';
import { recordIngestOutcome } from '../../../server/src/metrics/registry.js';
import { startStatsdExport, statsdLines } from '../../../server/src/metrics/statsd.js';
import { waitFor } from '../../helpers/wait.js';

describe('statsdLines', () => {
  it('sends counter and histogram deltas, gauges as they are, labels as name segments', async () => {
    const r = new Registry();
    const c = new Counter({ name: 'faultline_things_total', help: 'h', labelNames: ['kind'], registers: [r] });
    const g = new Gauge({ name: 'faultline_depth', help: 'h', registers: [r] });
    const h = new Histogram({ name: 'faultline_size', help: 'h', buckets: [1, 10], registers: [r] });
    const previous = new Map<string, number>();
    c.inc({ kind: 'a/b' }, 3);
    g.set(7);
    h.observe(4);
    expect(statsdLines(await r.getMetricsAsJSON(), previous)).toEqual([
      { kind: 'count', name: 'things_total.kind_a_b', value: 3 },
      { kind: 'gauge', name: 'depth', value: 7 },
      { kind: 'count', name: 'size_sum', value: 4 },
      { kind: 'count', name: 'size_count', value: 1 },
    ]);
    c.inc({ kind: 'a/b' }, 2);
    expect(statsdLines(await r.getMetricsAsJSON(), previous)).toEqual([
      { kind: 'count', name: 'things_total.kind_a_b', value: 2 },
      { kind: 'gauge', name: 'depth', value: 7 },
    ]);
  });
});

describe('startStatsdExport', () => {
  const received: string[] = [];
  const socket = createSocket('udp4');
  let port = 0;
  beforeAll(async () => {
    socket.on('message', (msg) => received.push(...msg.toString().split('\n')));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    port = socket.address().port;
  });
  afterAll(() => socket.close());

  it('pushes the registry to a StatsD server over UDP', async () => {
    const exporter = startStatsdExport(
      { host: '127.0.0.1', port, prefix: 'faultline.', intervalMs: 50 },
      createLogger({ level: 'silent' }),
    );
    try {
      recordIngestOutcome('accepted');
      await waitFor(() => received.some((l) => /^faultline\.ingest_outcomes_total\.outcome_accepted:\d+\|c$/.test(l)), {
        message: 'the counter line',
      });
    } finally {
      await exporter.stop();
    }
  });
});
