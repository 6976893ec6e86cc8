"""One exception family for everything that talks to Campaign Monitor.

Messages are written for the person in front of the screen and never contain the API key or a token.
`code` is Campaign Monitor's own error number where the answer had one (`{"Code": …, "Message": …}`),
`status` the HTTP status.
"""

from __future__ import annotations

from typing import Any


class CmonError(Exception):
    """Base of every Campaign Monitor client error."""

    #: short machine-readable name, used for exit codes and logs
    kind = "error"

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class AuthFailed(CmonError):
    """The API key or sign-in was refused (codes 50, 100): only new credentials help."""

    kind = "auth_failed"

    def __init__(self, message: str = "Campaign Monitor refused the API key or sign-in. Check the API key "
                 "(Account settings → API keys) or connect again.", **kw: Any) -> None:
        super().__init__(message, **kw)


class AuthRevoked(AuthFailed):
    """The OAuth token is not recognised or was revoked (120, 122), or its refresh was refused."""

    kind = "auth_revoked"

    def __init__(self, message: str = "Campaign Monitor no longer accepts ctctdesk's access (it was revoked "
                 "or has expired). Connect again; nothing has been lost.", **kw: Any) -> None:
        super().__init__(message, **kw)


class TokenExpired(AuthFailed):
    """The OAuth access token has expired (121) and could not be renewed right now."""

    kind = "auth_expired"

    def __init__(self, message: str = "Campaign Monitor says the sign-in has expired and it could not be "
                 "renewed. Try again; if it keeps failing, connect again.", **kw: Any) -> None:
        super().__init__(message, **kw)


class Forbidden(CmonError):
    kind = "forbidden"

    def __init__(self, message: str = "Campaign Monitor refused the request: the account lacks the "
                 "permission for it.", **kw: Any) -> None:
        super().__init__(message, **kw)


class NotFound(CmonError):
    """The client, list, segment or subscriber named does not exist (or is not this account's)."""

    kind = "not_found"


class InvalidRequest(CmonError):
    """Campaign Monitor refused the request's content (a 400 with its own code and message)."""

    kind = "invalid"

    def __init__(self, message: str, *, code: int | None = None, status: int | None = 400,
                 result_data: Any = None) -> None:
        super().__init__(message, code=code, status=status)
        self.result_data = result_data


class RateLimited(CmonError):
    """Campaign Monitor kept answering 429 longer than the client is willing to wait."""

    kind = "rate_limited"

    def __init__(self, retry_after: float | None = None) -> None:
        wait = f" (it asked to wait {retry_after:.0f} s)" if retry_after else ""
        super().__init__(f"Campaign Monitor is limiting how fast ctctdesk may send requests{wait}. "
                         "Try again in a few minutes; what was done so far is kept.", status=429)
        self.retry_after = retry_after


class ServiceUnavailable(CmonError):
    kind = "unavailable"

    def __init__(self, message: str = "Campaign Monitor cannot be reached or is not answering. Check the "
                 "internet connection and try again in a few minutes.", **kw: Any) -> None:
        super().__init__(message, **kw)


class BadResponse(CmonError):
    """An answer that is not what the documented API returns (not JSON, wrong shape)."""

    kind = "bad_response"

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"Campaign Monitor's answer to {what} could not be used: {why}.")


class RequestCancelled(CmonError):
    """Cancel was pressed while a request waited its turn (rate limit, back-off)."""

    kind = "cancelled"

    def __init__(self, message: str = "Cancelled while waiting for Campaign Monitor.") -> None:
        super().__init__(message)
