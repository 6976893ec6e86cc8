"""The one exception the Campaign Monitor emulator raises to answer a request with an error.

Campaign Monitor's error body is a flat object `{"Code": <int>, "Message": "<text>"}`; a few errors add
`ResultData` (the subscriber import's per-subscriber failures, code 210). The HTTP status is coarse:
nearly every application error is a 400, an unknown or foreign id and a bad sign-in are a 401.
"""

from __future__ import annotations

from typing import Any


class CmonApiError(Exception):
    def __init__(self, status: int, code: int, message: str, result_data: Any = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.result_data = result_data

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Code": self.code, "Message": self.message}
        if self.result_data is not None:
            body["ResultData"] = self.result_data
        return body


def bad_request(code: int, message: str, result_data: Any = None) -> CmonApiError:
    return CmonApiError(400, code, message, result_data)


def invalid_list() -> CmonApiError:
    return CmonApiError(401, 101, "Invalid ListID")


def invalid_client() -> CmonApiError:
    return CmonApiError(401, 102, "Invalid ClientID")


def invalid_segment() -> CmonApiError:
    return bad_request(271, "Invalid SegmentID")


def invalid_email() -> CmonApiError:
    return bad_request(1, "Invalid Email Address")


def not_in_list() -> CmonApiError:
    return bad_request(203, "Subscriber not in list or has already been removed.")
