"""The vocabulary of a sync plan: operations, skips, warnings, conflicts.

An operation that can act on either side carries that side as a field (``CreateList(side=Side.CC, …)``
creates the list in Constant Contact, ``Side.CRM`` in the CRM: vdirsyncer's ``Upload(item, dest)``);
what only one side can undergo (a company created, an unsubscribe recorded) keeps its own class.
Operations carry refs with whatever ids are known. A ref to something created earlier in the same plan
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


class OpKind(enum.StrEnum):
    """What an operation does, whichever side it acts on; with the side it is the executor's key."""

    CREATE_LIST = "create_list"
    RENAME_LIST = "rename_list"
    DELETE_LIST = "delete_list"
    CREATE_CONTACT = "create_contact"
    UPDATE_CONTACT = "update_contact"
    ADD_MEMBERSHIP = "add_membership"
    REMOVE_MEMBERSHIP = "remove_membership"
    CREATE_COMPANY = "create_company"  # the CRM only: Constant Contact has no companies
    MARK_UNSUBSCRIBED = "mark_unsubscribed"  # the CRM only: only a contact unsubscribes themself
    MARK_BOUNCED = "mark_bounced"  # the CRM only: Constant Contact puts a bounced address on hold
    LINK_LIST = "link_list"
    LINK_CONTACT = "link_contact"
    RELINK_CONTACT = "relink_contact"
    AGREE_MEMBERSHIP = "agree_membership"
    FORGET_LIST = "forget_list"
    FORGET_CONTACT = "forget_contact"


@dataclass(frozen=True, slots=True)
class Operation:
    """One thing a plan does. ``side`` (a field or a class constant) is the side it changes: None
    for baseline-only bookkeeping."""

    op_id: int

    kind: ClassVar[OpKind]
    #: The side it changes; a field where either side is possible, a constant otherwise.
    side: ClassVar[Side | None]
    #: True for operations that change a side; False for baseline-only bookkeeping.
    changes_data: ClassVar[bool] = True

    @property
    def type_name(self) -> str:
        """A stable, readable name (``CreateRemoteList``, ``LinkContact``): what ``--json`` counts
        and messages show. Kept as it was when every operation had a class per side, for scripts."""
        side = getattr(self, "side", None)
        parts = _TYPE_NAME_PARTS.get(self.kind)
        if side is None or parts is None:
            return type(self).__name__
        verb, noun = parts
        return f"{verb}{'Remote' if side is Side.CC else 'Local'}{noun}"


_TYPE_NAME_PARTS = {
    OpKind.CREATE_LIST: ("Create", "List"),
    OpKind.RENAME_LIST: ("Rename", "List"),
    OpKind.DELETE_LIST: ("Delete", "List"),
    OpKind.CREATE_CONTACT: ("Create", "Contact"),
    OpKind.UPDATE_CONTACT: ("Update", "Contact"),
    OpKind.ADD_MEMBERSHIP: ("Add", "Membership"),
    OpKind.REMOVE_MEMBERSHIP: ("Remove", "Membership"),
}


# --- Either side: ``side`` says which one (the plan's target) ---------------------------------------


@dataclass(frozen=True, slots=True)
class CreateList(Operation):
    side: Side
    list: ListRef
    kind = OpKind.CREATE_LIST


@dataclass(frozen=True, slots=True)
class RenameList(Operation):
    side: Side
    list: ListRef
    new_name: str
    kind = OpKind.RENAME_LIST


@dataclass(frozen=True, slots=True)
class DeleteList(Operation):
    side: Side
    list: ListRef
    kind = OpKind.DELETE_LIST


@dataclass(frozen=True, slots=True)
class CreateContact(Operation):
    """A contact from the other side, with the lists it is to be in.

    In Constant Contact (an import by email; Constant Contact upserts) the contact must end with
    exactly ``fields`` — a blank value clears the field — also when the email already exists there
    (deleted, or not in an incremental read). Otherwise the old values come back to the CRM with the
    next pull (nothing lost, but not what the preview said). In the CRM its company is matched by
    name or created (CreateLocalCompany).
    """

    side: Side
    contact: ContactRef
    fields: FieldValues  # for Constant Contact already shortened per R10
    lists: tuple[ListRef, ...]
    email_status: str = ""  # the CRM only: subscribed, or unsubscribed (R3)
    kind = OpKind.CREATE_CONTACT


