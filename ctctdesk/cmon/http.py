"""The one road to Campaign Monitor's API: credentials, pacing, retries and error mapping.

Everything the client sends goes through `CmonTransport.request`, so the rules hold in one place: at
most `max_requests` requests in any one-second window (the neutral `ctctdesk.pacing.RateLimiter`),
retries with exponential back-off and jitter where a retry cannot duplicate work, a 429 always waited
out (Retry-After or X-RateLimit-Reset, else back-off), an expired OAuth token (code 121) renewed once,
and one exception family out (`ctctdesk.cmon.errors`). Neither the API key nor a token is ever logged
or put into an exception.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import requests
import urllib3

from ctctdesk import pacing
from ctctdesk.cmon.errors import (
    AuthFailed,
    AuthRevoked,
    BadResponse,
    CmonError,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    RequestCancelled,
    ServiceUnavailable,
    TokenExpired,
)
from ctctdesk.pacing import RetryPolicy, parse_retry_after
from ctctdesk.timing import CancellableWaits, CancelScope, Clock, SystemClock

log = logging.getLogger(__name__)

API_BASE_URL = "https://api.createsend.com/api/v3.3"
DEFAULT_TIMEOUT = (10.0, 60.0)
#: The longest one exchange may take from sending to the answer's last byte (a server trickling bytes
#: never lets the read timeout fire), and the largest answer read (a page of 1,000 subscribers with
#: many custom fields is well under 10 MB).
DEFAULT_DEADLINE = 180.0
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: Campaign Monitor documents no request rate for this part of the API; the client keeps to this one
#: (the emulator's assumed limit is higher, see the emulator's NOTES.md).
DEFAULT_REQUESTS_PER_SECOND = 5
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: Codes that name something which is not there (answered with 400 or 401 by the service).
NOT_FOUND_CODES = frozenset({101, 102, 203, 271})
EXPIRED_TOKEN = 121
REVOKED_TOKEN_CODES = frozenset({120, 122})


class RateLimiter(pacing.RateLimiter):
    """The neutral sliding-window limiter, ending a cancelled wait with this layer's RequestCancelled."""

    cancelled_error = RequestCancelled


class Credentials(Protocol):
    """How a request is signed: an API key (HTTP Basic) or an OAuth access token (Bearer)."""

    def authorization(self) -> str:
        """The Authorization header's value."""
        ...

    def renew(self, rejected: str) -> str | None:
        """A new Authorization value after an expired-token answer, or None when it cannot be renewed."""
        ...


class ApiKey:
    """An API key, sent as the HTTP Basic username (the password is ignored by the service)."""

    def __init__(self, key: str) -> None:
        self._key = key

    def authorization(self) -> str:
        return "Basic " + base64.b64encode(f"{self._key}:x".encode()).decode("ascii")

    def renew(self, rejected: str) -> str | None:
        return None

    def __repr__(self) -> str:
        return "ApiKey([redacted])"


class AccessTokenSource(Protocol):
    """Where bearer tokens come from (a token manager that can refresh and save them)."""

    def access_token(self) -> str: ...

    def refresh_after_unauthorized(self, rejected_token: str) -> str: ...


class BearerToken:
    """OAuth access tokens from a source that renews them (ctctdesk's token store)."""

    def __init__(self, source: AccessTokenSource) -> None:
        self._source = source

    def authorization(self) -> str:
        return "Bearer " + self._source.access_token()

    def renew(self, rejected: str) -> str | None:
        token = rejected.partition(" ")[2]
        return "Bearer " + self._source.refresh_after_unauthorized(token)

    def __repr__(self) -> str:
        return "BearerToken([redacted])"


