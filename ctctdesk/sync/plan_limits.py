"""The email service's limits as the planner meets them (R15): pure, like the planner, and given the
numbers in `PlanSettings` (the service's, `ctctdesk.sync.service_limits`; ``None`` = no limit).

Custom fields: a label longer than the limit is shortened (to a label no other field has), and the
fields that do not fit — beyond the account's or one contact's allowance — are not sent. Both choices
are stable: fields Constant Contact already holds come first, then by label order, so the same CRM
gives the same plan every time and nothing flips between runs. Each contact is seen by the planner
in Constant Contact's terms (shortened labels, only the fields that fit), in both directions, so a
field that cannot be sent is never a difference to push again or to pull back.

Lists: new lists beyond the account's allowance are refused in the preview, by name order too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from ctctdesk.sync.mapping import is_carried
from ctctdesk.sync.operations import ContactRef, LimitNote
from ctctdesk.sync.snapshot import (
    Baseline,
    LocalContact,
    LocalList,
    LocalSnapshot,
    RemoteSnapshot,
    list_name_key,
)


@dataclass(frozen=True, slots=True)
class CustomFieldFit:
    """How the CRM's custom fields go to Constant Contact: CRM label → label sent, and what is left out."""

    labels: Mapping[str, str]  # every CRM label that is sent (shortened or not) → its label there
    shortened: tuple[tuple[str, str], ...]  # (CRM label, label sent) for the labels that were cut
    over_account: tuple[str, ...]  # CRM labels not sent: the account has no room for them

    def sent_label(self, label: str) -> str | None:
        return self.labels.get(label)


def fit_custom_fields(local: LocalSnapshot, remote: RemoteSnapshot, *, label_limit: int | None,
                      per_account: int | None) -> CustomFieldFit:  # fmt: skip
    """Which CRM custom fields Constant Contact gets, and under which label."""
    # Tags and the address ride among the custom fields (R11, ctctdesk.sync.mapping) but are no custom
    # fields: left out.
    crm_labels = sorted({name for c in local.contacts.values() for name, value in c.custom_fields
                         if value and not is_carried(name)})
    held = {name for c in remote.contacts.values() for name, _ in c.custom_fields if not is_carried(name)}
    labels: dict[str, str] = {}
    shortened: list[tuple[str, str]] = []
    # The mapping depends on the CRM's labels alone, so it is the same on every run whatever Constant
    # Contact holds (a shortened label already there is this same field, sent by an earlier run).
    taken = {label for label in crm_labels if not label_limit or len(label) <= label_limit}
    for label in crm_labels:
        sent = _shorten(label, label_limit, taken - {label}) if label_limit else label
        labels[label] = sent
        taken.add(sent)
        if sent != label:
            shortened.append((label, sent))
    over: list[str] = []
    if per_account is not None:
        room = per_account - len(held)
        for label in sorted(crm_labels, key=lambda name: (labels[name] not in held, labels[name])):
            if labels[label] in held:
                continue
            if room > 0:
                room -= 1
            else:
                over.append(label)
                del labels[label]
    return CustomFieldFit(labels, tuple(shortened), tuple(over))


def _shorten(label: str, limit: int, taken: set[str]) -> str:
    """The label cut to ``limit``; when that is another field's label, a number at the end tells them apart."""
    if len(label) <= limit:
        return label
    cut = label[:limit].rstrip()
    number = 2
    while cut in taken:
        suffix = f" {number}"
        cut = label[: limit - len(suffix)].rstrip() + suffix
        number += 1
    return cut


def fit_contact(contact: LocalContact, fit: CustomFieldFit, per_contact: int | None
                ) -> tuple[LocalContact, tuple[str, ...]]:  # fmt: skip
    """The contact as Constant Contact can hold it, and the CRM labels of the fields left out for want of
    room on the contact (beyond ``per_contact``, by label order)."""
    if not contact.custom_fields:
        return contact, ()
    labels = fit.labels
    custom = contact.custom_fields
    tags = tuple(pair for pair in custom if is_carried(pair[0]))  # R11: tags and the address pass as they are
    if tags:
        custom = tuple(pair for pair in custom if not is_carried(pair[0]))
    if (per_contact is None or len(custom) <= per_contact) and all(
            labels.get(name) == name for name, _ in custom):
        return contact, ()  # the common case, cheap: every field fits as it is
    kept: list[tuple[str, str]] = []
    for name, value in custom:
        sent = fit.labels.get(name)
        if sent is not None and value:
            kept.append((sent, value))
    left_out: tuple[str, ...] = ()
    if per_contact is not None and len(kept) > per_contact:
        kept.sort()
        back = {fit.labels[name]: name for name, _ in custom if name in fit.labels}
        left_out = tuple(back[sent] for sent, _ in kept[per_contact:])
        kept = kept[:per_contact]
    fields = tuple(sorted(kept + [pair for pair in tags if pair[1]]))
    if fields == tuple(sorted((n, v) for n, v in contact.custom_fields if v)):
        return contact, left_out
    return replace(contact, custom_fields=fields), left_out


