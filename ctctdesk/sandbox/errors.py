"""The one exception the sandbox's API code raises to answer a request with an error.

Error bodies follow the spec: 400-class answers are a JSON array of `{"error_key", "error_message"}`
items (`APIErrorSchema`); 401 is a single such object (`AuthorizationErrorSchema`). The server turns
`ApiError` into that body, so handlers and the state only say what went wrong.
"""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, key: str, message: str, *, more: list[tuple[str, str]] | None = None):
        super().__init__(f"{status} {key}: {message}")
        self.status = status
        self.items = [(key, message), *(more or [])]

    def body(self) -> list[dict[str, str]] | dict[str, str]:
        items = [{"error_key": key, "error_message": message} for key, message in self.items]
        if self.status == 401:
            return items[0]
        return items


def bad_request(items: list[tuple[str, str]]) -> ApiError:
    first, *rest = items
    return ApiError(400, first[0], first[1], more=rest)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not.found", f"The requested {what} was not found.")


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)
