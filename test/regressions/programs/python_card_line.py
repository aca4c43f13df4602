# Issue 15: a source line that looks like a card number (a test card from a payment provider's
# docs), sent by Debian's python3-sentry-sdk 1.9 with source context and local variables.
# Usage: /usr/bin/python3 python_card_line.py   (DSN from the environment)
import os

import sentry_sdk

sentry_sdk.init(dsn=os.environ["DSN"], release="shop@1.0.0", environment="production")


def charge(number, password):
    raise ValueError("declined")


def pay():
    card = "4111 1111 1111 1111"
    charge("4111 1111 1111 1111", password="hunter2")  # the docs' test card


try:
    pay()
except Exception:
    sentry_sdk.capture_exception()
sentry_sdk.flush(5)
