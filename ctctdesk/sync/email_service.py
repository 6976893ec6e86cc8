"""The email service as the sync engine uses it: exactly the calls the remote reader and the executor make,
and the one the service makes around them (Cancel reaching the service's own waits).

Additions (existing signatures never change; each addition says what an implementation must do):
``list_member_emails`` (a large list's members in bulk, for the pull).

The sync engine talks to "the email service" through this Protocol and never names a client class;
the connection (`ctct.connection`, reached from `sync.service`) builds the client. Constant
Contact's client (`ctctdesk.ctct.client.CtctClient`) implements it; a second service would implement it
too, with the planner (which sees only snapshots) unchanged.

The values that cross it (ContactList, Contact, CustomField, Activity, AccountSummary) are still the
ones `ctct.client` defines: a second service would map its answers onto them, or they would move here
then, when there is a second shape to compare with.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from ctctdesk.ctct.client import AccountSummary, Activity, Contact, ContactList, ContactPage, CustomField, Tag
from ctctdesk.ctct.timing import Clock

ActivityProgress = Callable[[Activity], None]


class EmailService(Protocol):
    """Lists, contacts, bulk activities and custom fields of one email-marketing account.

    Optional, found by `ctctdesk.sync.readers`: ``read_remote`` (the service's own reading strategy)
    and ``take_written`` (writes no read would bring back, folded into the mirror after a push).
    Optional, found by `SyncService.limits`: ``limits``, a `ctctdesk.sync.service_limits.ServiceLimits`
    (what the planner, the field mapping and ``ctctdesk mapping show`` hold to); without it the
    documented limits of the service named by ``display_name`` apply (Constant Contact's by default).
    """

    @property
    def display_name(self) -> str:
        """What people call the service ("Constant Contact", "Campaign Monitor"): the tab, the command
        line and the history say it."""
        ...

    def cancelled_by(self, cancel: threading.Event | None) -> contextlib.AbstractContextManager[None]:
        """Within it, every wait of the service's client on this thread (pacing, retries, polling) ends
        when `cancel` is set."""
        ...

    @property
    def clock(self) -> Clock:
        """The clock the client waits on; this machine's time for a read's cursor."""
        ...

    def server_now(self) -> dt.datetime:
        """The service's own time (from its last answer): what its change filters obey."""
        ...

    # -- account ---------------------------------------------------------------------------------------
    def account_summary(self) -> AccountSummary:
        """Who the account is; its id binds the baseline to one account (R14)."""
        ...

    # -- lists -----------------------------------------------------------------------------------------
    def iter_lists(self, *, include_membership_count: bool = False) -> Iterator[ContactList]:
        """Every list; with their member counts when asked (a pull compares them with the mirror)."""
        ...

    def create_list(self, name: str) -> ContactList: ...

    def rename_list(self, list_id: str, name: str) -> ContactList: ...

    def delete_lists(self, list_ids: Sequence[str]) -> list[Activity]:
        """Bulk delete; the activities run asynchronously (see `wait`)."""
        ...

    # -- contacts --------------------------------------------------------------------------------------
    def contact_pages(
        self, *, include: Iterable[str] = (), status: str | None = None, updated_after: str | None = None
    ) -> Iterator[list[Contact]]:
        """Every contact (or those updated after an ISO time), page by page."""
        ...

    def search_contacts(
        self, *, include: Iterable[str] = (), status: Iterable[str] = (), updated_after: str | None = None,
        optout_after: str | None = None, lists: Iterable[str] = (), include_count: bool = False,
    ) -> Iterator[ContactPage]:
        """Contact pages for a pull's change checks: changed records, opt-outs since a time, several
        statuses at once, the members of some lists; the whole count on the first page when asked."""
        ...

    def list_member_emails(self, list_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """list id → the email addresses (lower case) of all its members, read in bulk.

        Added for the pull's re-read of a large list whose member count changed (the remote reader
        uses it when paging would cost more, see its cost model). Constant Contact: one "Export
        Contacts to a File" activity per list — a start, its polls and the file, whatever the list's
        size. Another service would answer from its own bulk listing of a list's subscribers. The
        reader pages such lists instead when an implementation lacks this method, so an older one
        keeps working unchanged.
        """
        ...

    def get_contact(self, contact_id: str, include: Iterable[str] = ()) -> Contact: ...

    def update_contact(self, contact_id: str, body: Mapping[str, Any]) -> Contact: ...

    def import_contacts(self, contacts: Sequence[Mapping[str, Any]], list_ids: Sequence[str]) -> list[Activity]:
        """Bulk add-or-update into lists (R12), batched as the service's limits require."""
        ...

    def add_list_memberships(self, contact_ids: Sequence[str], list_ids: Sequence[str]) -> list[Activity]: ...

    def remove_list_memberships(
        self, contact_ids: Sequence[str], list_ids: Sequence[str]
    ) -> list[Activity]: ...

    # -- bulk activities -------------------------------------------------------------------------------
    def wait(
        self,
        activity: Activity,
        on_progress: ActivityProgress | None = None,
        *,
        cancelled: Callable[[], bool] | None = None,
    ) -> Activity:
        """Poll until the activity ends (or `cancelled()` says stop); a failed one is returned, not raised."""
        ...

    # -- custom fields ---------------------------------------------------------------------------------
    def iter_custom_fields(self) -> Iterator[CustomField]: ...

    def create_custom_field(self, label: str) -> CustomField: ...

    def iter_tags(self) -> Iterator[Tag]: ...

    def create_tag(self, name: str) -> Tag: ...

    def add_tags(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]: ...

    def remove_tags(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]: ...

    def add_tags_to_lists(self, list_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]: ...

    # -- added for the field mapping (R11): typed custom fields, tags renamed, merged or deleted ---------
    def create_typed_custom_field(self, label: str, field_type: str) -> CustomField:
        """A custom field of one of the service's types (Constant Contact: ``string`` or ``date``)."""
        ...

    def rename_tag(self, tag_id: str, name: str) -> Tag:
        """Rename a tag in place: its contacts keep it."""
        ...

    def delete_tag(self, tag_id: str) -> list[Activity]:
        """Take a tag off every contact and delete it (asynchronously: see `wait`)."""
        ...

    def add_tags_by_tag(self, source_tag_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        """Give ``tag_ids`` to every contact that has one of ``source_tag_ids``."""
        ...
