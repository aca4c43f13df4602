# Release health from Debian's python3-sentry-sdk 1.9, unchanged: three application-mode
# sessions (healthy, errored by a handled exception, crashed), then flush.
# Usage: /usr/bin/python3 python_sessions.py   (DSN, RELEASE from the environment)
import os

import sentry_sdk
from sentry_sdk import Hub

sentry_sdk.init(dsn=os.environ["DSN"], release=os.environ["RELEASE"], environment="production")
hub = Hub.current

for n, fate in enumerate(["healthy", "errored", "crashed"]):
    sentry_sdk.set_user({"id": "py-user-%d" % n})
    hub.start_session(session_mode="application")
    if fate == "errored":
        try:
            1 / 0
        except ZeroDivisionError:
            sentry_sdk.capture_exception()
    if fate == "crashed":
        hub.scope._session.update(status="crashed")
    hub.end_session()

sentry_sdk.flush(5)
