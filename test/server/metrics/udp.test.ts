// The UDP listener's metrics: datagram outcomes from the listener's counters, and the kernel's
// per-socket drops read from /proc/net/udp (a receiver that does not read loses datagrams there).
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../server/src/metrics/registry.js';
import { readSocketDrops, watchUdp } from '../../../server/src/metrics/udp.js';
import { waitFor } from '../../helpers/wait.js';

describe('UDP metrics', () => {
  it('report the listener counters by outcome', async () => {
    const unwatch = watchUdp({
      port: 1,
      stats: () => ({ received: 6, accepted: 3, dropped: { 'invalid-envelope': 2, overloaded: 1 }, pending: 4 }),
    });
    try {
      const text =
        (await registry.getSingleMetricAsString('faultline_udp_datagrams_total')) +
        (await registry.getSingleMetricAsString('faultline_udp_pending_datagrams'));
      expect(text).toContain('faultline_udp_datagrams_total{outcome="accepted"} 3');
      expect(text).toContain('faultline_udp_datagrams_total{outcome="invalid-envelope"} 2');
      expect(text).toContain('faultline_udp_datagrams_total{outcome="overloaded"} 1');
      expect(text).toContain('faultline_udp_pending_datagrams 4');
    } finally {
      unwatch();
    }
  });

  it.skipIf(!existsSync('/proc/net/udp'))(
    'read the kernel drops of a socket whose receive buffer overflowed',
    async () => {
      // A receiver with a tiny buffer that busy-waits instead of reading.
      const child = spawn(process.execPath, [
        '-e',
        `
      const s = require('node:dgram').createSocket({ type: 'udp4', recvBufferSize: 2048 });
      s.bind(0, '127.0.0.1', () => { console.log(s.address().port); const end = Date.now() + 20000; setTimeout(() => { while (Date.now() < end); }, 10); });`,
      ]);
      try {
        const port = await new Promise<number>((resolve) =>
          createInterface({ input: child.stdout }).once('line', (l) => resolve(Number(l))),
        );
        expect(readSocketDrops(port)).toBe(0);
        const sender = createSocket('udp4');
        const payload = Buffer.alloc(1000, 0x61);
        const drops = await waitFor(
          async () => {
            for (let i = 0; i < 50; i++) sender.send(payload, port, '127.0.0.1');
            await new Promise((r) => setImmediate(r));
            return readSocketDrops(port);
          },
          { message: 'kernel drops' },
        );
        sender.close();
        expect(drops).toBeGreaterThan(0);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});
