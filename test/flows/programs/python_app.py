# A small application reporting to Faultline with Debian's python3-sentry-sdk 1.9, unchanged.
# Usage: /usr/bin/python3 python_app.py <scenario>   (DSN, RELEASE from the environment)
import os
import sys

import sentry_sdk

sentry_sdk.init(dsn=os.environ["DSN"], release=os.environ.get("RELEASE"), environment="production")


def compute_ratio(total, count):
    return total / count


def invoice_total(lines):
    return compute_ratio(sum(lines), len(lines) - len(lines))


scenario = sys.argv[1]
if scenario == "zero-division":
    try:
        invoice_total([1, 2, 3])
    except Exception:
        sentry_sdk.capture_exception()
elif scenario == "message":
    sentry_sdk.capture_message("Invoice %s could not be sent after %s attempts" % (os.environ.get("ORDER_ID", "77"), os.environ.get("RETRIES", "2")))
sentry_sdk.flush(5)