@dataclass(frozen=True, slots=True)
class UpdateContact(Operation):
    """Send only ``changes``. In Constant Contact an email change must go by contact id (R7), not by
    email import; in the CRM a ``company_name`` change moves the contact to the company of that name
    (matched per R9)."""

    side: Side
    contact: ContactRef
    changes: tuple[tuple[str, str], ...]
    new_base: FieldValues
    kind = OpKind.UPDATE_CONTACT


@dataclass(frozen=True, slots=True)
class AddMembership(Operation):
    side: Side
    list: ListRef
    contact: ContactRef
    kind = OpKind.ADD_MEMBERSHIP


@dataclass(frozen=True, slots=True)
class RemoveMembership(Operation):
    side: Side
    list: ListRef
    contact: ContactRef
    kind = OpKind.REMOVE_MEMBERSHIP


# --- The CRM only -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateLocalCompany(Operation):
    """A company for contacts whose company is not in the CRM yet (R9, seed 004): a customer."""

    name: str
    company_kind: str = "customer"
    kind = OpKind.CREATE_COMPANY
    side: ClassVar[Side] = Side.CRM


@dataclass(frozen=True, slots=True)
class MarkLocalUnsubscribed(Operation):
    """R3: the contact unsubscribed in Constant Contact; it can no longer be ticked."""

    contact: ContactRef
    kind = OpKind.MARK_UNSUBSCRIBED
    side: ClassVar[Side] = Side.CRM


@dataclass(frozen=True, slots=True)
class MarkLocalBounced(Operation):
    """R3: the address bounced in Constant Contact (permission ``temp_hold``): "Bounced / on hold"."""

    contact: ContactRef
    kind = OpKind.MARK_BOUNCED
    side: ClassVar[Side] = Side.CRM


# --- Baseline-only bookkeeping ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkList(Operation):
    """Both sides hold this list under ``name`` (first match by name, or the same rename on both)."""

    list: ListRef
    kind = OpKind.LINK_LIST
    changes_data = False
    side: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class LinkContact(Operation):
    """Record agreed field values (first match by email, or the same edit on both sides)."""

    contact: ContactRef
    fields: FieldValues
    kind = OpKind.LINK_CONTACT
    changes_data = False
    side: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class RelinkContact(Operation):
    """The same person entered again on one side (same email): the new record takes over the link
    of ``old_local_id`` and its agreed memberships; ``contact`` holds the new pair of ids."""

    contact: ContactRef
    old_local_id: int
    kind = OpKind.RELINK_CONTACT
    changes_data = False
    side: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class AgreeMembership(Operation):
    list: ListRef
    contact: ContactRef
    member: bool
    kind = OpKind.AGREE_MEMBERSHIP
    changes_data = False
    side: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class ForgetList(Operation):
    list: ListRef
    kind = OpKind.FORGET_LIST
    changes_data = False
    side: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class ForgetContact(Operation):
    """Drop the link; apply only once every operation in ``after`` is confirmed."""

    contact: ContactRef
    after: tuple[int, ...] = ()
    kind = OpKind.FORGET_CONTACT
    changes_data = False
    side: ClassVar[None] = None


#: Kinds that only move the baseline (``changes_data`` False): they have no side.
BOOKKEEPING: frozenset[OpKind] = frozenset({
    OpKind.LINK_LIST, OpKind.LINK_CONTACT, OpKind.RELINK_CONTACT, OpKind.AGREE_MEMBERSHIP,
    OpKind.FORGET_LIST, OpKind.FORGET_CONTACT,
})  # fmt: skip


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
    LIST_LIMIT = "list_limit"


SKIP_TEXT: dict[SkipReason, str] = {
    SkipReason.NO_EMAIL: "no email address",
    SkipReason.INVALID_EMAIL: "invalid email address",
    SkipReason.ROLE_ADDRESS: "role address",
    SkipReason.DO_NOT_CONTACT: "Do Not Contact",
    SkipReason.UNSUBSCRIBED: "unsubscribed",
    SkipReason.DUPLICATE_EMAIL: "another contact has the same email",
    SkipReason.DEFAULT_LIST: "the account's default list is never deleted",
    SkipReason.LIST_NAME_TAKEN: "another list already has this name",
    SkipReason.LIST_LIMIT: "Constant Contact's account has no room for more lists",
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
class LimitNote:
    """R15: what Constant Contact's limits keep from going as the CRM has it (a warning in the preview)."""

    text: str
    contact: ContactRef | None = None


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
