"""The HTTP answers the token endpoints and the browser pages share (no-store JSON, redirects)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.wrappers import Response

from ctctdesk.sandbox.oauth.registry import (
    OAuthError,
)


def with_query(uri: str, params: dict[str, str | None]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((key, value) for key, value in params.items() if value is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def redirect(location: str) -> Response:
    response = Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
    return response


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def error_json(error: OAuthError) -> Response:
    response = json_response({"error": error.error, "error_description": error.description}, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="ctctdesk sandbox"'
    return response
