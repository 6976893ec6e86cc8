"""The one road to the Constant Contact API: limiter, daily quota, retries, error mapping.

Everything that sends a request to `/v3` goes through `ApiTransport.request`, so the rules of R12 hold in
one place: never more than 4 requests in any one-second window, never past the daily allowance, retries
with exponential backoff and jitter where a retry cannot duplicate work, and one exception family out.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from ctctdesk import pacing
from ctctdesk.ctct.errors import (
    ApiErrorItem,
    AuthExpired,
    BadResponse,
    Conflict,
    CtctError,
    Forbidden,
    LocalFileError,
    NotFound,
    QuotaExhausted,
    RateLimited,
    RequestCancelled,
    ServiceQuotaExceeded,
    ServiceUnavailable,
    UnsafeLink,
    ValidationError,
)
from ctctdesk.ctct.timing import CancelScope, Clock, SystemClock
from ctctdesk.jsonfile import write_json_atomically
from ctctdesk.pacing import RetryPolicy, parse_retry_after
from ctctdesk.timing import CancellableWaits

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds
#: The longest one HTTP exchange may take from sending to the last byte of the answer. The read timeout
#: alone does not bound it: a server trickling a byte now and then never lets a single read time out.
DEFAULT_DEADLINE = 180.0
#: The largest answer read: a page of 500 contacts with every include is about 1 MB.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: How often a wait for an answer looks at the cancel event.
RESPONSE_POLL_INTERVAL = 0.1
DEFAULT_DAILY_ALLOWANCE = 10_000
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class RateLimiter(pacing.RateLimiter):
    """The neutral sliding-window limiter (`ctctdesk.pacing`), ending a cancelled wait with RequestCancelled."""

    cancelled_error = RequestCancelled


class DailyQuota:
    """Counts API requests per UTC day in a small JSON file and refuses the one past the allowance."""

    def __init__(self, path: Path | None, allowance: int = DEFAULT_DAILY_ALLOWANCE,
                 today: Callable[[], dt.date] | None = None) -> None:
        self.path = Path(path) if path else None
        self.allowance = allowance
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())
        self._lock = threading.Lock()
        self._day = self._today()
        self._used = 0
        self._read()

    def _read(self) -> None:
        if not self.path:
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return
        if raw.get("date") == self._day.isoformat():
            self._used = int(raw.get("used", 0))

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day = today
            self._used = 0

    @property
    def used(self) -> int:
        with self._lock:
            self._roll_day()
            self._read()
            return self._used

    def reserve(self) -> None:
        """Count one request about to be sent, or raise QuotaExhausted if it would pass the allowance."""
        with self._lock:
            self._roll_day()
            self._read()  # another ctctdesk process (scheduled sync) may have used some
            if self._used >= self.allowance:
                raise QuotaExhausted(self._used, self.allowance)
            self._used += 1
            if self.path:
                try:
                    write_json_atomically(self.path, {"date": self._day.isoformat(), "used": self._used})
                except OSError as error:  # unsaved, the count could let a later run pass the allowance
                    self._used -= 1
                    raise LocalFileError.not_saved(self.path, error) from None


class AccessTokenSource(Protocol):
    """Where the transport gets bearer tokens (implemented by oauth.TokenManager)."""

    def access_token(self) -> str: ...

    def refresh_after_unauthorized(self, rejected_token: str) -> str: ...


def error_for_response(response: requests.Response) -> CtctError:
    """Turn a non-2xx answer into the matching CtctError."""
    status = response.status_code
    if status == 400:
        return ValidationError(_error_items(response))
    if status == 401:
        return AuthExpired()
    if status == 403:
        return Forbidden()
    if status == 404:
        return NotFound()
    if status == 409:
        items = _error_items(response)
        return Conflict(f"Constant Contact refused a duplicate: {items[0].error_message}" if items
                        else Conflict().args[0])
    if status == 429:
        return RateLimited(parse_retry_after(response.headers.get("Retry-After")))
    if status >= 500:
        return ServiceUnavailable()
    return CtctError(f"Constant Contact answered with an unexpected status {status}.")


def _is_daily_limit(response: requests.Response) -> bool:
    """The service's own daily count ran out: `error_key` `quota_exceeded`, or a message saying so.

    A long Retry-After alone is not taken as the daily limit: it is reported as the wait it asks for.
    """
    return any(item.error_key == "quota_exceeded" or "daily" in item.error_message.lower()
               for item in _error_items(response))


def _error_items(response: requests.Response) -> list[ApiErrorItem]:
    try:
        body = response.json()
    except ValueError:
        return []
    entries = body if isinstance(body, list) else [body]
    return [
        ApiErrorItem(str(e.get("error_key", "")), str(e.get("error_message", "")))
        for e in entries if isinstance(e, Mapping)
    ]


class ApiTransport(CancellableWaits):
    """Sends requests to the API base URL with auth, limiter, quota and retries.

    Every wait (limiter, back-off, Retry-After) uses `clock` and ends with RequestCancelled when the
    cancel event bound to `cancel_scope` on the calling thread is set (see `cancelled_by`).
    """

    cancelled_error = RequestCancelled

    def __init__(self, api_base_url: str, tokens: AccessTokenSource, *,
                 session: requests.Session | None = None,
                 limiter: RateLimiter | None = None,
                 quota: DailyQuota | None = None,
                 retry: RetryPolicy | None = None,
                 timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                 deadline: float = DEFAULT_DEADLINE,
                 max_response_bytes: int = MAX_RESPONSE_BYTES,
                 clock: Clock | None = None,
                 cancel_scope: CancelScope | None = None) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        parts = urlsplit(self.api_base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path  # e.g. /v3
        self.tokens = tokens
        self.session = session or requests.Session()
        self.clock = clock or (limiter.clock if limiter is not None else SystemClock())
        self.limiter = limiter or RateLimiter(clock=self.clock)
        self.quota = quota or DailyQuota(None)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.cancel_scope = cancel_scope or CancelScope()
        self._server_date: tuple[dt.datetime, float] | None = None

    def url_for(self, path: str) -> str:
        """`/contacts` → base + path; `/v3/contacts?cursor=…` (from `_links.next.href`) → origin + path.

        An absolute URL is accepted only on the API's own origin (scheme, host and port), since the
        bearer token goes with every request; anything else raises UnsafeLink.
        """
        if urlsplit(path).scheme or path.startswith("//"):
            if _origin_of(path) != _origin_of(self._origin):
                raise UnsafeLink(path, self._origin)
            return path
        if self._base_path and path.startswith(self._base_path + "/"):
            return self._origin + path
        return self.api_base_url + path

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, data: bytes | None = None,
                retry_safe: bool | None = None, accept: str = "application/json") -> requests.Response:
        """Send one logical request, retrying as allowed; returns the 2xx response or raises CtctError.

        `retry_safe` defaults to True for idempotent methods. Bulk-activity creation passes True: a
        repeated activity does the same work again, it never duplicates contacts. A 429 is always
        retried, since the service refused the request without doing anything.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if retry_safe is None else retry_safe
        url = self.url_for(path)
        headers = {"Accept": accept}  # an exported contacts file is text/csv
        if data is not None or json_body is not None:
            headers["Content-Type"] = "application/json"
            if data is None:
                data = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
        token = self.tokens.access_token()
        refreshed = False
        attempt = 0
        waited = 0.0
        while True:
            self.limiter.acquire(self.cancel_event)
            self.quota.reserve()
            headers["Authorization"] = f"Bearer {token}"
            try:
                response = self._exchange(method, url, params, data, headers)
            except (requests.ConnectionError, requests.Timeout, _DeadlinePassed) as error:
                log.info("%s %s failed: %s", method, path, type(error).__name__)
                if safe and attempt + 1 < self.retry.attempts:
                    waited += self._wait(self.retry.delay(attempt))
                    attempt += 1
                    continue
                if isinstance(error, _DeadlinePassed):
                    raise ServiceUnavailable(
                        f"Constant Contact did not finish answering within {int(self.deadline)} seconds. "
                        "Check the internet connection and try again in a few minutes; what was "
                        "confirmed before is kept.") from None
                raise ServiceUnavailable() from None
            log.debug("%s %s -> %s", method, path, response.status_code)
            self._note_server_date(response.headers.get("Date"))
            status = response.status_code
            if 300 <= status < 400:  # never followed: the sign-in must not travel with a redirect
                raise BadResponse(f"{method} {path}", f"it redirected to "
                                  f"{response.headers.get('Location', 'an unnamed place')!r}")
            if status < 400:
                return response
            if status == 401 and not refreshed:
                refreshed = True
                token = self.tokens.refresh_after_unauthorized(token)
                continue
            if status == 429 and _is_daily_limit(response):
                # the service's own count for the key ran out (other computers share it): a clean stop
                raise ServiceQuotaExceeded(self.quota.used, self.quota.allowance)
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._answer_date(response))
            retryable = status == 429 or (safe and status in RETRYABLE_STATUS)
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                log.warning("%s %s: Constant Contact asked to wait %.0f s, more than the %.0f s "
                            "waited within a run; stopping", method, path, retry_after,
                            self.retry.max_retry_after)
                raise RateLimited(retry_after, waited_enough=self.retry.max_retry_after)
            if retryable and attempt + 1 < self.retry.attempts:
                delay = self.retry.delay(attempt, retry_after)
                if waited + delay > self.retry.max_total_wait:
                    log.warning("%s %s: stopping after %.0f s of waiting for Constant Contact",
                                method, path, waited)
                    if status == 429:
                        raise RateLimited(delay, waited_enough=self.retry.max_total_wait, waited=waited)
                    raise ServiceUnavailable()
                if retry_after is not None:
                    log.info("%s %s: Constant Contact asked to wait %.0f s", method, path, retry_after)
                waited += self._wait(delay)
                attempt += 1
                continue
            raise error_for_response(response)

    def _exchange(self, method: str, url: str, params: Mapping[str, Any] | None, data: bytes | None,
                  headers: Mapping[str, str]) -> requests.Response:
        """One HTTP exchange, its answer read whole, within `deadline`; Cancel ends the wait for it.

        The exchange runs on a helper thread so that this thread can keep both promises whatever the
        server does (a trickle of bytes never trips the read timeout). An exchange left behind is told
        to stop and its connection is shut; for the caller it is like a reply lost on the way.
        """
        exchange = _Exchange(self.session, self.max_response_bytes)
        helper = threading.Thread(target=exchange.run, name="ctctdesk-http", daemon=True,
                                  args=(method, url, params, data, dict(headers), self.timeout))
        helper.start()
        deadline = time.monotonic() + self.deadline
        cancel = self.cancel_event
        while not exchange.done.wait(max(0.0, min(RESPONSE_POLL_INTERVAL, deadline - time.monotonic()))):
            if cancel is not None and cancel.is_set():
                exchange.abandon()
                raise RequestCancelled()
            if time.monotonic() >= deadline:
                exchange.abandon()
                raise _DeadlinePassed()
        if exchange.error is not None:
            if isinstance(exchange.error, _TooLarge):
                raise BadResponse(f"{method} {urlsplit(url).path}",
                                  f"it is larger than the {self.max_response_bytes // (1024 * 1024)} MB "
                                  "ctctdesk reads") from None
            raise exchange.error
        assert exchange.response is not None
        return exchange.response

    def _note_server_date(self, value: str | None) -> None:
        moment = _http_date(value)
        if moment is not None:
            self._server_date = (moment, self.clock.monotonic())

    @staticmethod
    def _answer_date(response: requests.Response) -> dt.datetime | None:
        return _http_date(response.headers.get("Date"))

    def server_now(self) -> dt.datetime:
        """Constant Contact's time now, from the `Date` of its last answer plus the time since.

        Filters such as `updated_after` compare with the service's clock, which need not agree with
        this computer's; before any answer this computer's clock is all there is.
        """
        if self._server_date is None:
            return self.clock.now()
        moment, seen_at = self._server_date
        return moment + dt.timedelta(seconds=max(0.0, self.clock.monotonic() - seen_at))

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.json_object(self.request("GET", path, params=params), f"GET {path}")

    def request_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """`request`, then the answer's JSON object (BadResponse when it is anything else)."""
        return self.json_object(self.request(method, path, **kwargs), f"{method.upper()} {path}")

    @staticmethod
    def json_object(response: requests.Response, what: str) -> dict[str, Any]:
        """The JSON object of an answer; anything else (a web page, broken JSON, a list) is BadResponse."""
        what = what.split("?", 1)[0]
        content_type = response.headers.get("Content-Type", "")
        try:
            data = json.loads(response.content)
        except ValueError:
            looks_like = "a web page" if "html" in content_type or response.content.lstrip()[:1] == b"<" \
                else "not readable JSON"
            raise BadResponse(what, f"it is {looks_like}") from None
        if not isinstance(data, dict):
            raise BadResponse(what, f"it is a JSON {type(data).__name__.replace('dict', 'object')} "
                              "where an object was expected")
        return data


