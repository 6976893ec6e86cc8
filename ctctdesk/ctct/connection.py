"""The connection to Constant Contact as one service for the GUI and the command line (C1–C4, C7).

It owns the settings file, the keyring entry, the daily request counter and a small state file with
non-secret facts (account name and email, connected since, broken reason). Connecting, showing the
status and disconnecting all go through here, so the two front ends cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import requests

from ctctdesk.ctct.client import AccountSummary, CtctClient
from ctctdesk.ctct.endpoints import (
    ConnectionSettings,
    load_settings,
    save_settings,
    settings_path,
)
from ctctdesk.ctct.errors import AuthRevoked, CtctError, KeyringUnavailable, LocalFileError, NotConnected
from ctctdesk.ctct.http import DEFAULT_DAILY_ALLOWANCE, ApiTransport, DailyQuota, RateLimiter
from ctctdesk.ctct.oauth import (
    BROWSER_FLOW_TIMEOUT,
    DeviceAuthorization,
    OAuthClient,
    TokenManager,
    run_browser_flow,
)
from ctctdesk.ctct.timing import CancelScope, Clock, SystemClock
from ctctdesk.ctct.tokens import TokenSet, TokenStore
from ctctdesk.file_problems import FileProblem, cannot_use_folder, problem_of
from ctctdesk.jsonfile import DamagedJsonFile, read_json_object, write_json_atomically

log = logging.getLogger(__name__)

STATE_FILE_NAME = "constant-contact-state.json"
USAGE_FILE_NAME = "constant-contact-usage.json"


class ConnectionState(enum.Enum):
    NOT_CONNECTED = "not connected"
    CONNECTED = "connected"
    BROKEN = "broken"


@dataclass(frozen=True)
class ConnectionStatus:
    state: ConnectionState
    settings: ConnectionSettings
    account_name: str = ""
    account_email: str = ""
    connected_since: dt.datetime | None = None
    requests_today: int = 0
    daily_allowance: int = DEFAULT_DAILY_ALLOWANCE
    broken_reason: str = ""

    @property
    def connected(self) -> bool:
        return self.state is ConnectionState.CONNECTED


StatusListener = Callable[[ConnectionStatus], None]


class Connection:
    """Connect, report, disconnect; hands out the API client to the sync engine.

    `clock` paces every wait of the client and of the sign-in flows (the real clock unless a test or
    benchmark passes another); `limiter` defaults to Constant Contact's 4 requests a second on it.
    """

    def __init__(self, data_dir: Path, *, settings: ConnectionSettings | None = None,
                 token_store: TokenStore | None = None, session: requests.Session | None = None,
                 daily_allowance: int = DEFAULT_DAILY_ALLOWANCE,
                 limiter: RateLimiter | None = None, clock: Clock | None = None) -> None:
        self.data_dir = Path(data_dir)
        self._settings_path = settings_path(self.data_dir)
        self._state_path = self.data_dir / STATE_FILE_NAME
        self._settings = settings or load_settings(self._settings_path)
        if settings is not None or not self._settings_path.exists():
            save_settings(self._settings_path, self._settings)  # keeps the profile id stable
        self.tokens = token_store or TokenStore()
        self.session = session or requests.Session()
        self.clock = clock or SystemClock()
        self.quota = DailyQuota(self.data_dir / USAGE_FILE_NAME, daily_allowance,
                                today=lambda: self.clock.now().date())
        self.limiter = limiter or RateLimiter(clock=self.clock)
        self.cancel_scope = CancelScope()  # one for every client this connection hands out
        self._listeners: list[StatusListener] = []
        self._disconnect_hooks: list[Callable[[], object]] = []
        self._lock = threading.Lock()
        self._client: CtctClient | None = None
        self._read_state()  # a damaged state file is said at opening, before a window or command starts

    @classmethod
    def open(cls, data_dir: Path, sandbox_url: str | None = None, **kwargs) -> Connection:
        """The connection of a data folder; `sandbox_url` points every URL at a sandbox (and is saved)."""
        if sandbox_url:
            saved = load_settings(settings_path(Path(data_dir)))
            kwargs["settings"] = ConnectionSettings.for_sandbox(
                sandbox_url, profile=saved.profile, redirect_port=saved.redirect_port)
        return cls(Path(data_dir), **kwargs)

    # -- settings -----------------------------------------------------------------------------------
    @property
    def settings(self) -> ConnectionSettings:
        return self._settings

    def update_settings(self, settings: ConnectionSettings) -> None:
        """Save new URLs / API key / port. The profile (keyring entry) stays the same."""
        with self._lock:
            self._settings = replace(settings, profile=self._settings.profile)
            save_settings(self._settings_path, self._settings)
            self._client = None

    def set_client_id(self, client_id: str) -> None:
        self.update_settings(self._settings.with_client_id(client_id))

    # -- listeners ----------------------------------------------------------------------------------
    def add_listener(self, listener: StatusListener) -> None:
        """Called (from any thread) whenever the state changes: connected, broken, disconnected."""
        self._listeners.append(listener)

    def add_disconnect_hook(self, hook: Callable[[], object]) -> None:
        """Run `hook` right after a disconnect has removed the tokens, before listeners hear of it.

        The composition root uses it for C6 (the lists that came from or went to Constant Contact leave
        the CRM) so the GUI and the command line cannot forget that half of a disconnect. A hook that
        fails raises to the caller: the tokens are gone by then, and the user must hear that the
        clean-up did not finish.
        """
        self._disconnect_hooks.append(hook)

    def remove_listener(self, listener: StatusListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self) -> None:
        status = self.status()
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # one faulty listener must not stop the others
                log.exception("A connection listener failed")

    # -- state file ---------------------------------------------------------------------------------
    def _read_state(self) -> dict:
        """The saved facts; a damaged file is an error (read as empty, a broken connection would show as
        not connected and its reason would be lost)."""
        path = self._state_path
        try:
            return read_json_object(path) or {}
        except DamagedJsonFile as error:
            raise LocalFileError(
                f"The Constant Contact state file {path} is damaged ({error.detail}): delete it, then "
                "connect again in Settings → Constant Contact or with `ctctdesk connect` (nothing else "
                "is lost).", path=path, problem=FileProblem.DAMAGED,
            ) from None
        except OSError as error:
            raise LocalFileError(cannot_use_folder(path.parent, error, verb="read", target=path),
                                 path=path, problem=problem_of(error)) from None

    def _write_state(self, state: dict) -> None:
        try:
            if state:
                write_json_atomically(self._state_path, state)
            else:
                self._state_path.unlink(missing_ok=True)
        except OSError as error:
            raise LocalFileError.not_saved(self._state_path, error) from None

    # -- status -------------------------------------------------------------------------------------
    def status(self, *, refresh_account: bool = False) -> ConnectionStatus:
        """What the Settings page and `ctctdesk status` show. `refresh_account` asks Constant Contact."""
        state = self._read_state()
        if refresh_account and state.get("connected_since") and not state.get("broken"):
            try:
                self._remember_account(self.client().account_summary())
            except AuthRevoked:
                pass  # recorded as broken by the token manager
            state = self._read_state()
        since = state.get("connected_since")
        broken = state.get("broken", "") or ""
        if broken:
            kind = ConnectionState.BROKEN
        elif not since:
            kind = ConnectionState.NOT_CONNECTED  # the keyring is not even asked
        else:
            try:
                has_tokens = self.tokens.load(self._settings.profile) is not None
            except KeyringUnavailable as error:
                has_tokens, broken = False, str(error)
            if broken:
                kind = ConnectionState.BROKEN
            else:
                kind = ConnectionState.CONNECTED if has_tokens else ConnectionState.NOT_CONNECTED
        return ConnectionStatus(
            state=kind,
            settings=self._settings,
            account_name=state.get("account_name", ""),
            account_email=state.get("account_email", ""),
            connected_since=dt.datetime.fromisoformat(since) if since else None,
            requests_today=self.quota.used,
            daily_allowance=self.quota.allowance,
            broken_reason=broken,
        )

    def _remember_account(self, account: AccountSummary) -> None:
        state = self._read_state()
        state.update(account_name=account.organization_name, account_email=account.contact_email)
        self._write_state(state)

    # -- connect ------------------------------------------------------------------------------------
    def connect_browser(self, open_url: Callable[[str], None], *, cancel: threading.Event | None = None,
                        timeout: float = BROWSER_FLOW_TIMEOUT) -> ConnectionStatus:
        """Authorization code + PKCE through the system browser (C1)."""
        self.tokens.check_available()  # refuse before sending the admin to the browser
        oauth = self._oauth()
        tokens = run_browser_flow(oauth, open_url, cancel=cancel, timeout=timeout)
        return self._connected(tokens)

    def connect_device(self, show_code: Callable[[DeviceAuthorization], None], *,
                       cancel: threading.Event | None = None,
                       sleep: Callable[[float], None] | None = None,
                       timeout: float | None = None) -> ConnectionStatus:
        """Device authorization: show the code and the address, poll until allowed (C1), the code
        expires or `timeout` seconds pass (None: as long as the code lives)."""
        self.tokens.check_available()
        oauth = self._oauth()
        device = oauth.start_device_authorization()
        show_code(device)
        tokens = oauth.poll_device(device, cancel, sleep, timeout=timeout)
        return self._connected(tokens)

    def _connected(self, tokens: TokenSet) -> ConnectionStatus:
        with self._lock:
            self.tokens.save(self._settings.profile, tokens)
            self._client = None
            self._write_state({"connected_since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
        try:
            self._remember_account(self.client().account_summary())
        except CtctError as error:
            log.warning("Connected, but the account summary could not be read: %s", error)
        log.info("Connected to Constant Contact")
        self._notify()
        return self.status()

    # -- disconnect ---------------------------------------------------------------------------------
    def disconnect(self) -> bool:
        """Revoke the tokens (best effort) and remove them from the keyring (C6). True if revoked."""
        profile = self._settings.profile
        tokens = self.tokens.load(profile)
        revoked = True
        if tokens is not None and self._settings.client_id:
            oauth = self._oauth()
            if tokens.refresh_token:
                revoked = oauth.revoke(tokens.refresh_token, "refresh_token") and revoked
            revoked = oauth.revoke(tokens.access_token, "access_token") and revoked
        with self._lock:
            self.tokens.delete(profile)
            self._client = None
            self._write_state({})
        log.info("Disconnected from Constant Contact%s", "" if revoked else " (revocation not confirmed)")
        try:
            for hook in list(self._disconnect_hooks):
                hook()
        finally:
            self._notify()
        return revoked

    # -- the client ---------------------------------------------------------------------------------
    def client(self) -> CtctClient:
        """The API client for the connected account; raises NotConnected when there is none."""
        with self._lock:
            if self._client is None:
                if self.tokens.load(self._settings.profile) is None:
                    raise NotConnected()
                manager = TokenManager(self._oauth(), self.tokens, self._settings.profile,
                                       on_revoked=self._mark_broken)
                transport = ApiTransport(self._settings.api_base_url, manager, session=self.session,
                                         limiter=self.limiter, quota=self.quota, clock=self.clock,
                                         cancel_scope=self.cancel_scope)
                self._client = CtctClient(transport)
            return self._client

    def _mark_broken(self, error: AuthRevoked) -> None:
        state = self._read_state()
        state["broken"] = "Constant Contact refused to renew access (revoked or expired)."
        self._write_state(state)
        log.warning("Constant Contact connection broken: access was refused; reconnect needed")
        self._notify()

    def _oauth(self) -> OAuthClient:
        return OAuthClient(self._settings, self.session, timing=self.clock)


def describe(status: ConnectionStatus) -> list[str]:
    """Human lines for a status, shared by the CLI and tests."""
    if status.state is ConnectionState.NOT_CONNECTED:
        lines = ["Not connected to Constant Contact."]
    elif status.state is ConnectionState.BROKEN:
        lines = [f"Connection broken: {status.broken_reason} Reconnect to continue."]
    else:
        lines = ["Connected to Constant Contact."]
    if status.account_name or status.account_email:
        lines.append(f"Account: {status.account_name} <{status.account_email}>")
    if status.connected_since:
        lines.append(f"Connected since: {status.connected_since.astimezone():%Y-%m-%d %H:%M}")
    lines.append(f"API requests used today: {status.requests_today:,} of {status.daily_allowance:,}")
    return lines