class StaticToken:
    """One access token and no way to renew it (scripts, tests)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token

    def refresh_after_unauthorized(self, rejected_token: str) -> str:
        raise TokenExpired()

    def __repr__(self) -> str:
        return "StaticToken([redacted])"


def _chunks(response: requests.Response, size: int = 64 * 1024) -> Iterator[bytes]:
    """The answer's body as it arrives: each piece after at most one read from the socket (urllib3's
    `read1`), so a trickle cannot hold a read past the deadline by never filling a whole chunk."""
    raw = response.raw
    if isinstance(raw, urllib3.response.HTTPResponse) and hasattr(raw, "read1"):
        while True:
            try:
                piece = raw.read1(size, decode_content=True)
            except (urllib3.exceptions.HTTPError, OSError) as error:  # as requests' own reading maps them
                raise requests.ConnectionError(type(error).__name__) from None
            if not piece:
                return
            yield piece
    else:  # a test's stand-in stream, or an older urllib3
        yield from response.iter_content(size)


class _TooLarge(Exception):
    """An answer passed the size cap."""


class _DeadlinePassed(Exception):
    """An exchange outlasted the deadline (handled like a timeout)."""


def error_body(response: requests.Response) -> tuple[int | None, str, Any]:
    """(Code, Message, ResultData) of an error answer; (None, "", None) when it has none."""
    try:
        body = response.json()
    except ValueError:
        return None, "", None
    if not isinstance(body, Mapping):
        return None, "", None
    code = body.get("Code")
    return (code if isinstance(code, int) else None, str(body.get("Message") or ""), body.get("ResultData"))


def error_for_response(response: requests.Response) -> CmonError:
    """Turn a non-2xx answer into the matching CmonError."""
    status = response.status_code
    code, message, result_data = error_body(response)
    if code in NOT_FOUND_CODES or status == 404:
        return NotFound(f"Campaign Monitor says: {message or 'not found'}.", code=code, status=status)
    if status == 401:
        if code == EXPIRED_TOKEN:
            return TokenExpired(code=code, status=status)
        if code in REVOKED_TOKEN_CODES:
            return AuthRevoked(code=code, status=status)
        return AuthFailed(code=code, status=status)
    if status == 403:
        return Forbidden(code=code, status=status)
    if status == 429:
        return RateLimited(_wait_from(response))
    if status >= 500:
        return ServiceUnavailable(status=status)
    if status == 400:
        return InvalidRequest(f"Campaign Monitor refused the request: {message or 'bad request'}"
                              + (f" (code {code})." if code is not None else "."),
                              code=code, status=status, result_data=result_data)
    return CmonError(f"Campaign Monitor answered with an unexpected status {status}.", code=code, status=status)


def _wait_from(response: requests.Response) -> float | None:
    """Seconds a 429 asks to wait: Retry-After, else X-RateLimit-Reset (taken as seconds until reset)."""
    wait = parse_retry_after(response.headers.get("Retry-After"))
    if wait is None:
        wait = parse_retry_after(response.headers.get("X-RateLimit-Reset"))
    return wait


class CmonTransport(CancellableWaits):
    """Sends requests to the API base URL with credentials, limiter and retries.

    Every wait uses `clock` and ends with RequestCancelled when the cancel event bound to `cancel_scope`
    on the calling thread is set (see `cancelled_by`).
    """

    cancelled_error = RequestCancelled

    def __init__(self, credentials: Credentials, *, api_base_url: str = API_BASE_URL,
                 session: requests.Session | None = None, limiter: RateLimiter | None = None,
                 retry: RetryPolicy | None = None, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                 deadline: float = DEFAULT_DEADLINE, max_response_bytes: int = MAX_RESPONSE_BYTES,
                 clock: Clock | None = None, cancel_scope: CancelScope | None = None) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self.credentials = credentials
        self.session = session or requests.Session()
        self.clock = clock or (limiter.clock if limiter is not None else SystemClock())
        self.limiter = limiter or RateLimiter(DEFAULT_REQUESTS_PER_SECOND, clock=self.clock)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.cancel_scope = cancel_scope or CancelScope()
        self._lock = threading.Lock()
        self.requests_sent = 0

    def url_for(self, path: str) -> str:
        if "://" in path or path.startswith("//"):
            raise ValueError("the client only sends requests to its own API base URL")
        return self.api_base_url + "/" + path.lstrip("/")

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, retry_safe: bool | None = None) -> requests.Response:
        """Send one logical request, retrying as allowed; returns the 2xx answer or raises CmonError.

        `retry_safe` defaults to True for idempotent methods; the subscriber add, import and unsubscribe
        POSTs pass True (doing them twice has the effect of doing them once). A 429 is always retried:
        the service did nothing with the refused request.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if retry_safe is None else retry_safe
        url = self.url_for(path)
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
        authorization = self.credentials.authorization()
        renewed = False
        attempt = 0
        waited = 0.0
        while True:
            self.limiter.acquire(self.cancel_event)
            headers["Authorization"] = authorization
            with self._lock:
                self.requests_sent += 1
            try:
                response = self._exchange(method, url, params, data, headers)
            except _TooLarge:
                raise BadResponse(f"{method} {path.split('?', 1)[0]}",
                                  f"it is larger than {self.max_response_bytes // (1024 * 1024)} MB") from None
            except (requests.ConnectionError, requests.Timeout, _DeadlinePassed) as error:
                log.info("%s %s failed: %s", method, path, type(error).__name__)
                if safe and attempt + 1 < self.retry.attempts:
                    waited += self._wait(self.retry.delay(attempt))
                    attempt += 1
                    continue
                raise ServiceUnavailable() from None
            log.debug("%s %s -> %s", method, path, response.status_code)
            status = response.status_code
            if 300 <= status < 400:  # never followed: the credentials must not travel with a redirect
                raise BadResponse(f"{method} {path}", "it redirected elsewhere")
            if status < 300:
                return response
            if status == 401 and not renewed and error_body(response)[0] == EXPIRED_TOKEN:
                renewed = True
                fresh = self.credentials.renew(authorization)
                if fresh is None:
                    raise TokenExpired(code=EXPIRED_TOKEN, status=401)
                authorization = fresh
                continue
            retryable = status == 429 or (status in RETRYABLE_STATUS and safe)
            if retryable and attempt + 1 < self.retry.attempts:
                asked = _wait_from(response) if status == 429 else None
                if asked is not None and asked > self.retry.max_retry_after:
                    raise RateLimited(asked)
                delay = self.retry.delay(attempt, asked)
                if waited + delay > self.retry.max_total_wait:
                    raise error_for_response(response)
                waited += self._wait(delay)
                attempt += 1
                continue
            raise error_for_response(response)

    def _exchange(self, method: str, url: str, params: Mapping[str, Any] | None, data: bytes | None,
                  headers: dict[str, str]) -> requests.Response:
        """One request, its answer read under the size cap and the deadline (measured in real time:
        it bounds waiting on the network, which no test clock can shorten)."""
        started = time.monotonic()
        response = self.session.request(method, url, params=params, data=data, headers=headers,
                                        timeout=self.timeout, allow_redirects=False, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_response_bytes:
                raise _TooLarge()
            body = bytearray()
            for chunk in _chunks(response):
                body += chunk
                if len(body) > self.max_response_bytes:
                    raise _TooLarge()
                if time.monotonic() - started > self.deadline:
                    raise _DeadlinePassed()
            response._content = bytes(body)  # noqa: SLF001 - the answer as read under our own limits
        finally:
            response.close()
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the answer's JSON (BadResponse when it is not JSON); None for an empty answer."""
        response = self.request(method, path, **kwargs)
        if not response.content.strip():
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            looks_like = "a web page" if response.content.lstrip()[:1] == b"<" else "not readable JSON"
            raise BadResponse(f"{method.upper()} {path.split('?', 1)[0]}", f"it is {looks_like}") from None
