"""OAuth2 for a public desktop client: authorization code + PKCE, device authorization, refresh, revoke.

ctctdesk has no client secret (a desktop app cannot keep one), so the browser flow uses PKCE S256 and a
one-shot loopback listener on 127.0.0.1; locked-down desktops can use the device flow instead. oauthlib
builds the PKCE pair and the token request bodies; the HTTP is ours so that every call has a timeout and
the transport rule (HTTPS, or plain HTTP only to this machine for the sandbox) is explicit.
"""

from __future__ import annotations

import html
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from oauthlib.oauth2 import WebApplicationClient
from oauthlib.oauth2.rfc6749.parameters import prepare_token_request

from ctctdesk.ctct.endpoints import REDIRECT_PATH, SCOPES, ConnectionSettings, is_loopback
from ctctdesk.ctct.errors import (
    AuthExpired,
    AuthorizationCancelled,
    AuthorizationFailed,
    AuthRevoked,
    CtctError,
    ServiceUnavailable,
)
from ctctdesk.ctct.timing import Clock, SystemClock
from ctctdesk.ctct.tokens import TokenSet, TokenStore

log = logging.getLogger(__name__)

TOKEN_TIMEOUT = (10.0, 30.0)
BROWSER_FLOW_TIMEOUT = 300.0  # seconds the loopback listener waits for the browser
REFRESH_MARGIN = 300.0  # refresh this long before the access token expires
DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


class Cancelled(threading.Event):
    """Set it to stop a running connect flow (GUI Cancel, Ctrl+C)."""


def _require_safe_transport(url: str) -> None:
    if not (url.lower().startswith("https://") or is_loopback(url)):
        raise CtctError("Refusing to send sign-in data over plain HTTP to another machine; "
                        "use an https:// authorization server address.")


@dataclass(frozen=True)
class BrowserAuthorization:
    """One attempt of the browser flow: the URL to open plus the secrets to finish it."""

    url: str
    redirect_uri: str
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the user needs to approve on another device, plus the polling parameters."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float
    interval: float
    device_code: str = field(repr=False)


