"""The kept mirror of Constant Contact's contacts, so every plan sees a complete remote picture.

Why: after the first read only the contacts updated since the previous read are fetched (R12: a sync
with nothing changed costs a handful of requests). An incremental read alone cannot tell the planner
what an absent contact looks like when Constant Contact holds a change the CRM has not taken yet (a
push leaves such changes pending, R8). So the last complete picture is kept in the database, each
incremental read is folded into it (``RemoteSnapshot.merged``), and the planner always gets a complete
snapshot. The mirror belongs to one account (R14); another account starts again with a complete read.

Stored per contact as one text row, written as a delta after each read. A read that brought nothing
new leaves the mirror and its revision as they were (only the cursor may move), so "the mirror's
revision is the one noted" means "Constant Contact showed no change" (see :mod:`ctctdesk.sync.quiet`).
The custom field labels and tag names of the last read that asked for them are kept beside it, so a
read that only meets contacts already known converts them without asking again.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping

from ctctdesk.chunking import chunks
from ctctdesk.storage.proxy import database_proxy
from ctctdesk.sync import sql, store
from ctctdesk.sync.mapping import is_tag, tag_entry, tag_name
from ctctdesk.sync.snapshot import RemoteContact, RemoteSnapshot

_SEP, _CUSTOM = "\x1f", "\x1e"
TABLE = "sync_remote_contact"


def _encode(c: RemoteContact) -> str:
    text = _SEP.join((c.email, c.first_name, c.last_name, c.job_title, c.company_name, c.phone, str(c.status),
                      c.updated_at or "", ",".join(sorted(c.list_ids))))  # fmt: skip
    if c.custom_fields:
        text += _CUSTOM + json.dumps(c.custom_fields, separators=(",", ":"))
    return text


def _decode(cc_id: str, text: str) -> RemoteContact:
    core, _, custom = text.partition(_CUSTOM)
    email, first, last, job, company, phone, status, updated, lists = core.split(_SEP)
    return RemoteContact(
        cc_id, email, first, last, job, company, phone,
        tuple((n, v) for n, v in json.loads(custom)) if custom else (),
        status, frozenset(lists.split(",")) if lists else frozenset(), updated or None,
    )  # fmt: skip


class Mirror:
    """The stored mirror plus an in-memory copy that is reused while its revision is unchanged."""

    def __init__(self) -> None:
        self._cached: tuple[str, dict[str, RemoteContact]] | None = None

    def load(self, account_id: str) -> tuple[dict[str, RemoteContact], str] | None:
        """(contacts, cursor) of this account's mirror, or None when a complete read is needed."""
        if not account_id or store.get_state("mirror_account") != account_id:
            return None
        cursor = store.get_state("mirror_cursor")
        if not cursor:
            return None
        revision = store.get_state("mirror_revision")
        if self._cached is None or self._cached[0] != revision:
            contacts = {cc_id: _decode(cc_id, data) for cc_id, data in sql.select(f"SELECT cc_id, data FROM {TABLE}")}
            self._cached = (revision, contacts)
        return self._cached[1], cursor

    def fold(self, account_id: str, read: RemoteSnapshot, cursor: str) -> RemoteSnapshot:
        """Fold a read into the mirror, store the change, and return the complete snapshot to plan on."""
        return self.fold_read(account_id, read, cursor)[0]

    def fold_read(self, account_id: str, read: RemoteSnapshot, cursor: str) -> tuple[RemoteSnapshot, bool, str]:
        """`fold`, whether the read changed the mirror's contacts (False: every contact it brought is
        exactly as the mirror had it; the revision then stays), and the revision of the contacts
        returned — taken with them, so another desk's fold in between cannot be mistaken for ours."""
        if not read.complete:
            loaded = self.load(account_id)
            if loaded is not None and all(loaded[0].get(cc_id) == rc for cc_id, rc in read.contacts.items()):
                if store.get_state("mirror_cursor") != cursor:
                    store.set_state("mirror_cursor", cursor)
                assert self._cached is not None  # load() just filled it
                return RemoteSnapshot(dict(loaded[0]), read.lists, True, account_id), False, self._cached[0]
        with database_proxy.atomic():
            if read.complete:
                sql.execute(f"DELETE FROM {TABLE}")
                contacts = dict(read.contacts)
                self._write(read.contacts.values())
                result = read
            else:
                loaded = self.load(account_id)
                base = loaded[0] if loaded is not None else {}
                contacts = dict(base)
                contacts.update(read.contacts)
                self._delete(read.contacts)
                self._write(read.contacts.values())
                result = RemoteSnapshot(contacts, read.lists, True, account_id)
            revision = store.new_revision()
            store.set_state("mirror_revision", revision)
            store.set_state("mirror_account", account_id)
            store.set_state("mirror_cursor", cursor)
        self._cached = (revision, contacts)
        return result, True, revision

    def names(self) -> tuple[dict[str, str], dict[str, str]] | None:
        """(custom field id → label, tag id → name) as the last read that asked for them found them."""
        text = store.get_state("mirror_names")
        if not text:
            return None
        try:
            labels, tags = json.loads(text)
        except (ValueError, TypeError):
            return None
        return dict(labels), dict(tags)

    def remember_names(self, labels: Mapping[str, str] | None, tags: Mapping[str, str] | None) -> None:
        """Keep what a read asked for; None keeps the stored part (that map was not read this time)."""
        known = self.names() or ({}, {})
        value = json.dumps([dict(labels) if labels is not None else known[0],
                            dict(tags) if tags is not None else known[1]], sort_keys=True)
        if store.get_state("mirror_names") != value:
            store.set_state("mirror_names", value)

    def record_memberships(self, changes: Iterable[tuple[str, str, bool]]) -> None:
        """Fold in list memberships a push changed and Constant Contact confirmed: (contact id, list
        id, member). Bulk membership changes do not move ``updated_at``, so no incremental read would
        bring them, and a push adding one contact to a list and removing another leaves its count as
        it was."""
        loaded = self.load(store.get_state("mirror_account"))
        if loaded is None:
            return
        contacts = loaded[0]
        updated: dict[str, RemoteContact] = {}
        for contact_id, list_id, member in changes:
            rc = updated.get(contact_id) or contacts.get(contact_id)
            if rc is None:
                continue
            ids = rc.list_ids | {list_id} if member else rc.list_ids - {list_id}
            updated[contact_id] = dataclasses.replace(rc, list_ids=frozenset(ids))
        self._replace(updated, contacts)

    def rename_tags(self, renamed: Mapping[str, str]) -> None:
        """Fold in tags renamed (old → new name) or deleted (old → "") in Constant Contact by a push (R11):
        a rename does not move the contacts' ``updated_at``, so no incremental read would bring it."""
        loaded = self.load(store.get_state("mirror_account")) if renamed else None
        if loaded is None:
            return
        change = {old.casefold(): new for old, new in renamed.items()}
        self._forget_tag_names(change.keys())
        contacts = loaded[0]
        updated: dict[str, RemoteContact] = {}
        for cc_id, rc in contacts.items():
            if not any(is_tag(n) and tag_name(n).casefold() in change for n, _ in rc.custom_fields):
                continue
            pairs = set()
            for n, v in rc.custom_fields:
                new = change.get(tag_name(n).casefold()) if is_tag(n) else None
                if new is None:
                    pairs.add((n, v))
                elif new:
                    pairs.add(tag_entry(new))
            updated[cc_id] = dataclasses.replace(rc, custom_fields=tuple(sorted(pairs)))
        self._replace(updated, contacts)

    def _forget_tag_names(self, folded_names: Iterable[str]) -> None:
        """Drop the kept id → name of tags a push renamed, merged or deleted: a contact still carrying
        such an id then makes the next read ask Constant Contact for the tags' names again."""
        known = self.names()
        if known is None:
            return
        gone = set(folded_names)
        tags = {tag_id: name for tag_id, name in known[1].items() if name.casefold() not in gone}
        if len(tags) != len(known[1]):
            store.set_state("mirror_names", json.dumps([known[0], tags], sort_keys=True))

    def record_contacts(self, contacts: Mapping[str, RemoteContact]) -> None:
        """Fold in contacts a push wrote, as the service confirmed them, for a service whose reads do
        not bring its own writes back (`ctctdesk.sync.readers.written_by`)."""
        if not contacts:
            return
        loaded = self.load(store.get_state("mirror_account"))
        if loaded is None:
            return
        self._replace(contacts, loaded[0])

    def _replace(self, updated: Mapping[str, RemoteContact], contacts: dict[str, RemoteContact]) -> None:
        """Store these contacts of the loaded mirror (``contacts``) anew, under a new revision, in one
        transaction, and keep the cache in step."""
        if not updated:
            return
        with database_proxy.atomic():
            self._delete(updated)
            self._write(updated.values())
            revision = store.new_revision()
            store.set_state("mirror_revision", revision)
        contacts.update(updated)
        self._cached = (revision, contacts)

    def forget(self) -> None:
        with database_proxy.atomic():
            sql.execute(f"DELETE FROM {TABLE}")
            for key in ("mirror_account", "mirror_cursor", "mirror_revision", "mirror_names"):
                store.set_state(key, "")
        self._cached = None

    @staticmethod
    def _delete(contacts: Mapping[str, RemoteContact]) -> None:
        for chunk in chunks(list(contacts)):
            store.RemoteRow.delete().where(store.RemoteRow.cc_id.in_(chunk)).execute()

    @staticmethod
    def _write(contacts: Iterable[RemoteContact]) -> None:
        sql.insert_many(TABLE, ("cc_id", "data"), ((c.cc_id, _encode(c)) for c in contacts))
