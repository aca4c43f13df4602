// A minimal server-sent events reader for tests: collects frames (id, event, data) from a
// streaming GET, and lets the test wait for them and close the connection.
import http from 'node:http';
import { waitFor } from './wait.js';

export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

export interface SseConnection {
  status: number;
  frames: SseFrame[];
  waitForFrames: (n: number, event?: string) => Promise<SseFrame[]>;
  close: () => void;
}

export function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const frames: SseFrame[] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f: SseFrame = { id: null, event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) f.id = line.slice(4);
            else if (line.startsWith('event: ')) f.event = line.slice(7);
            else if (line.startsWith('data: ')) ((f.data += line.slice(6)), (hasData = true));
          }
          if (hasData) frames.push(f);
        }
      });
      res.on('error', () => {});
      const pick = (event?: string) => frames.filter((f) => !event || f.event === event);
      resolve({
        status: res.statusCode ?? 0,
        frames,
        waitForFrames: (n, event) =>
          waitFor(() => (pick(event).length >= n ? pick(event) : null), {
            timeout: 5000,
            message: `${n} ${event ?? ''} frames`,
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