class OAuthClient:
    """Talks to the authorization server for one ConnectionSettings."""

    def __init__(self, settings: ConnectionSettings, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, timing: Clock | None = None) -> None:
        if not settings.client_id:
            raise CtctError("Enter the API key (client id) of your Constant Contact application "
                            "in Settings → Constant Contact first.")
        self.settings = settings
        self.session = session or requests.Session()
        self._clock = clock
        self.timing = timing or SystemClock()  # the device flow's polling and the browser flow's timeout
        self._oauthlib = WebApplicationClient(settings.client_id)

    # -- browser flow -------------------------------------------------------------------------------
    def prepare_browser_authorization(self, redirect_uri: str | None = None) -> BrowserAuthorization:
        """A fresh state and PKCE pair; `redirect_uri` overrides the settings' (port 0 = any free port)."""
        _require_safe_transport(self.settings.authorize_url)
        redirect_uri = redirect_uri or self.settings.redirect_uri
        verifier = self._oauthlib.create_code_verifier(64)
        challenge = self._oauthlib.create_code_challenge(verifier, "S256")
        state = secrets.token_urlsafe(24)
        query = urlencode({
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        })
        return BrowserAuthorization(f"{self.settings.authorize_url}?{query}", redirect_uri, state, verifier)

    def exchange_code(self, authorization: BrowserAuthorization, code: str) -> TokenSet:
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=authorization.redirect_uri,
            client_id=self.settings.client_id, code_verifier=authorization.code_verifier,
        )
        return self._token_request(body, refused=lambda error: AuthorizationFailed(
            f"Constant Contact did not accept the sign-in ({error}). Connect again."))

    # -- device flow --------------------------------------------------------------------------------
    def start_device_authorization(self) -> DeviceAuthorization:
        url = self.settings.device_authorization_url
        _require_safe_transport(url)
        payload = self._post_form(url, {"client_id": self.settings.client_id, "scope": " ".join(SCOPES)})
        if payload.get("error") or not payload.get("device_code"):
            raise AuthorizationFailed("Constant Contact did not start the code sign-in "
                                      f"({payload.get('error', 'no device code')}).")
        return DeviceAuthorization(
            user_code=str(payload["user_code"]),
            verification_uri=str(payload.get("verification_uri") or payload.get("verification_url")),
            verification_uri_complete=payload.get("verification_uri_complete"),
            expires_at=self._clock() + float(payload.get("expires_in", 600)),
            interval=float(payload.get("interval", 5)),
            device_code=str(payload["device_code"]),
        )

    def poll_device(self, device: DeviceAuthorization, cancel: threading.Event | None = None,
                    sleep: Callable[[float], None] | None = None, timeout: float | None = None) -> TokenSet:
        """Poll the token endpoint at the given interval until approved, denied, expired, cancelled or
        `timeout` seconds have passed (None: only the code's own lifetime bounds the wait).

        Both limits run on `timing`, the clock the waits sleep on, so a fake clock in tests moves them
        too; the wait before a limit is cut short so the flow ends on time, not an interval later.
        """
        cancel = cancel or threading.Event()
        wait = sleep or (lambda seconds: self.timing.sleep(seconds, cancel))
        started = self.timing.monotonic()
        expires = started + max(0.0, device.expires_at - self._clock())
        gives_up = started + timeout if timeout is not None else math.inf
        interval = device.interval
        body = prepare_token_request(DEVICE_GRANT_TYPE, device_code=device.device_code,
                                     client_id=self.settings.client_id)
        while True:
            wait(max(0.0, min(interval, min(expires, gives_up) - self.timing.monotonic())))
            if cancel.is_set():
                raise AuthorizationCancelled()
            if self.timing.monotonic() >= expires:
                raise AuthorizationFailed("The code expired before access was allowed. Connect again.")
            payload, status = self._post_token(body)
            error = payload.get("error")
            if status == 200 and not error and payload.get("access_token"):
                return self._token_set(payload)
            if error in {"authorization_pending", "slow_down"}:
                if error == "slow_down":
                    interval += 5
                if self.timing.monotonic() >= gives_up:  # asked once more at the limit: still nobody
                    raise AuthorizationFailed(f"Nobody approved the code within {describe_wait(timeout or 0)}; "
                                              "nothing was changed. Connect again.")
                continue
            if error == "access_denied":
                raise AuthorizationFailed("Access was denied on Constant Contact's page; "
                                          "ctctdesk is not connected.")
            if error == "expired_token":
                raise AuthorizationFailed("The code expired before access was allowed. Connect again.")
            raise AuthorizationFailed(f"Constant Contact refused the code sign-in ({error or status}).")

    # -- refresh and revoke -------------------------------------------------------------------------
    def refresh(self, refresh_token: str) -> TokenSet:
        body = prepare_token_request("refresh_token", refresh_token=refresh_token,
                                     client_id=self.settings.client_id)
        return self._token_request(body, refused=lambda error: AuthRevoked())

    def revoke(self, token: str, hint: str = "refresh_token") -> bool:
        """Ask the server to revoke `token`; False (logged) when it could not be reached."""
        url = self.settings.revoke_url
        _require_safe_transport(url)
        try:
            response = self.session.post(url, data={"token": token, "token_type_hint": hint,
                                                    "client_id": self.settings.client_id},
                                         timeout=TOKEN_TIMEOUT)
        except requests.RequestException as error:
            log.warning("Could not reach Constant Contact to revoke the token: %s", type(error).__name__)
            return False
        if response.status_code >= 400:
            log.warning("Constant Contact answered %s to the revocation", response.status_code)
            return False
        return True

    # -- plumbing -----------------------------------------------------------------------------------
    def _token_request(self, body: str, refused: Callable[[str], CtctError]) -> TokenSet:
        payload, status = self._post_token(body)
        error = payload.get("error")
        if status == 200 and not error and payload.get("access_token"):
            return self._token_set(payload)
        if error in {"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"}:
            raise refused(str(error))
        if status >= 500:
            raise ServiceUnavailable()
        raise AuthExpired(f"Constant Contact's sign-in service answered unexpectedly ({error or status}). "
                          "Try again in a moment.")

    def _post_token(self, body: str) -> tuple[dict, int]:
        url = self.settings.token_url
        _require_safe_transport(url)
        try:
            response = self.session.post(
                url, data=body, timeout=TOKEN_TIMEOUT,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            )
        except requests.RequestException:
            raise ServiceUnavailable() from None
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return (payload if isinstance(payload, dict) else {}), response.status_code

    def _post_form(self, url: str, form: dict[str, str]) -> dict:
        try:
            response = self.session.post(url, data=form, timeout=TOKEN_TIMEOUT,
                                         headers={"Accept": "application/json"})
        except requests.RequestException:
            raise ServiceUnavailable() from None
        if response.status_code >= 500:
            raise ServiceUnavailable()
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return payload if isinstance(payload, dict) else {}

    def _token_set(self, payload: dict) -> TokenSet:
        scope = payload.get("scope") or ""
        return TokenSet(
            access_token=str(payload["access_token"]),
            refresh_token=payload.get("refresh_token"),
            expires_at=self._clock() + float(payload.get("expires_in") or 3600),
            scope=tuple(scope.split() if isinstance(scope, str) else scope),
            token_type=str(payload.get("token_type") or "Bearer"),
        )


