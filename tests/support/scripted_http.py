"""A requests transport adapter that answers from a script, for HTTP-level unit tests without a server.

Each scripted answer is `(status, json_body, headers)` (bytes for a body sent as is) or an exception instance to raise (e.g.
`requests.ConnectionError()`); every request that reached the adapter is kept in `sent`.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import BaseAdapter


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


Answer = tuple[int, Any, dict[str, str]] | BaseException


class ScriptedAdapter(BaseAdapter):
    def __init__(self, answers: list[Answer] | Callable[[requests.PreparedRequest], Answer]) -> None:
        super().__init__()
        self._answers = answers
        self.sent: list[Sent] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.sent.append(Sent(request.method or "", request.url or "", dict(request.headers), body,
                              time.monotonic()))
        if callable(self._answers):
            answer = self._answers(request)
        else:
            if not self._answers:
                raise AssertionError(f"unexpected request {request.method} {request.url}")
            answer = self._answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        status, payload, headers = answer
        response = requests.Response()
        response.status_code = status
        response.headers.update({"Content-Type": "application/json", **headers})
        if isinstance(payload, bytes):  # a raw body, e.g. a web page or broken JSON
            content = payload
        else:
            content = json.dumps(payload).encode("utf-8") if payload is not None else b""
        response.raw = io.BytesIO(content)  # read as a stream, like a real answer
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        return None


def scripted_session(answers: list[Answer] | Callable[[requests.PreparedRequest], Answer]
                     ) -> tuple[requests.Session, ScriptedAdapter]:
    session = requests.Session()
    adapter = ScriptedAdapter(answers)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter
