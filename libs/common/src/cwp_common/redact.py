"""What may leave a process in a log line or a stored error text (dead letters, an outbox
row's last_error, a job's failure note).

An exception's own text may carry the values it choked on: a pydantic ValidationError
quotes its input, a database error its statement and parameters (and PostgreSQL's detail
names the value of a duplicate key). A stored or logged error therefore keeps the
exception's type, and its message only when the message cannot hold row values. Text a
client chose (a request path) is escaped before it is logged.
"""

from __future__ import annotations

import re

from nats.errors import Error as NatsError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError


class SafeMessage(Exception):
    """Base for exceptions whose message is written for the record: their authors keep
    personal data and row values out of it, so it may be logged and stored as is."""


# Messages about hosts, ports, timeouts and the broker, never about rows.
_INFRASTRUCTURE = (OSError, TimeoutError, NatsError)
MAX_LENGTH = 500
# C0 and C1 controls, DEL, and the line and paragraph separators.
_LOG_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def log_safe(text: str) -> str:
    """Client-chosen text (a path) for a log line: control characters become \\xNN or
    \\uNNNN escapes, so the text cannot end the line and forge the next one."""
    return _LOG_UNSAFE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def validation_summary(exc: ValidationError) -> str:
    """Where and how a payload broke its model (`birth_date: date_from_datetime_parsing`),
    without the input values pydantic's own text quotes."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['type']}" for e in exc.errors()]
    return "; ".join(parts)


def describe(exc: BaseException) -> str:
    """The exception's type, plus whatever of its text is known to carry no values."""
    name = type(exc).__name__
    if isinstance(exc, ValidationError):
        text = f"{name}: {validation_summary(exc)}"
    elif isinstance(exc, DBAPIError):
        # The driver's error class (and SQLSTATE) says what went wrong; its text may quote
        # the statement's values.
        orig = exc.orig
        code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        text = f"{name} ({type(orig).__name__}{f', SQLSTATE {code}' if code else ''})"
    elif isinstance(exc, (SafeMessage, *_INFRASTRUCTURE)) and str(exc):
        text = f"{name}: {exc}"
    else:
        text = name
    return text[:MAX_LENGTH]
