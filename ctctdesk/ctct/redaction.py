"""A logging filter that keeps secrets out of log files (C3).

requests/urllib3 log URLs (with `?code=…`), our own code logs token responses while debugging, and
exception texts may quote request bodies. Rather than trusting every call site, the filter rewrites each
record's final message. Install it on the *handlers* (`install_redaction`), because filters attached to a
logger do not see records propagated from child loggers.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_SECRET_NAMES = (
    "access_token", "refresh_token", "id_token", "device_code", "code_verifier", "code",
    "client_secret", "token", "user_code", "password", "assertion",
)
_NAMES = "|".join(_SECRET_NAMES)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer xyz / 'Authorization': 'Bearer xyz'
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)?\s*[^'\",}\s]+"),
     rf"\1\2 {REDACTED}"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/=]+"), rf"\1{REDACTED}"),
    # JSON / dict: "access_token": "xyz"
    (re.compile(rf"(?i)(['\"](?:{_NAMES})['\"]\s*:\s*['\"])[^'\"]*"), rf"\1{REDACTED}"),
    # query strings and form bodies: code=xyz&…
    (re.compile(rf"(?i)(?<![A-Za-z0-9_])((?:{_NAMES})=)[^&\s'\"#]+"), rf"\1{REDACTED}"),
)


def redact(text: str) -> str:
    """Return `text` with every token-like value replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites the record's message (and exception text) so that secrets never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is still logged, just unformatted
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one RedactingFilter to every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    redacting = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting
