"""One exception family for everything that talks to Constant Contact.

Every message is written for the person in front of the screen: it says what happened and what to do.
The GUI and the command line show `str(error)` as is, so no message may contain a token, code or verifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ctctdesk.file_problems import DataFileError, FileProblem, cannot_write, problem_of


class CtctError(Exception):
    """Base of every Constant Contact client error."""

    #: short machine-readable name, used for exit codes and logs
    kind = "error"


class NotConnected(CtctError):
    kind = "not_connected"

    def __init__(self, message: str = "ctctdesk is not connected to Constant Contact. "
                 "Connect first (Settings → Constant Contact, or `ctctdesk connect`).") -> None:
        super().__init__(message)


class AuthExpired(CtctError):
    """The access token was refused and could not be renewed right now; trying again may work."""

    kind = "auth_expired"

    def __init__(self, message: str = "Constant Contact refused the saved sign-in. "
                 "Try again; if it keeps failing, reconnect in Settings → Constant Contact.") -> None:
        super().__init__(message)


class AuthRevoked(CtctError):
    """The refresh token was refused (revoked, expired or already used): only a reconnect helps (C7)."""

    kind = "auth_revoked"

    def __init__(self, message: str = "Constant Contact no longer accepts ctctdesk's access "
                 "(it was revoked or has expired). Reconnect in Settings → Constant Contact "
                 "or run `ctctdesk connect`; nothing has been lost.") -> None:
        super().__init__(message)


class AuthorizationFailed(CtctError):
    """The connect flow itself did not complete (denied, timed out, cancelled, state mismatch…)."""

    kind = "authorization_failed"


class AuthorizationCancelled(AuthorizationFailed):
    kind = "cancelled"

    def __init__(self, message: str = "Connecting was cancelled; ctctdesk is not connected.") -> None:
        super().__init__(message)


class RequestCancelled(CtctError):
    """Cancel was pressed while a request waited its turn (rate limit, back-off, Retry-After)."""

    kind = "cancelled"

    def __init__(self, message: str = "Cancelled while waiting for Constant Contact.") -> None:
        super().__init__(message)


class Forbidden(CtctError):
    kind = "forbidden"

    def __init__(self, message: str = "Constant Contact refused the request: the connected user lacks "
                 "the permission or the access granted is too narrow. Reconnect with an account "
                 "administrator.") -> None:
        super().__init__(message)


class RateLimited(CtctError):
    """Constant Contact kept answering 429 after all retries, or asked for a longer wait than we make."""

    kind = "rate_limited"

    def __init__(self, retry_after: float | None = None, *, waited_enough: float | None = None,
                 waited: float | None = None) -> None:
        if retry_after is not None and waited_enough is not None and waited:
            message = (
                f"Constant Contact kept asking ctctdesk to wait ({_duration(waited)} so far for one "
                f"request, and {_duration(retry_after)} more); ctctdesk waits at most "
                f"{_duration(waited_enough)} in all for one request, so the run stopped here. Nothing "
                "was lost: run again in a few minutes."
            )
        elif retry_after is not None and waited_enough is not None:
            message = (
                f"Constant Contact asked ctctdesk to wait {_duration(retry_after)} before calling again, "
                f"longer than the {_duration(waited_enough)} ctctdesk waits at a time, so the run "
                f"stopped here. Nothing was lost: run again in {_duration(retry_after)}."
            )
        else:
            wait = f" Wait about {int(retry_after) + 1} seconds and" if retry_after else " Wait a minute and"
            message = ("Constant Contact refused ctctdesk's requests as too fast (throttled), also after "
                       f"waiting and retrying.{wait} try again; nothing was lost.")
        super().__init__(message)
        self.retry_after = retry_after


def _duration(seconds: float) -> str:
    if seconds < 180:
        return f"{int(seconds)} seconds"
    if seconds < 7200:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


class QuotaExhausted(CtctError):
    """The daily allowance of API requests is used up; the next run continues tomorrow (R12)."""

    kind = "quota_exhausted"

    def __init__(self, used: int, allowance: int) -> None:
        super().__init__(
            f"The daily allowance of Constant Contact requests is used up ({used} of {allowance}). "
            "Nothing was lost: run again after midnight (UTC) and it continues where it stopped."
        )
        self.used = used
        self.allowance = allowance


class ServiceQuotaExceeded(QuotaExhausted):
    """Constant Contact's own daily count for the application key ran out (429 `quota_exceeded`).

    Not the same as our local count running out: the key's allowance is shared by every copy of
    ctctdesk connected with it, so the service can refuse while this computer has requests left.
    """

    kind = "service_quota_exceeded"

    def __init__(self, used: int, allowance: int) -> None:
        CtctError.__init__(
            self,
            "Constant Contact says the daily allowance of requests for ctctdesk's application key is "
            f"used up (this computer has used {used} of its own {allowance} today; other computers "
            "connected with the same key count too). Nothing was lost: run again after midnight (UTC) "
            "and it continues where it stopped.",
        )
        self.used = used
        self.allowance = allowance


class BadResponse(CtctError):
    """An answer that is not what Constant Contact sends: not JSON, the wrong shape, far too large.

    Usually something between us and the service answered instead (a proxy, a captive portal, a
    firewall page), so the message says where to look rather than what Python choked on.
    """

    kind = "bad_response"

    def __init__(self, what: str, problem: str) -> None:
        super().__init__(
            f"Constant Contact's answer to {what} could not be used: {problem}. This usually means "
            "something between this computer and Constant Contact (a proxy, firewall or Wi-Fi login "
            "page) answered instead, or the service has a problem. Check the internet connection and "
            "try again later; nothing was changed by this answer."
        )


class UnsafeLink(BadResponse):
    """A paging link that leads away from the API's own origin: never followed, the sign-in stays home."""

    kind = "unsafe_link"

    def __init__(self, link: str, origin: str) -> None:
        shown = link if len(link) <= 200 else link[:200] + "…"
        CtctError.__init__(
            self,
            f"Constant Contact's answer pointed ctctdesk to {shown!r}, which is not on {origin}. "
            "ctctdesk did not follow it (it would have sent the sign-in elsewhere) and stopped; "
            "nothing was changed. If this repeats, check the Constant Contact address in the settings.",
        )
        self.link = link


