"""What the adapter needs from a Campaign Monitor API v3.3 client, in the API's own JSON shapes.

The Protocol keeps the adapter independent of how the wire client is written (and lets tests use an
in-memory fake): each method is one documented endpoint, answers are the JSON bodies as Campaign
Monitor sends them (``EmailAddress``, ``State``, ``CustomFields`` …). Errors are `WireError`; the
adapter turns them into the engine's family (``ctct.errors``) at its edge.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

#: Subscriber states a list reads back (``GET /lists/{id}/{state}.json``).
STATES = ("active", "unsubscribed", "bounced", "deleted")
#: Largest page a list read accepts (``pagesize`` 10–1000).
PAGE_SIZE = 1000
#: Largest import (``POST /subscribers/{listid}/import.json``): 1,000 subscribers a request.
IMPORT_BATCH = 1000


class WireError(Exception):
    """A refusal of the Campaign Monitor API: HTTP status, its numeric ``Code`` and ``Message``."""

    def __init__(self, status: int, code: int = 0, message: str = "", result: Any = None) -> None:
        super().__init__(message or f"Campaign Monitor answered {status}")
        self.status, self.code, self.message, self.result = status, code, message, result


class CmonWire(Protocol):
    def cancelled_by(self, cancel: threading.Event | None) -> contextlib.AbstractContextManager[None]: ...

    def client_details(self, client_id: str) -> Mapping[str, Any]:
        """``GET /clients/{clientid}.json``: ``BasicDetails`` (``CompanyName`` …)."""
        ...

    def lists(self, client_id: str) -> Sequence[Mapping[str, Any]]:
        """``GET /clients/{clientid}/lists.json``: ``[{ListID, Name}]``."""
        ...

    def lists_for_email(self, client_id: str, email: str) -> Sequence[Mapping[str, Any]]:
        """``GET /clients/{clientid}/listsforemail.json?email=…``: ``[{ListID, SubscriberState, …}]``."""
        ...

    def list_stats(self, list_id: str) -> Mapping[str, Any]:
        """``GET /lists/{listid}/stats.json``: ``TotalActiveSubscribers`` …"""
        ...

    def create_list(self, client_id: str, title: str) -> str:
        """``POST /lists/{clientid}.json`` (unsubscribe setting ``AllClientLists``); the new ``ListID``."""
        ...

    def update_list(self, list_id: str, title: str) -> None: ...

    def delete_list(self, list_id: str) -> None: ...

    def custom_fields(self, list_id: str) -> Sequence[Mapping[str, Any]]:
        """``GET /lists/{listid}/customfields.json``: ``[{FieldName, Key, DataType, FieldOptions}]``."""
        ...

    def create_custom_field(self, list_id: str, name: str, data_type: str,
                            options: Sequence[str] = ()) -> str:  # fmt: skip
        """``POST /lists/{listid}/customfields.json``; the new field's ``Key`` (``[Name]``)."""
        ...

    def update_field_options(self, list_id: str, key: str, options: Sequence[str]) -> None:
        """``PUT /lists/{listid}/customfields/{key}/options.json`` with ``KeepExistingOptions``."""
        ...

    def replace_field_options(self, list_id: str, key: str, options: Sequence[str]) -> None:
        """The same call with ``KeepExistingOptions: false``: exactly these options."""
        ...

    def delete_segment(self, segment_id: str) -> None:
        """``DELETE /segments/{segmentid}.json``."""
        ...

    def segments(self, list_id: str) -> Sequence[Mapping[str, Any]]:
        """``GET /lists/{listid}/segments.json``: ``[{SegmentID, Title}]``."""
        ...

    def create_segment(self, list_id: str, title: str, rule_groups: Sequence[Mapping[str, Any]]) -> str: ...

    def subscribers(self, list_id: str, state: str, *, since: str | None = None, page: int = 1,
                    page_size: int = PAGE_SIZE) -> Mapping[str, Any]:  # fmt: skip
        """``GET /lists/{listid}/{state}.json?date=…``: ``{Results, PageNumber, NumberOfPages, …}``."""
        ...

    def subscriber(self, list_id: str, email: str) -> Mapping[str, Any] | None:
        """``GET /subscribers/{listid}.json?email=…``; None when the list has no such subscriber."""
        ...

    def import_subscribers(self, list_id: str, subscribers: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        """``POST /subscribers/{listid}/import.json`` with ``Resubscribe: false``; the ``ResultData``
        (``FailureDetails`` lists each refused address), whether the answer was 201 or 400/210."""
        ...

    def update_subscriber(self, list_id: str, email: str, subscriber: Mapping[str, Any]) -> None:
        """``PUT /subscribers/{listid}.json?email=…`` (``Resubscribe: false``)."""
        ...

    def delete_subscriber(self, list_id: str, email: str) -> None:
        """``DELETE /subscribers/{listid}.json?email=…``: the subscriber goes to the Deleted state."""
        ...

    def suppression_list(self, client_id: str, *, page: int = 1, page_size: int = PAGE_SIZE) -> Mapping[str, Any]:
        """``GET /clients/{clientid}/suppressionlist.json`` newest first: ``{Results: [{EmailAddress, Date}]}``."""
        ...
