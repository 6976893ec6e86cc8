"""The connection to Campaign Monitor, for the GUI and the command line alike.

The same shape as the Constant Contact connection (`ctctdesk.ctct.connection`), so the sync service
(`AccountAccess`), the Settings page and `ctctdesk status` treat both the same way: ``status()``,
``client()``, ``quota``, listeners, disconnect hooks, ``disconnect()``.

What differs: Campaign Monitor accepts an API key (HTTP Basic) or OAuth 2 tokens, and an account holds
several clients; the lists belong to one client, chosen once when connecting. Connecting is therefore
two steps the front ends drive: `clients_for_key(key)` asks Campaign Monitor which clients the key
reaches (and proves the key works), then `connect_api_key(key, client)` keeps the key and the choice.
With OAuth, `sign_in_browser` (the web-server flow through the system browser and a loopback redirect)
gives the tokens, then `clients_for(tokens)` and `connect_with(tokens, client)` do the same.

Where things are kept: the API key only in the operating system's keyring (`ctctdesk.ctct.tokens`,
under a keyring service of its own, so it never mixes with a Constant Contact sign-in); the non-secret
facts (chosen client, connected since, why it broke) in ``campaign-monitor-state.json``; the API address
and the keyring entry's name in ``campaign-monitor.json``. The key never reaches a file, the log or an
exception message.

The wire client (`ctctdesk.cmon.client`, through `ctctdesk.cmon.wiring`) lists the clients; the sync
engine's service for the chosen client comes from `ServiceFactory`, which the composition root passes in
(the adapter lives in the sync layer, which this package must not import).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.ctct.errors import (
    AuthorizationFailed,
    AuthRevoked,
    CtctError,
    LocalFileError,
    NotConnected,
)
from ctctdesk.ctct.http import DailyQuota
from ctctdesk.ctct.tokens import TokenSet, TokenStore, keyring_report
from ctctdesk.file_problems import FileProblem, cannot_use_folder, problem_of
from ctctdesk.jsonfile import DamagedJsonFile, read_json_object, write_json_atomically
from ctctdesk.timing import CancelScope, Clock, SystemClock

log = logging.getLogger(__name__)

DISPLAY_NAME = "Campaign Monitor"
REAL_API_BASE_URL = "https://api.createsend.com/api/v3.3"
#: the keyring service of Campaign Monitor sign-ins: apart from Constant Contact's ("ctctdesk")
KEYRING_SERVICE = "ctctdesk-campaign-monitor"
SETTINGS_FILE_NAME = "campaign-monitor.json"
STATE_FILE_NAME = "campaign-monitor-state.json"
USAGE_FILE_NAME = "campaign-monitor-usage.json"
#: Campaign Monitor documents no daily request allowance; the count is kept and shown, never a limit.
NO_DAILY_LIMIT = 10**12
API_KEY_TOKEN_TYPE = "api-key"
DEFAULT_REDIRECT_PORT = 8572  # beside Constant Contact's 8571
REDIRECT_PATH = "/ctctdesk/campaign-monitor/callback"
BROWSER_FLOW_TIMEOUT = 300.0
API_KEY_NEVER_EXPIRES = 253402300799.0  # 9999-12-31: an API key lasts until it is deleted in the account

NOT_CONNECTED_TEXT = ("ctctdesk is not connected to Campaign Monitor. Connect first (Settings → Campaign "
                      "Monitor, or `ctctdesk connect --service campaign-monitor`).")


@dataclass(frozen=True)
class CmonSettings:
    """Where Campaign Monitor is (the real API, or a local emulator) and the keyring entry's name."""

    api_base_url: str = REAL_API_BASE_URL
    #: names the keyring entry; random per data folder so two folders never share a key
    profile: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: OAuth: the client id of the office's Campaign Monitor OAuth application (not a secret)
    oauth_client_id: str = ""
    #: OAuth: the loopback port of the redirect URI registered on that application
    redirect_port: int = DEFAULT_REDIRECT_PORT

    @classmethod
    def for_sandbox(cls, base_url: str, *, profile: str | None = None, **kept: Any) -> CmonSettings:
        """The API address of an emulator started at `base_url` (e.g. http://127.0.0.1:8766)."""
        return cls(api_base_url=f"{base_url.rstrip('/')}/api/v3.3", profile=profile or uuid.uuid4().hex, **kept)

    @property
    def origin(self) -> str:
        """Where the OAuth pages are: the API's scheme and host (``https://api.createsend.com``)."""
        parts = urlsplit(self.api_base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def redirect_uri(self) -> str:
        """The address to register on the OAuth application (shown by the Settings page)."""
        return f"http://127.0.0.1:{self.redirect_port}{REDIRECT_PATH}"


@dataclass(frozen=True)
class ClientChoice:
    """One client of the account: the lists ctctdesk keeps in step belong to the one chosen."""

    client_id: str
    name: str


@dataclass(frozen=True)
class CmonStatus:
    """What Settings → Campaign Monitor and `ctctdesk status` show; the same questions as Constant
    Contact's `ConnectionStatus` answers (``state``, ``connected``, ``account_name``…)."""

    state: ConnectionState
    settings: CmonSettings
    client_name: str = ""
    client_id: str = ""
    connected_since: dt.datetime | None = None
    requests_today: int = 0
    daily_allowance: int = 0  # 0: no documented daily allowance
    broken_reason: str = ""
    service_name: str = DISPLAY_NAME

    @property
    def connected(self) -> bool:
        return self.state is ConnectionState.CONNECTED

    @property
    def account_name(self) -> str:
        """The chosen client: what the user knows this connection by."""
        return self.client_name

    @property
    def account_email(self) -> str:
        return ""


class ClientChoiceNeeded(AuthorizationFailed):
    """The API key reaches several clients and none was named: the front end asks which one."""

    def __init__(self, clients: list[ClientChoice]) -> None:
        names = ", ".join(f"“{c.name}”" for c in clients)
        super().__init__(f"This API key reaches several Campaign Monitor clients ({names}): choose one.")
        self.clients = clients


StatusListener = Callable[[CmonStatus], None]
#: (API base URL, credentials, quota=) → the account's clients; raises a CtctError-family error the user can read
ClientLister = Callable[[str, TokenSet], list[ClientChoice]]
#: (base_url=, credentials=, client_id=, clock=, quota=) → the sync engine's `EmailService` for that client
ServiceFactory = Callable[..., Any]


class _Guarded:
    """The service as handed out: a refusal of the key (AuthRevoked) on any call also marks the
    connection broken (C7), as Constant Contact's token manager does, then reaches the caller."""

    def __init__(self, service: Any, on_refused: Callable[[], None]) -> None:
        self._service = service
        self._on_refused = on_refused

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_service", "_on_refused"):
            raise AttributeError(name)
        value = getattr(self._service, name)
        if not callable(value):
            return value

        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return value(*args, **kwargs)
            except AuthRevoked:
                self._on_refused()
                raise

        return guarded


def credentials_of_key(api_key: str) -> TokenSet:
    """An API key as the keyring keeps it: a token set that never expires and has nothing to renew."""
    return TokenSet(access_token=api_key, refresh_token=None, expires_at=API_KEY_NEVER_EXPIRES,
                    token_type=API_KEY_TOKEN_TYPE)


def credentials_of_pair(pair: Any) -> TokenSet:
    """An OAuth token pair of the wire client (`ctctdesk.cmon.oauth.TokenSet`) as the keyring keeps it."""
    return TokenSet(access_token=pair.access_token, refresh_token=pair.refresh_token,
                    expires_at=pair.expires_at.timestamp(), token_type="Bearer")


def pair_of_credentials(credentials: TokenSet) -> Any:
    """The keyring's token set as the wire client's OAuth pair."""
    from ctctdesk.cmon.oauth import TokenSet as Pair

    return Pair(credentials.access_token, credentials.refresh_token or "",
                dt.datetime.fromtimestamp(credentials.expires_at, dt.UTC))


def pick_client(clients: list[ClientChoice], wanted: str | None) -> ClientChoice | None:
    """The client named (or with the id) `wanted`, case-insensitively; the only one when there is one
    and none was named; None when the user must still choose. A name that matches none is an error."""
    if wanted:
        key = wanted.strip().casefold()
        for client in clients:
            if key in (client.name.casefold(), client.client_id.casefold()):
                return client
        names = ", ".join(f"“{c.name}”" for c in clients) or "none"
        raise AuthorizationFailed(f"Campaign Monitor has no client named “{wanted}” for this API key. "
                                  f"Its clients: {names}.")
    return clients[0] if len(clients) == 1 else None


def _load_settings(path: Path) -> CmonSettings:
    try:
        raw = read_json_object(path)
    except DamagedJsonFile as error:
        raise LocalFileError(
            f"The Campaign Monitor settings file {path} is damaged ({error.detail}): delete it and connect "
            "again (Settings → Campaign Monitor, or `ctctdesk connect --service campaign-monitor`).",
            path=path, problem=FileProblem.DAMAGED) from None
    except OSError as error:
        raise LocalFileError(cannot_use_folder(path.parent, error, verb="read", target=path),
                             path=path, problem=problem_of(error)) from None
    if raw is None:
        return CmonSettings()
    known: dict[str, Any] = {name: raw[name] for name in ("api_base_url", "profile", "oauth_client_id")
                             if isinstance(raw.get(name), str)}
    if isinstance(raw.get("redirect_port"), int) and 0 <= raw["redirect_port"] < 65536:
        known["redirect_port"] = raw["redirect_port"]
    return CmonSettings(**known)


def _save_settings(path: Path, settings: CmonSettings) -> None:
    try:
        write_json_atomically(path, asdict(settings))
    except OSError as error:
        raise LocalFileError.not_saved(path, error) from None


class CmonConnection:
    """Connect by API key, choose the client, report, disconnect; hands the sync engine its service."""

    display_name = DISPLAY_NAME

    def __init__(self, data_dir: Path, *, settings: CmonSettings | None = None,
                 token_store: TokenStore | None = None, clock: Clock | None = None,
                 list_clients: ClientLister | None = None,
                 service_factory: ServiceFactory | None = None) -> None:  # fmt: skip
        self.data_dir = Path(data_dir)
        self._settings_path = self.data_dir / SETTINGS_FILE_NAME
        self._state_path = self.data_dir / STATE_FILE_NAME
        self._settings = settings or _load_settings(self._settings_path)
        if settings is not None or not self._settings_path.exists():
            _save_settings(self._settings_path, self._settings)  # keeps the keyring entry's name stable
        self.tokens = token_store or TokenStore(KEYRING_SERVICE, display_name=DISPLAY_NAME)
        self.clock = clock or SystemClock()
        self.quota = DailyQuota(self.data_dir / USAGE_FILE_NAME, NO_DAILY_LIMIT,
                                today=lambda: self.clock.now().date())
        self.cancel_scope = CancelScope()
        self._list_clients = list_clients or _wire_clients
        self._service_factory = service_factory or _no_service
        self._listeners: list[StatusListener] = []
        self._disconnect_hooks: list[Callable[[], object]] = []
        self._lock = threading.Lock()
        self._client: Any = None
        self._read_state()  # a damaged state file is said at opening

    @classmethod
    def open(cls, data_dir: Path, sandbox_url: str | None = None, **kwargs: Any) -> CmonConnection:
        """The data folder's connection; `sandbox_url` points it at an emulator (and is saved)."""
        if sandbox_url:
            saved = _load_settings(Path(data_dir) / SETTINGS_FILE_NAME)
            kwargs["settings"] = CmonSettings.for_sandbox(sandbox_url, profile=saved.profile,
                                                          oauth_client_id=saved.oauth_client_id,
                                                          redirect_port=saved.redirect_port)
        return cls(Path(data_dir), **kwargs)

    @property
    def settings(self) -> CmonSettings:
        return self._settings

    def set_oauth_client_id(self, client_id: str) -> None:
        """Save the OAuth application's client id (a small JSON file; the profile stays)."""
        with self._lock:
            self._settings = replace(self._settings, oauth_client_id=client_id.strip())
            _save_settings(self._settings_path, self._settings)

    # -- listeners ----------------------------------------------------------------------------------
    def add_listener(self, listener: StatusListener) -> None:
        """Called (from any thread) whenever the state changes: connected, broken, disconnected."""
        self._listeners.append(listener)

    def remove_listener(self, listener: StatusListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add_disconnect_hook(self, hook: Callable[[], object]) -> None:
        """Run right after a disconnect removed the key (the CRM's lists leave then, C6)."""
        self._disconnect_hooks.append(hook)

    def _notify(self) -> None:
        status = self.status()
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:
                log.exception("A connection listener failed")

    # -- state file ---------------------------------------------------------------------------------
    def _read_state(self) -> dict:
        path = self._state_path
        try:
            return read_json_object(path) or {}
        except DamagedJsonFile as error:
            raise LocalFileError(
                f"The Campaign Monitor state file {path} is damaged ({error.detail}): delete it, then "
                "connect again in Settings → Campaign Monitor or with `ctctdesk connect --service "
                "campaign-monitor` (nothing else is lost).", path=path, problem=FileProblem.DAMAGED,
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
    def status(self, *, refresh_account: bool = False) -> CmonStatus:
        """The saved facts; `refresh_account` checks with Campaign Monitor that the key still works
        and the client is still there (the client's name is updated when it was renamed)."""
        state = self._read_state()
        if refresh_account and state.get("connected_since") and not state.get("broken"):
            self._refresh_client(state)
            state = self._read_state()
        since = state.get("connected_since")
        broken = state.get("broken", "") or ""
        if broken:
            kind = ConnectionState.BROKEN
        elif not since:
            kind = ConnectionState.NOT_CONNECTED
        else:
            has_key = self.tokens.load(self._settings.profile) is not None
            kind = ConnectionState.CONNECTED if has_key else ConnectionState.NOT_CONNECTED
        return CmonStatus(
            state=kind,
            settings=self._settings,
            client_name=state.get("client_name", ""),
            client_id=state.get("client_id", ""),
            connected_since=dt.datetime.fromisoformat(since) if since else None,
            requests_today=self.quota.used,
            broken_reason=broken,
        )

    def _refresh_client(self, state: dict) -> None:
        tokens = self.tokens.load(self._settings.profile)
        if tokens is None:
            return
        try:
            clients = self._list_clients(self._settings.api_base_url, tokens, quota=self.quota,
                                         origin=self._settings.origin, save_tokens=self._save_renewed)
        except AuthorizationFailed:
            self.mark_broken("Campaign Monitor no longer accepts the saved API key (deleted or replaced).")
            return
        except CtctError as error:
            log.warning("Campaign Monitor could not be asked about the client: %s", error)
            return
        chosen = next((c for c in clients if c.client_id == state.get("client_id")), None)
        if chosen is None:
            self.mark_broken("The chosen client is no longer in the Campaign Monitor account.")
        elif chosen.name != state.get("client_name"):
            self._write_state({**state, "client_name": chosen.name})

    # -- connect ------------------------------------------------------------------------------------
    def clients_for_key(self, api_key: str) -> list[ClientChoice]:
        """The clients this API key reaches, by name; proves the key before anything is kept.

        Raises AuthorizationFailed when Campaign Monitor refuses the key, KeyringUnavailable when there
        is no keyring to keep it in (asked first, so nobody types a key that cannot be kept).
        """
        self.tokens.check_available()
        api_key = api_key.strip()
        if not api_key:
            raise AuthorizationFailed("Enter the API key of your Campaign Monitor account first.")
        return self.clients_for(credentials_of_key(api_key))

    def clients_for(self, credentials: TokenSet) -> list[ClientChoice]:
        """The clients an API key or a signed-in token pair reaches, by name."""
        self.tokens.check_available()
        clients = self._list_clients(self._settings.api_base_url, credentials, quota=self.quota,
                                     origin=self._settings.origin)
        return sorted(clients, key=lambda c: c.name.casefold())

    def connect_api_key(self, api_key: str, client: ClientChoice | str | None = None) -> CmonStatus:
        """Check the key, choose the client (by name or id; the only one when there is one) and connect.

        When the key reaches several clients and none is named, ClientChoiceNeeded lists them.
        """
        api_key = api_key.strip()
        if not api_key:
            raise AuthorizationFailed("Enter the API key of your Campaign Monitor account first.")
        return self.connect_with(credentials_of_key(api_key), client)

    def sign_in_browser(self, open_url: Callable[[str], None], *, client_secret: str,
                        cancel: threading.Event | None = None,
                        timeout: float = BROWSER_FLOW_TIMEOUT) -> TokenSet:  # fmt: skip
        """OAuth's web-server flow: listen on the loopback redirect, open Campaign Monitor's sign-in page,
        trade the code for tokens (with the application's secret, which is not kept). Nothing is saved
        yet: `connect_with(tokens, client)` does, once the client is chosen."""
        from ctctdesk.cmon import oauth
        from ctctdesk.cmon.errors import CmonError
        from ctctdesk.ctct.oauth import LoopbackReceiver

        self.tokens.check_available()  # refuse before sending anyone to the browser
        settings = self._settings
        if not settings.oauth_client_id or not client_secret:
            raise AuthorizationFailed("Enter the client id and the client secret of your Campaign Monitor "
                                      "OAuth application first.")
        receiver = LoopbackReceiver(settings.redirect_port, REDIRECT_PATH)
        state = secrets.token_urlsafe(24)
        try:
            receiver.expect_state(state)
            open_url(oauth.authorize_url(settings.oauth_client_id, receiver.redirect_uri, state=state,
                                         origin=settings.origin))
        except BaseException:
            receiver.close()
            raise
        code = receiver.wait(timeout, cancel, self.clock)
        try:
            pair = oauth.exchange_code(code, client_id=settings.oauth_client_id, client_secret=client_secret,
                                       redirect_uri=receiver.redirect_uri, origin=settings.origin, clock=self.clock)
        except CmonError as error:
            raise AuthorizationFailed(str(error)) from None
        return credentials_of_pair(pair)

    def connect_with(self, credentials: TokenSet, client: ClientChoice | str | None = None) -> CmonStatus:
        """Keep `credentials` (API key or tokens) and the chosen client: connected."""
        clients = self.clients_for(credentials)
        if isinstance(client, ClientChoice):
            client = client.client_id
        chosen = pick_client(clients, client)
        if chosen is None:
            if not clients:
                raise AuthorizationFailed("This Campaign Monitor account has no client yet: add one in "
                                          "Campaign Monitor, then connect again.")
            raise ClientChoiceNeeded(clients)
        with self._lock:
            self.tokens.save(self._settings.profile, credentials)
            self._client = None
            self._write_state({
                "connected_since": self.clock.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
                "client_id": chosen.client_id,
                "client_name": chosen.name,
                "signed_in_with": "api key" if credentials.token_type == API_KEY_TOKEN_TYPE else "oauth",
            })
        log.info("Connected to Campaign Monitor (client %s)", chosen.name)
        self._notify()
        return self.status()

    # -- disconnect ---------------------------------------------------------------------------------
    def disconnect(self) -> bool:
        """Remove the key from the keyring and forget the client (C6). An API key has nothing to revoke:
        it stays valid in Campaign Monitor until it is deleted there. Always True."""
        with self._lock:
            self.tokens.delete(self._settings.profile)
            self._client = None
            self._write_state({})
        log.info("Disconnected from Campaign Monitor")
        try:
            for hook in list(self._disconnect_hooks):
                hook()
        finally:
            self._notify()
        return True

    # -- the client ---------------------------------------------------------------------------------
    def client(self) -> Any:
        """The sync engine's `EmailService` for the chosen client; NotConnected when there is none."""
        with self._lock:
            if self._client is None:
                state = self._read_state()
                tokens = self.tokens.load(self._settings.profile)
                if tokens is None or not state.get("client_id"):
                    raise NotConnected(NOT_CONNECTED_TEXT)
                service = self._service_factory(
                    base_url=self._settings.api_base_url, credentials=tokens,
                    client_id=state["client_id"], clock=self.clock, quota=self.quota,
                    origin=self._settings.origin, save_tokens=self._save_renewed,
                )
                self._client = _Guarded(service, self._refused)
            return self._client

    def _save_renewed(self, credentials: TokenSet) -> None:
        """OAuth: a renewed token pair replaces the old one in the keyring before it is used."""
        self.tokens.save(self._settings.profile, credentials)

    def _refused(self) -> None:
        if not self._read_state().get("broken"):
            self.mark_broken("Campaign Monitor no longer accepts the saved API key (deleted or replaced).")

    def mark_broken(self, reason: str) -> None:
        """C7: Campaign Monitor refused the key; only a reconnect helps. Listeners hear it."""
        state = self._read_state()
        state["broken"] = reason
        self._write_state(state)
        with self._lock:
            self._client = None
        log.warning("Campaign Monitor connection broken: %s", reason)
        self._notify()


def keyring_sentence() -> tuple[bool, str]:
    """(usable, sentence) about the keyring, worded for the Campaign Monitor page."""
    usable, text = keyring_report()
    return usable, text.replace("The sign-in will be kept", "The API key will be kept")


def describe(status: CmonStatus) -> list[str]:
    """Human lines for a status, shared by the command line and tests."""
    if status.state is ConnectionState.NOT_CONNECTED:
        lines = ["Not connected to Campaign Monitor."]
    elif status.state is ConnectionState.BROKEN:
        lines = [f"Campaign Monitor connection broken: {status.broken_reason} Reconnect to continue."]
    else:
        lines = ["Connected to Campaign Monitor."]
    if status.client_name:
        lines.append(f"Client: {status.client_name}")
    if status.connected_since:
        lines.append(f"Connected since: {status.connected_since.astimezone():%Y-%m-%d %H:%M}")
    lines.append(f"API requests today: {status.requests_today:,}")
    return lines


# -- the seams' real implementations: the wire client and the sync adapter (other modules of cmon) ------

def _wire_clients(base_url: str, credentials: TokenSet, **options: Any) -> list[ClientChoice]:
    """The account's clients through the wire client (`ctctdesk.cmon.client`)."""
    from ctctdesk.cmon import wiring

    return wiring.list_clients(base_url, credentials, **options)


def _no_service(**kwargs: Any) -> Any:
    """Without a factory from the composition root there is no sync engine to hand out."""
    from ctctdesk.cmon.wiring import NotAvailable

    raise NotAvailable("Campaign Monitor cannot be synchronized from here: no sync engine was given.")
