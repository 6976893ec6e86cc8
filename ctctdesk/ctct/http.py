"""The one road to the Constant Contact API: limiter, daily quota, retries, error mapping.

Everything that sends a request to `/v3` goes through `ApiTransport.request`, so the rules of R12 hold in
one place: never more than 4 requests in any one-second window, never past the daily allowance, retries
with exponential backoff and jitter where a retry cannot duplicate work, and one exception family out.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from ctctdesk.ctct.endpoints import write_json_atomically
from ctctdesk.ctct.errors import (
    ApiErrorItem,
    AuthExpired,
    Conflict,
    CtctError,
    Forbidden,
    NotFound,
    QuotaExhausted,
    RateLimited,
    ServiceUnavailable,
    ValidationError,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds
DEFAULT_DAILY_ALLOWANCE = 10_000
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class RateLimiter:
    """Sliding-window limiter: at most `max_requests` sends in any window of `period` seconds.

    `safety` widens the window a little, because the server stamps a request when it arrives, not when we
    sent it, and two arrivals can be closer together than the two sends were.
    """

    def __init__(self, max_requests: int = 4, period: float = 1.0, safety: float = 0.12,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.max_requests = max_requests
        self.window = period + safety
        self._clock = clock
        self._sleep = sleep
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one more request may be sent, and count it as sent now."""
        with self._lock:  # waiters queue on the lock, which keeps the order fair enough
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    return
                self._sleep(self._sent[0] + self.window - now)


class DailyQuota:
    """Counts API requests per UTC day in a small JSON file and refuses the one past the allowance."""

    def __init__(self, path: Path | None, allowance: int = DEFAULT_DAILY_ALLOWANCE,
                 today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date()) -> None:
        self.path = Path(path) if path else None
        self.allowance = allowance
        self._today = today
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
                write_json_atomically(self.path, {"date": self._day.isoformat(), "used": self._used})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter between `base * 2**n / 2` and `base * 2**n`, capped."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    #: a longer Retry-After (e.g. the daily limit) is not waited out inside a call
    max_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        backoff = min(self.cap, self.base * (2 ** attempt))
        jittered = random.uniform(backoff / 2, backoff)
        if retry_after is not None:
            return max(retry_after, jittered)
        return jittered


class AccessTokenSource(Protocol):
    """Where the transport gets bearer tokens (implemented by oauth.TokenManager)."""

    def access_token(self) -> str: ...

    def refresh_after_unauthorized(self, rejected_token: str) -> str: ...


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        moment = parsedate_to_datetime(value)
        return max(0.0, (moment - dt.datetime.now(moment.tzinfo)).total_seconds())
    except (TypeError, ValueError):
        return None


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


def _is_daily_limit(response: requests.Response, retry_after: float | None) -> bool:
    """A 429 for the daily allowance says so, or asks to wait for hours rather than seconds."""
    if retry_after is not None and retry_after >= 3600:
        return True
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


class ApiTransport:
    """Sends requests to the API base URL with auth, limiter, quota and retries."""

    def __init__(self, api_base_url: str, tokens: AccessTokenSource, *,
                 session: requests.Session | None = None,
                 limiter: RateLimiter | None = None,
                 quota: DailyQuota | None = None,
                 retry: RetryPolicy | None = None,
                 timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        parts = urlsplit(self.api_base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path  # e.g. /v3
        self.tokens = tokens
        self.session = session or requests.Session()
        self.limiter = limiter or RateLimiter()
        self.quota = quota or DailyQuota(None)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._sleep = sleep

    def url_for(self, path: str) -> str:
        """`/contacts` → base + path; `/v3/contacts?cursor=…` (from `_links.next.href`) → origin + path."""
        if path.startswith(("http://", "https://")):
            return path
        if self._base_path and path.startswith(self._base_path + "/"):
            return self._origin + path
        return self.api_base_url + path

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, data: bytes | None = None,
                retry_safe: bool | None = None) -> requests.Response:
        """Send one logical request, retrying as allowed; returns the 2xx response or raises CtctError.

        `retry_safe` defaults to True for idempotent methods. Bulk-activity creation passes True: a
        repeated activity does the same work again, it never duplicates contacts. A 429 is always
        retried, since the service refused the request without doing anything.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if retry_safe is None else retry_safe
        url = self.url_for(path)
        headers = {"Accept": "application/json"}
        if data is not None or json_body is not None:
            headers["Content-Type"] = "application/json"
            if data is None:
                data = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
        token = self.tokens.access_token()
        refreshed = False
        attempt = 0
        while True:
            self.quota.reserve()
            self.limiter.acquire()
            headers["Authorization"] = f"Bearer {token}"
            try:
                response = self.session.request(method, url, params=params, data=data,
                                                headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                log.info("%s %s failed: %s", method, path, type(error).__name__)
                if safe and attempt + 1 < self.retry.attempts:
                    self._sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                raise ServiceUnavailable() from None
            log.debug("%s %s -> %s", method, path, response.status_code)
            status = response.status_code
            if status < 400:
                return response
            if status == 401 and not refreshed:
                refreshed = True
                token = self.tokens.refresh_after_unauthorized(token)
                continue
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429 and _is_daily_limit(response, retry_after):
                # the service's own count ran out first (e.g. another app shares the key): same clean
                # stop, at once — retrying cannot help before midnight UTC
                raise QuotaExhausted(self.quota.used, self.quota.allowance)
            retryable = status == 429 or (safe and status in RETRYABLE_STATUS)
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                retryable = False
            if retryable and attempt + 1 < self.retry.attempts:
                self._sleep(self.retry.delay(attempt, retry_after))
                attempt += 1
                continue
            raise error_for_response(response)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()
