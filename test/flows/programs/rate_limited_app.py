# Sends COUNT errors one after another with Debian's python3-sentry-sdk 1.9 (unchanged), flushing
# after each: used to show that the SDK stops sending after a 429 (sdk-backoff.test.ts).
import os

import sentry_sdk

sentry_sdk.init(dsn=os.environ["DSN"], release="backoff@1.0.0")
for i in range(int(os.environ.get("COUNT", "5"))):
    try:
        raise ValueError("rate limited error %d" % i)
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush(5)
