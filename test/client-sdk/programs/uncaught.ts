// Child program for process.test.ts: an exception nobody catches. MODE=rethrow captures it
// first (it must be sent once); MODE=app-handler installs the application's own listener.
import * as Faultline from '../../../client-sdk/src/index.js';

Faultline.init({ dsn: process.env.DSN, release: 'shop@1.4.2', serverName: 'web-1' });
Faultline.addBreadcrumb({ message: 'about to fail' });

if (process.env.MODE === 'app-handler') {
  process.on('uncaughtException', (err) => {
    process.stdout.write(`app handled: ${err.message}`);
    void Faultline.close(2000);
  });
}

const error = new TypeError('boom in timer');
if (process.env.MODE === 'rethrow') Faultline.captureException(error);
setTimeout(() => {
  throw error;
}, 1);