# -- the loopback listener --------------------------------------------------------------------------

_DONE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>ctctdesk</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>"""


def describe_wait(seconds: float) -> str:
    """A listener timeout in words: seconds up to two minutes, whole minutes (rounded up) beyond."""
    if seconds < 120:
        whole = max(1, math.ceil(seconds))
        return "1 second" if whole == 1 else f"{whole} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


class LoopbackReceiver:
    """A one-shot HTTP listener on 127.0.0.1 that catches the authorization redirect.

    It is bound before the browser opens (so a busy port fails at once), accepts exactly one redirect
    carrying the expected `state`, answers the browser with a page saying it can be closed, and stops.
    A request whose `state` does not match is answered with an error page and otherwise ignored: any
    web page can make the browser load this address, and must not be able to end the sign-in.
    """

    def __init__(self, port: int, path: str = REDIRECT_PATH) -> None:
        self._expected_state = ""
        self._path = path
        self._done = threading.Event()
        self._decided = threading.Lock()  # requests arrive on several threads; one decides
        self._code: str | None = None
        self._error: AuthorizationFailed | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                receiver._handle(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # the request line carries the code: keep it out of stderr and logs

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as error:
            raise AuthorizationFailed(
                f"ctctdesk could not listen on 127.0.0.1:{port} for the sign-in ({error.strerror}). "
                "Close the program using that port or choose another redirect port in Settings "
                "(and register the new redirect URI on your Constant Contact application)."
            ) from None
        self.port = self._server.server_address[1]
        self.redirect_uri = f"http://127.0.0.1:{self.port}{path}"
        # a short poll interval: closing the listener waits for the serving loop to notice (0.5 s by default)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="oauth-loopback", daemon=True)
        self._thread.start()

    def expect_state(self, state: str) -> None:
        self._expected_state = state

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        with self._decided:  # decide under the lock, answer the browser outside it
            if parts.path != self._path or self._done.is_set():
                page = (404, "Nothing here", "This address is only used once, to finish connecting ctctdesk.")
            elif not self._state_matches(query.get("state", "")):
                log.warning("Ignored an answer on the sign-in address that did not belong to this sign-in "
                            "(state mismatch)")
                page = (400, "Not accepted", "This answer did not come from the sign-in ctctdesk started, "
                        "so it was ignored. If you are connecting ctctdesk, finish in the page ctctdesk "
                        "opened.")
            else:
                page = self._accept(query)
                self._done.set()
        self._answer(request, *page)

    def _state_matches(self, state: str) -> bool:
        # compared as bytes: compare_digest refuses str with non-ASCII characters, which anyone can send
        return bool(self._expected_state) and secrets.compare_digest(
            state.encode("utf-8"), self._expected_state.encode("utf-8"))

    def _accept(self, query: dict[str, str]) -> tuple[int, str, str]:
        """Take the answer to our own request (state matched): it ends the wait, whatever it says.
        Returns the page for the browser."""
        if query.get("error"):
            reason = "access was denied" if query["error"] == "access_denied" else query["error"]
            self._error = AuthorizationFailed(f"Constant Contact did not connect: {reason}.")
            return 200, "Not connected", "ctctdesk was not given access. You can close this window."
        if not query.get("code"):
            self._error = AuthorizationFailed("Constant Contact's answer held no authorization code.")
            return 400, "Not connected", "No authorization code arrived. Return to ctctdesk and connect again."
        self._code = query["code"]
        return 200, "ctctdesk is connecting", "Access allowed. You can close this window and return to ctctdesk."

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
        body = _DONE_PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(body)

    def wait(self, timeout: float = BROWSER_FLOW_TIMEOUT, cancel: threading.Event | None = None,
             clock: Clock | None = None) -> str:
        """Return the authorization code, or raise on mismatch, denial, timeout or cancel.

        The timeout runs on `clock`; the browser's answer and Cancel are looked for every 0.1 s.
        """
        clock = clock or SystemClock()
        deadline = clock.monotonic() + timeout
        try:
            while not self._done.wait(0.1):
                if cancel is not None and cancel.is_set():
                    raise AuthorizationCancelled()
                if clock.monotonic() >= deadline:
                    raise AuthorizationFailed(
                        f"No answer from the browser within {describe_wait(timeout)}; "
                        "ctctdesk stopped waiting. Connect again.")
            if self._error:
                raise self._error
            assert self._code is not None
            return self._code
        finally:
            self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


def run_browser_flow(oauth: OAuthClient, open_url: Callable[[str], None], *,
                     cancel: threading.Event | None = None,
                     timeout: float = BROWSER_FLOW_TIMEOUT) -> TokenSet:
    """The whole browser flow: listen, open the URL, wait for the redirect, exchange the code."""
    receiver = LoopbackReceiver(oauth.settings.redirect_port)
    try:
        authorization = oauth.prepare_browser_authorization(receiver.redirect_uri)
        receiver.expect_state(authorization.state)
        open_url(authorization.url)
    except BaseException:
        receiver.close()
        raise
    code = receiver.wait(timeout, cancel, oauth.timing)
    return oauth.exchange_code(authorization, code)


# -- tokens in use ----------------------------------------------------------------------------------

class TokenManager:
    """Hands out a valid access token, refreshing before expiry and once after a 401.

    Refresh tokens are single use: the new set is written to the keyring *before* the new access token
    is handed out, so a crash after the refresh cannot leave only the dead refresh token behind.
    """

    def __init__(self, oauth: OAuthClient, store: TokenStore, profile: str, *,
                 on_revoked: Callable[[AuthRevoked], None] | None = None,
                 clock: Callable[[], float] = time.time, margin: float = REFRESH_MARGIN) -> None:
        self.oauth = oauth
        self.store = store
        self.profile = profile
        self._on_revoked = on_revoked
        self._clock = clock
        self._margin = margin
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None

    def current(self) -> TokenSet:
        if self._tokens is None:
            self._tokens = self.store.load(self.profile)
        if self._tokens is None:
            from ctctdesk.ctct.errors import NotConnected

            raise NotConnected()
        return self._tokens

    def access_token(self) -> str:
        with self._lock:
            tokens = self.current()
            if tokens.expires_within(self._margin, self._clock()):
                tokens = self._refresh(tokens)
            return tokens.access_token

    def refresh_after_unauthorized(self, rejected_token: str) -> str:
        with self._lock:
            tokens = self.current()
            if tokens.access_token != rejected_token:
                return tokens.access_token  # another thread already refreshed
            return self._refresh(tokens).access_token

    def _refresh(self, tokens: TokenSet) -> TokenSet:
        # Another process (a scheduled `ctctdesk sync`, the GUI) may have rotated the tokens since we
        # read them; refreshing with our stale single-use refresh token would break the connection.
        latest = self.store.load(self.profile)
        if latest is not None and latest.refresh_token != tokens.refresh_token:
            self._tokens = tokens = latest
            if not latest.expires_within(self._margin, self._clock()):
                return latest
        if not tokens.refresh_token:
            return self._revoked(AuthRevoked())
        try:
            fresh = self.oauth.refresh(tokens.refresh_token)
        except AuthRevoked as error:
            return self._revoked(error)
        if fresh.refresh_token is None:  # server kept the old one (no rotation)
            fresh = TokenSet(fresh.access_token, tokens.refresh_token, fresh.expires_at,
                             fresh.scope or tokens.scope, fresh.token_type)
        self.store.save(self.profile, fresh)  # before anyone uses the new access token
        self._tokens = fresh
        log.info("Constant Contact access renewed")
        return fresh

    def _revoked(self, error: AuthRevoked) -> TokenSet:
        log.warning("Constant Contact refused to renew access: reconnect needed")
        if self._on_revoked:
            self._on_revoked(error)
        raise error
