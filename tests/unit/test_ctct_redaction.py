"""Secrets never reach a log handler, whatever shape they take in the message."""

import io
import logging

import pytest

from ctctdesk.ctct.redaction import RedactingFilter, install_redaction, redact

SECRET = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2ln"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {SECRET}",
        f"{{'Authorization': 'Bearer {SECRET}'}}",
        f'{{"access_token": "{SECRET}", "token_type": "Bearer"}}',
        f'{{"refresh_token":"{SECRET}"}}',
        f"GET http://127.0.0.1:8571/ctctdesk/callback?code={SECRET}&state=abc",
        f"grant_type=authorization_code&code={SECRET}&code_verifier={SECRET}x",
        f"grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code={SECRET}",
        f"token={SECRET}&token_type_hint=refresh_token",
    ],
)
def test_token_like_values_are_redacted(text):
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert "[redacted]" in cleaned


def test_ordinary_text_is_left_alone():
    text = "GET /v3/contacts?limit=500&status=all -> 200 (error_code=none)"
    assert redact(text) == text


def test_filter_on_handler_cleans_records_from_child_loggers_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("redaction-test")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    install_redaction(logger)
    child = logging.getLogger("redaction-test.child")

    child.info("token answer %s", {"access_token": SECRET})
    try:
        raise ValueError(f"bad body refresh_token={SECRET}")
    except ValueError:
        child.exception("refresh failed")

    output = stream.getvalue()
    assert "token answer" in output and "refresh failed" in output
    assert SECRET not in output
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
