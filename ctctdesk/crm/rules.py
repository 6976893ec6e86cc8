"""Who may be in an email list — the eligibility rules, in this one place (L6, R1, R2, R3).

The lists tab, the CSV import and the sync all ask `ineligibility(...)`; nobody re-implements a piece of
it. The answer is cached per contact in `Contact.ineligible_reason` so that SQL can filter and bulk-tick
100,000 contacts; `refresh_ineligibility` keeps that cache right after changes.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache

import email_validator

from ctctdesk.chunking import chunks
from ctctdesk.crm.models import Contact, Membership, Setting, database_proxy

ROLE_PREFIXES_SETTING = "role_address_prefixes"

#: R1: local parts of shared mailboxes that are never sent to Constant Contact (configurable).
DEFAULT_ROLE_PREFIXES: tuple[str, ...] = (
    "info",
    "sales",
    "inquiries",
    "enquiries",
    "support",
    "admin",
    "office",
    "contact",
    "hello",
    "billing",
    "marketing",
    "noreply",
    "no-reply",
    "donotreply",
    "accounts",
    "help",
    "webmaster",
    "postmaster",
)


class Ineligibility(enum.Enum):
    """Why a contact can never be sent to Constant Contact; the value is what the database stores."""

    NO_EMAIL = "no_email"
    INVALID_EMAIL = "invalid_email"
    ROLE_ADDRESS = "role_address"
    DO_NOT_CONTACT = "do_not_contact"
    UNSUBSCRIBED = "unsubscribed"

    @property
    def text(self) -> str:
        """Short user-facing reason, shown in the contacts table and in sync/CSV reports."""
        return _TEXTS[self][0]

    @property
    def explanation(self) -> str:
        """One sentence for tooltips and help: why this keeps the contact out of email lists."""
        return _TEXTS[self][1]


_TEXTS = {
    Ineligibility.NO_EMAIL: ("No email address", "The contact has no email address."),
    Ineligibility.INVALID_EMAIL: (
        "Invalid email address",
        "The email address is not valid; correct it to put the contact in lists.",
    ),
    Ineligibility.ROLE_ADDRESS: (
        "Role address",
        "Shared mailboxes such as info@ or sales@ are never sent to Constant Contact "
        "(the list is in Settings → Email rules).",
    ),
    Ineligibility.DO_NOT_CONTACT: ("Do Not Contact", "The contact asked not to be contacted."),
    Ineligibility.UNSUBSCRIBED: (
        "Unsubscribed",
        "The contact unsubscribed; ctctdesk never subscribes them again.",
    ),
}


def reason_from_db(value: str | None) -> Ineligibility | None:
    """The enum for a stored `Contact.ineligible_reason` value."""
    return Ineligibility(value) if value else None


@lru_cache(maxsize=4096)
def email_problem(email: str) -> str | None:
    """What is wrong with an address, in the validator's words (“An email address must have an
    @-sign.”), or None when it is valid — the same sentence in the editor and in the import report."""
    try:
        email_validator.validate_email(email.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        return str(error)
    return None


@lru_cache(maxsize=65536)
def is_valid_email(email: str) -> bool:
    """Syntax check only (no DNS, no network): what Constant Contact would accept as an address."""
    try:
        email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


def normalise_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Prefixes as stored: lower case, without a trailing '@', no blanks, no duplicates, sorted."""
    cleaned = {p.strip().lower().rstrip("@").strip() for p in prefixes}
    return tuple(sorted(p for p in cleaned if p))


def is_role_address(email: str, role_prefixes: Iterable[str]) -> bool:
    """True for shared mailboxes such as info@… (R1); a '+tag' after the local part is ignored."""
    local = email.strip().lower().rsplit("@", 1)[0]
    local = local.split("+", 1)[0]
    if not isinstance(role_prefixes, set | frozenset | tuple | list):
        role_prefixes = tuple(role_prefixes)
    return local in role_prefixes