def fit_snapshot(local: LocalSnapshot, fit: CustomFieldFit, per_contact: int | None
                 ) -> tuple[LocalSnapshot, dict[int, tuple[str, ...]]]:  # fmt: skip
    """The CRM snapshot in Constant Contact's terms, and local id → labels left out on that contact."""
    if not fit.shortened and not fit.over_account and per_contact is None:
        return local, {}
    contacts: dict[int, LocalContact] = {}
    left_out: dict[int, tuple[str, ...]] = {}
    changed = False
    for local_id, contact in local.contacts.items():
        fitted, dropped = fit_contact(contact, fit, per_contact)
        contacts[local_id] = fitted
        changed = changed or fitted is not contact
        if dropped:
            left_out[local_id] = dropped
    if not changed:
        return local, left_out
    return LocalSnapshot(contacts, local.lists, local.companies), left_out


def lists_over_limit(new_list_names: Iterable[str], existing: int, per_account: int | None) -> list[str]:
    """The names of the new lists that do not fit in the account (the last by name order)."""
    if per_account is None:
        return []
    names = sorted(new_list_names, key=str.casefold)
    room = max(per_account - existing, 0)
    return names[room:]


@dataclass(frozen=True, slots=True)
class Fitted:
    """The CRM as Constant Contact can take it, and what had to give way."""

    local: LocalSnapshot
    notes: tuple[LimitNote, ...] = ()
    refused_lists: tuple[LocalList, ...] = ()
    #: (label, label sent) for labels cut to the limit: a pull maps them back (R11)
    shortened: tuple[tuple[str, str], ...] = ()


def within_limits(local: LocalSnapshot, remote: RemoteSnapshot, baseline: Baseline, *, push: bool,
                  label_limit: int | None = None, fields_per_account: int | None = None,
                  fields_per_contact: int | None = None, lists_per_account: int | None = None) -> Fitted:  # fmt: skip
    """Fit the CRM snapshot to the limits before planning; the notes and refusals are for a push only
    (a pull sends nothing, it only compares in Constant Contact's terms)."""
    notes: list[LimitNote] = []
    fit = fit_custom_fields(local, remote, label_limit=label_limit, per_account=fields_per_account)
    fitted, left_out = fit_snapshot(local, fit, fields_per_contact)
    refused: list[LocalList] = []
    if push:
        for label, sent in fit.shortened:
            notes.append(LimitNote(f'Custom field "{label}" is sent as "{sent}" (labels take at most '
                                   f"{label_limit} characters)"))
        if fit.over_account:
            notes.append(LimitNote(f"Custom fields not sent, the account has room for {fields_per_account}: "
                                   + ", ".join(fit.over_account)))
        for local_id in sorted(left_out):
            contact = local.contacts[local_id]
            ref = ContactRef(local_id, None, contact.email or contact.first_name + " " + contact.last_name)
            notes.append(LimitNote(f"Custom fields not sent, a contact holds at most {fields_per_contact}: "
                                   + ", ".join(left_out[local_id]), ref))
        refused = _refused_lists(local, remote, baseline, lists_per_account)
        if refused:
            gone = {lst.local_id for lst in refused}
            fitted = LocalSnapshot(fitted.contacts, {k: v for k, v in fitted.lists.items() if k not in gone},
                                   fitted.companies)
    return Fitted(fitted, tuple(notes), tuple(refused), fit.shortened)


def _refused_lists(local: LocalSnapshot, remote: RemoteSnapshot, baseline: Baseline,
                   per_account: int | None) -> list[LocalList]:  # fmt: skip
    """CRM lists a push would create in Constant Contact that do not fit in the account."""
    if per_account is None:
        return []
    remote_names = {list_name_key(r.name) for r in remote.lists.values()}
    new = {lst.name: lst for lst in local.lists.values()
           if lst.local_id not in baseline.lists and list_name_key(lst.name) not in remote_names}
    over = set(lists_over_limit(new, len(remote.lists), per_account))
    return [lst for name, lst in sorted(new.items(), key=lambda item: item[0].casefold()) if name in over]