class _DeadlinePassed(Exception):
    """An exchange outlasted the transport's deadline (handled like a timeout)."""


class _TooLarge(Exception):
    """An answer passed the size cap."""


class _Exchange:
    """One request and the reading of its answer, run on a helper thread (see `_exchange`)."""

    def __init__(self, session: requests.Session, max_bytes: int) -> None:
        self.session = session
        self.max_bytes = max_bytes
        self.done = threading.Event()
        self.response: requests.Response | None = None
        self.error: BaseException | None = None
        self._abandoned = threading.Event()

    def run(self, method: str, url: str, params: Mapping[str, Any] | None, data: bytes | None,
            headers: dict[str, str], timeout: float | tuple[float, float]) -> None:
        try:
            response = self.session.request(method, url, params=params, data=data, headers=headers,
                                            timeout=timeout, stream=True, allow_redirects=False)
            self.response = response
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                response.close()
                raise _TooLarge()
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                if self._abandoned.is_set():
                    response.close()
                    return
                body += chunk
                if len(body) > self.max_bytes:
                    response.close()
                    raise _TooLarge()
            response._content = bytes(body)  # noqa: SLF001 - the answer read under our own limits
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread, which raises it
            self.error = error
        finally:
            self.done.set()

    def abandon(self) -> None:
        """Stop reading; shut the connection so a blocked read ends now rather than at its timeout."""
        self._abandoned.set()
        response = self.response
        connection = getattr(getattr(response, "raw", None), "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError as error:
                log.debug("closing an abandoned connection: %s", error)


def _http_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in, for comparing origins."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a port that is not a number
        port = -1
    return scheme, (parts.hostname or "").lower(), port