def ineligibility(
    email: str,
    do_not_contact: bool,
    email_status: str,
    role_prefixes: Iterable[str] = DEFAULT_ROLE_PREFIXES,
) -> Ineligibility | None:
    """The reason a contact may not be in an email list, or None when it may.

    Order matters only for what the user reads when several apply: the address problems come first
    (they are fixed by editing the email), then the person's own choices.
    """
    email = (email or "").strip()
    if not email:
        return Ineligibility.NO_EMAIL
    if not is_valid_email(email):
        return Ineligibility.INVALID_EMAIL
    if email_status == "unsubscribed":
        return Ineligibility.UNSUBSCRIBED
    if do_not_contact:
        return Ineligibility.DO_NOT_CONTACT
    if is_role_address(email, role_prefixes):
        return Ineligibility.ROLE_ADDRESS
    return None


def load_role_prefixes() -> tuple[str, ...]:
    """The configured role-address prefixes (the defaults until someone saves a list)."""
    row = Setting.get_or_none(Setting.key == ROLE_PREFIXES_SETTING)
    if row is None:
        return DEFAULT_ROLE_PREFIXES
    return normalise_prefixes(json.loads(row.value))


def save_role_prefixes(prefixes: Iterable[str]) -> int:
    """Store a new role-address list and re-check every contact; returns how many contacts changed.

    Contacts that became role addresses also leave their lists (they may not be in any).
    """
    cleaned = normalise_prefixes(prefixes)
    with database_proxy.atomic():
        value = json.dumps(list(cleaned))
        Setting.insert(key=ROLE_PREFIXES_SETTING, value=value).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: value}
        ).execute()
        changed = refresh_ineligibility(None)
        remove_ineligible_members()
    return changed


def refresh_ineligibility(contact_ids: Iterable[int] | None = None) -> int:
    """Recompute the cached reason of the given contacts (None = all); returns how many changed.

    Reads the few columns needed, decides in Python (email syntax needs email-validator), and writes
    only the rows whose reason changed, one UPDATE per reason and chunk of ids.
    """
    prefixes = frozenset(load_role_prefixes())
    query = Contact.select(
        Contact.id, Contact.email, Contact.do_not_contact, Contact.email_status, Contact.ineligible_reason
    )
    if contact_ids is None:
        batches: Iterable[Sequence[int] | None] = [None]
    else:
        ids = list(dict.fromkeys(contact_ids))
        batches = list(chunks(ids))
    changes: dict[str | None, list[int]] = {}
    for batch in batches:
        batch_query = query if batch is None else query.where(Contact.id.in_(batch))
        for cid, email, dnc, status, stored in batch_query.tuples().iterator():
            reason = ineligibility(email, bool(dnc), status, prefixes)
            value = reason.value if reason else None
            if value != stored:
                changes.setdefault(value, []).append(cid)
    changed = 0
    with database_proxy.atomic():
        for value, ids in changes.items():
            for chunk in chunks(ids):
                Contact.update(ineligible_reason=value).where(Contact.id.in_(chunk)).execute()
                changed += len(chunk)
    return changed


def remove_ineligible_members(contact_ids: Iterable[int] | None = None) -> int:
    """Take contacts that became ineligible (DNC, unsubscribed, …) out of every list; returns how many
    memberships were removed. None = check every contact."""
    ineligible = Contact.select(Contact.id).where(Contact.ineligible_reason.is_null(False))
    if contact_ids is None:
        return Membership.delete().where(Membership.contact.in_(ineligible)).execute()
    ids = list(dict.fromkeys(contact_ids))
    removed = 0
    with database_proxy.atomic():
        for chunk in chunks(ids):
            ineligible_here = ineligible.where(Contact.id.in_(chunk))
            removed += Membership.delete().where(Membership.contact.in_(ineligible_here)).execute()
    return removed
