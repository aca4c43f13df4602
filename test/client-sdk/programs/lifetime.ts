// Child program for process.test.ts: captures and counts without flushing or closing. The SDK
// must let the process end by itself, whatever state the server is in.
import * as Faultline from '../../../client-sdk/src/index.js';

Faultline.init({ dsn: process.env.DSN, shutdownTimeout: 300 });
Faultline.captureMessage('left for beforeExit');
Faultline.recordRequest(2);
process.stdout.write('script done');
