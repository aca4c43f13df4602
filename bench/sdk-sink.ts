// Child process of bench/sdk.ts: the baseline receiver. An HTTP server that reads each body and
// answers 200 `{}`, and a bare `dgram` socket that counts datagrams and discards them. Prints
// `{"httpPort","udpPort"}` once listening; answers each stdin line "stats" with the counts.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const RECV_BUFFER_BYTES = Number(process.env.UDP_RECV_BUFFER_BYTES ?? 4 * 1024 * 1024); // as Faultline's default

let datagrams = 0;
let httpRequests = 0;
const udp = createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER_BYTES });
udp.on('message', () => void datagrams++);
await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));

const http = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    httpRequests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
http.keepAliveTimeout = 65_000;
await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));

process.stdout.write(
  `${JSON.stringify({ httpPort: (http.address() as AddressInfo).port, udpPort: udp.address().port })}\n`,
);
createInterface({ input: process.stdin })
  .on('line', () => process.stdout.write(`${JSON.stringify({ datagrams, httpRequests })}\n`))
  .on('close', () => process.exit(0));