class EndlessPaging(BadResponse):
    """The pages of a listing do not end (a link repeats, or more pages than the count allows)."""

    kind = "endless_paging"

    def __init__(self, what: str, detail: str) -> None:
        CtctError.__init__(
            self,
            f"Constant Contact kept sending more pages of {what} ({detail}), so ctctdesk stopped "
            "reading rather than spend requests on them. Nothing was changed; try again later.",
        )


@dataclass(frozen=True)
class ApiErrorItem:
    """One entry of Constant Contact's 400 answer (`APIErrorSchema`)."""

    error_key: str
    error_message: str


class ValidationError(CtctError):
    """400: Constant Contact refused the data; `items` holds what it said, field by field."""

    kind = "validation"

    def __init__(self, items: Sequence[ApiErrorItem]) -> None:
        self.items = tuple(items)
        detail = "; ".join(item.error_message for item in self.items[:5]) or "no detail given"
        more = f" (and {len(self.items) - 5} more)" if len(self.items) > 5 else ""
        super().__init__(f"Constant Contact refused the data: {detail}{more}")


class NotFound(CtctError):
    kind = "not_found"

    def __init__(self, what: str = "The item") -> None:
        super().__init__(f"{what} no longer exists in Constant Contact (it may have been deleted there).")


class Conflict(CtctError):
    kind = "conflict"

    def __init__(self, message: str = "Constant Contact already has an item with that name; "
                 "choose another name.") -> None:
        super().__init__(message)


class ServiceUnavailable(CtctError):
    """5xx answers or network failures that outlasted the retries."""

    kind = "unavailable"

    def __init__(self, message: str = "Constant Contact cannot be reached right now "
                 "(network problem or service outage). Check the internet connection and try again "
                 "in a few minutes.") -> None:
        super().__init__(message)


class KeyringUnavailable(CtctError):
    """No usable operating-system keyring: tokens must never be stored elsewhere (C3)."""

    kind = "no_keyring"

    def __init__(self, detail: str = "", *, service: str = "Constant Contact") -> None:
        self.detail = detail
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"ctctdesk keeps the {service} sign-in only in the system keyring, and none is "
            f"available{extra}. On Linux install and start a Secret Service such as GNOME Keyring "
            "or KWallet (e.g. `apt install gnome-keyring`) and log in to a desktop session; on "
            "Windows and macOS the built-in credential store is used. Then connect again."
        )


NoKeyring = KeyringUnavailable


class LocalFileError(CtctError, DataFileError):
    """A Constant Contact file of the data folder (settings, state, request count) is damaged or could
    not be saved (read-only folder, full disk); the message names the file and what to do."""

    kind = "local_file"

    def __init__(self, message: str, *, path: Path | str, problem: FileProblem) -> None:
        DataFileError.__init__(self, message, path=path, problem=problem)

    @classmethod
    def not_saved(cls, path: Path | str, error: OSError) -> LocalFileError:
        return cls(cannot_write(path, error), path=path, problem=problem_of(error))
