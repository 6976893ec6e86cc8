"""The vocabulary of a sync plan: operations, skips, warnings, conflicts.

Every operation names its target side by its class (``Remote…`` = Constant Contact, ``Local…`` = the
CRM) and carries refs with whatever ids are known. A ref to something created earlier in the same plan
lacks the other side's id; the executor resolves it through the baseline builder
(:mod:`ctctdesk.sync.baseline_update`) once the creating operation is confirmed.

Bookkeeping operations (``Link…``, ``Agree…``, ``Forget…``) need no I/O: they only move the baseline,
e.g. when both sides made the same change, or a pair of lists/contacts was matched for the first time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from ctctdesk.sync.snapshot import FieldValues


class Direction(enum.StrEnum):
    TO_CC = "to_cc"  # Update Constant Contact from CRM
    FROM_CC = "from_cc"  # Update CRM from Constant Contact
    BOTH = "both"  # from_cc, then to_cc (the caller runs two plans)


def steps(direction: Direction | str) -> tuple[Direction, ...]:
    """The single-direction plans a run consists of: ``both`` = pull first, then push (S1)."""
    direction = Direction(direction)
    if direction is Direction.BOTH:
        return (Direction.FROM_CC, Direction.TO_CC)
    return (direction,)


class Side(enum.StrEnum):
    CC = "cc"
    CRM = "crm"


@dataclass(frozen=True, slots=True)
class ListRef:
    local_id: int | None
    cc_id: str | None
    name: str


@dataclass(frozen=True, slots=True)
class ContactRef:
    local_id: int | None
    cc_id: str | None
    label: str  # email, or the name when there is no email — for people reading a preview


@dataclass(frozen=True, slots=True)
class Operation:
    op_id: int

    #: True for operations that change a side; False for baseline-only bookkeeping.
    changes_data: ClassVar[bool] = True
    side: ClassVar[Side] = Side.CC  # overridden by the CRM-side classes

    @property
    def kind(self) -> str:
        return type(self).__name__


# --- Constant Contact side -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateRemoteList(Operation):
    list: ListRef


@dataclass(frozen=True, slots=True)
class RenameRemoteList(Operation):
    list: ListRef
    new_name: str


@dataclass(frozen=True, slots=True)
class DeleteRemoteList(Operation):
    list: ListRef


@dataclass(frozen=True, slots=True)
class CreateRemoteContact(Operation):
    """Import a CRM contact (by email; Constant Contact upserts) together with its list memberships.

    The contact must end with exactly ``fields`` — a blank value clears the field — also when the
    email already exists in Constant Contact (deleted, or not in an incremental read). Otherwise the
    old values come back to the CRM with the next pull (nothing lost, but not what the preview said).
    """

    contact: ContactRef
    fields: FieldValues  # in Constant Contact space: already shortened per R10
    lists: tuple[ListRef, ...]


@dataclass(frozen=True, slots=True)
class UpdateRemoteContact(Operation):
    """Send only ``changes``; an email change must go by contact id (R7), not by email import."""

    contact: ContactRef
    changes: tuple[tuple[str, str], ...]
    new_base: FieldValues


@dataclass(frozen=True, slots=True)
class AddRemoteMembership(Operation):
    list: ListRef
    contact: ContactRef


@dataclass(frozen=True, slots=True)
class RemoveRemoteMembership(Operation):
    list: ListRef
    contact: ContactRef


# --- CRM side --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateLocalCompany(Operation):
    """A company for contacts whose company is not in the CRM yet (R9, seed 004): a customer."""

    name: str
    kind: str = "customer"
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class CreateLocalList(Operation):
    list: ListRef
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class RenameLocalList(Operation):
    list: ListRef
    new_name: str
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class DeleteLocalList(Operation):
    list: ListRef
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class CreateLocalContact(Operation):
    """A contact from Constant Contact; its company is matched by name or created (CreateLocalCompany)."""

    contact: ContactRef
    fields: FieldValues
    email_status: str
    lists: tuple[ListRef, ...]
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class UpdateLocalContact(Operation):
    """A ``company_name`` change moves the contact to the company of that name (matched per R9)."""

    contact: ContactRef
    changes: tuple[tuple[str, str], ...]
    new_base: FieldValues
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class MarkLocalUnsubscribed(Operation):
    """R3: the contact unsubscribed in Constant Contact; it can no longer be ticked."""

    contact: ContactRef
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class MarkLocalBounced(Operation):
    """R3: the address bounced in Constant Contact (permission ``temp_hold``): "Bounced / on hold"."""

    contact: ContactRef
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class AddLocalMembership(Operation):
    list: ListRef
    contact: ContactRef
    side = Side.CRM


@dataclass(frozen=True, slots=True)
class RemoveLocalMembership(Operation):
    list: ListRef
    contact: ContactRef
    side = Side.CRM


# --- Baseline-only bookkeeping ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkList(Operation):
    """Both sides hold this list under ``name`` (first match by name, or the same rename on both)."""

    list: ListRef
    changes_data = False


@dataclass(frozen=True, slots=True)
class LinkContact(Operation):
    """Record agreed field values (first match by email, or the same edit on both sides)."""

    contact: ContactRef
    fields: FieldValues
    changes_data = False


@dataclass(frozen=True, slots=True)
class RelinkContact(Operation):
    """The same person entered again on one side (same email): the new record takes over the link
    of ``old_local_id`` and its agreed memberships; ``contact`` holds the new pair of ids."""

    contact: ContactRef
    old_local_id: int
    changes_data = False


@dataclass(frozen=True, slots=True)
class AgreeMembership(Operation):
    list: ListRef
    contact: ContactRef
    member: bool
    changes_data = False


@dataclass(frozen=True, slots=True)
class ForgetList(Operation):
    list: ListRef
    changes_data = False


@dataclass(frozen=True, slots=True)
class ForgetContact(Operation):
    """Drop the link; apply only once every operation in ``after`` is confirmed."""

    contact: ContactRef
    after: tuple[int, ...] = ()
    changes_data = False


# --- What is not done, and why ---------------------------------------------------------------------


class SkipReason(enum.StrEnum):
    NO_EMAIL = "no_email"
    INVALID_EMAIL = "invalid_email"
    ROLE_ADDRESS = "role_address"
    DO_NOT_CONTACT = "do_not_contact"
    UNSUBSCRIBED = "unsubscribed"
    DUPLICATE_EMAIL = "duplicate_email"
    DEFAULT_LIST = "default_list"
    LIST_NAME_TAKEN = "list_name_taken"


SKIP_TEXT: dict[SkipReason, str] = {
    SkipReason.NO_EMAIL: "no email address",
    SkipReason.INVALID_EMAIL: "invalid email address",
    SkipReason.ROLE_ADDRESS: "role address (R1)",
    SkipReason.DO_NOT_CONTACT: "Do Not Contact (R2)",
    SkipReason.UNSUBSCRIBED: "unsubscribed (R3)",
    SkipReason.DUPLICATE_EMAIL: "another contact has the same email",
    SkipReason.DEFAULT_LIST: "the account's default list is never deleted (R6)",
    SkipReason.LIST_NAME_TAKEN: "another list already has this name",
}


@dataclass(frozen=True, slots=True)
class Skip:
    reason: SkipReason
    contact: ContactRef | None = None
    list: ListRef | None = None
    lists: tuple[str, ...] = ()  # names of the lists the contact would have been sent to / kept in


@dataclass(frozen=True, slots=True)
class Truncation:
    """R10: Constant Contact gets ``sent``; the CRM keeps ``full``."""

    contact: ContactRef
    field: str
    full: str
    sent: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """R8: both sides changed the same thing; ``winner`` (the source of the direction) was kept."""

    field: str
    source_value: str
    target_value: str
    winner: Side
    contact: ContactRef | None = None
    list: ListRef | None = None


@dataclass(frozen=True, slots=True)
class Guard:
    """R14 mass-change guard: when ``needs_confirmation``, run only after the user confirms / --force."""

    needs_confirmation: bool
    reasons: tuple[str, ...]
    removals: int
    linked: int
