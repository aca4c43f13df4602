# User feedback from Debian's python3-sentry-sdk 1.9, unchanged: the error is captured as usual;
# 1.9 has no capture_user_feedback, so the report goes out as a `user_report` envelope item
# through the SDK's own transport (what later versions' capture_user_feedback sends).
# Usage: /usr/bin/python3 python_feedback.py   (DSN from the environment); prints the event id.
import os

import sentry_sdk
from sentry_sdk.envelope import Envelope, Item, PayloadRef

sentry_sdk.init(dsn=os.environ["DSN"], environment="production")


def export_invoices(rows):
    return rows[0]["total"] / len(rows[1:])


try:
    export_invoices([{"total": 10}])
except Exception:
    event_id = sentry_sdk.capture_exception()

envelope = Envelope(headers={"event_id": event_id})
envelope.add_item(Item(payload=PayloadRef(json={
    "event_id": event_id,
    "name": "Ola Nordmann",
    "email": "ola@example.com",
    "comments": "Export crashed again. password=hunter2 and my card 4111 1111 1111 1111",
}), type="user_report"))
sentry_sdk.Hub.current.client.transport.capture_envelope(envelope)
sentry_sdk.flush(5)
print(event_id)
