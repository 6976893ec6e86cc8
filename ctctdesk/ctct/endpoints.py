"""Where ctctdesk talks to: API and authorization server URLs, client id and redirect port.

These are settings, not constants, so that demo mode and tests can point everything at the sandbox and
an admin can enter the API key of the application registered for the office (C2). They are saved in a
small JSON file in the data folder; tokens never go there (they live in the keyring, see tokens.py).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from ctctdesk.ctct.errors import LocalFileError
from ctctdesk.file_problems import FileProblem, cannot_use_folder, problem_of
from ctctdesk.jsonfile import DamagedJsonFile, read_json_object, write_json_atomically

REAL_API_BASE_URL = "https://api.cc.email/v3"
REAL_AUTH_BASE_URL = "https://authz.constantcontact.com/oauth2/default/v1"
SANDBOX_CLIENT_ID = "ctctdesk-demo"
#: The loopback port of the redirect URI. Constant Contact needs the exact redirect URI registered on
#: the application, so the port is fixed (configurable) rather than picked at random.
DEFAULT_REDIRECT_PORT = 8571
REDIRECT_PATH = "/ctctdesk/callback"
SCOPES = ("contact_data", "account_read", "offline_access")
SETTINGS_FILE_NAME = "constant-contact.json"


@dataclass(frozen=True)
class ConnectionSettings:
    api_base_url: str = REAL_API_BASE_URL
    auth_base_url: str = REAL_AUTH_BASE_URL
    client_id: str = ""
    redirect_port: int = DEFAULT_REDIRECT_PORT
    #: names the keyring entry; random per data folder so two folders never share tokens
    profile: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def for_sandbox(cls, base_url: str, *, profile: str | None = None,
                    redirect_port: int = DEFAULT_REDIRECT_PORT) -> ConnectionSettings:
        """Every URL pointed at a sandbox started at `base_url` (e.g. http://127.0.0.1:8765)."""
        root = base_url.rstrip("/")
        return cls(
            api_base_url=f"{root}/v3",
            auth_base_url=f"{root}/oauth2/default/v1",
            client_id=SANDBOX_CLIENT_ID,
            redirect_port=redirect_port,
            profile=profile or uuid.uuid4().hex,
        )

    @property
    def redirect_uri(self) -> str:
        """The URI the admin registers on the Constant Contact application (shown next to the API key)."""
        return f"http://127.0.0.1:{self.redirect_port}{REDIRECT_PATH}"

    @property
    def authorize_url(self) -> str:
        return f"{self.auth_base_url.rstrip('/')}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.auth_base_url.rstrip('/')}/token"

    @property
    def device_authorization_url(self) -> str:
        return f"{self.auth_base_url.rstrip('/')}/device/authorize"

    @property
    def revoke_url(self) -> str:
        return f"{self.auth_base_url.rstrip('/')}/revoke"

    @property
    def is_sandbox(self) -> bool:
        return is_loopback(self.api_base_url)

    def with_client_id(self, client_id: str) -> ConnectionSettings:
        return replace(self, client_id=client_id.strip())


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in {"127.0.0.1", "localhost", "::1"}


def settings_path(data_dir: Path) -> Path:
    return Path(data_dir) / SETTINGS_FILE_NAME


def load_settings(path: Path) -> ConnectionSettings:
    """Read saved settings; a missing file gives the defaults (real Constant Contact) with a new profile.

    A damaged file is an error, never the defaults: the defaults would mean a new keyring profile, so
    ctctdesk would quietly forget its sign-in and API key.
    """
    path = Path(path)
    try:
        raw = read_json_object(path)
        if raw is None:
            return ConnectionSettings()
        known = {name: raw[name] for name in ConnectionSettings.__dataclass_fields__ if name in raw}
        settings = ConnectionSettings(**known)
        _check_types(settings)
        return settings
    except (DamagedJsonFile, TypeError, ValueError) as error:
        detail = error.detail if isinstance(error, DamagedJsonFile) else str(error)
        raise LocalFileError(
            f"The Constant Contact settings file {path} is damaged ({detail}): fix it, or delete it and "
            "connect again (Settings → Constant Contact, or `ctctdesk connect --api-key KEY`).",
            path=path, problem=FileProblem.DAMAGED,
        ) from None
    except OSError as error:
        raise LocalFileError(cannot_use_folder(path.parent, error, verb="read", target=path),
                             path=path, problem=problem_of(error)) from None


def _check_types(settings: ConnectionSettings) -> None:
    for name in ("api_base_url", "auth_base_url", "client_id", "profile"):
        if not isinstance(getattr(settings, name), str):
            raise ValueError(f"{name} is not text")
    if not isinstance(settings.redirect_port, int) or not 0 <= settings.redirect_port < 65536:  # 0: any free port
        raise ValueError("redirect_port is not a port number")


def save_settings(path: Path, settings: ConnectionSettings) -> None:
    """Save through a temporary file and a rename; a LocalFileError says why it could not be saved."""
    try:
        write_json_atomically(Path(path), asdict(settings))
    except OSError as error:
        raise LocalFileError.not_saved(path, error) from None
