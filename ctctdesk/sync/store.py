"""The sync layer's own tables: baseline, journal, run history and sync state (component "sync").

Why in the CRM database: the baseline must move in the same transaction as the CRM changes it
records (a pull that created a contact and its baseline entry either both happened or neither), and a
backup of the database then holds everything.

* Baseline (``sync_base_list``, ``sync_base_contact``, ``sync_base_member``): what both sides agreed
  after the last confirmed operation, bound to ONE Constant Contact account (``sync_state``
  ``account_id``, R14): a baseline written for another account is replaced wholesale, never reused.
* Journal (``sync_journal``): each executor step is written before it is sent and confirmed after it
  (R13), so an interrupted run is visible and the next run knows it re-plans over a half-done step.
  An entry holds the step's label and the plan's op ids, never operation classes: an entry left by
  another version reads the same, and the next run abandons it and re-plans (nothing is replayed).
* History (``sync_run``): one row per run (S5), and one per connection event such as a broken
  connection (C7), with direction ``"connection"`` and the message in ``stopped_reason``.
* State (``sync_state``): key → value (account id, revisions, remote mirror's cursor, pending count).
* Remote mirror (``sync_remote_contact``): see :mod:`ctctdesk.sync.mirror`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import peewee

from ctctdesk.chunking import chunks
from ctctdesk.crm import db as crm_db
from ctctdesk.crm.models import Contact, utc_now
from ctctdesk.storage.migrations import Component
from ctctdesk.storage.proxy import database_proxy
from ctctdesk.sync import sql
from ctctdesk.sync.snapshot import Baseline, BaselineContact, BaselineList, FieldValues

COMPONENT = "sync"


class _SyncModel(peewee.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class SyncState(_SyncModel):
    key = peewee.CharField(max_length=64, primary_key=True)
    value = peewee.TextField(default="")

    class Meta:
        table_name = "sync_state"


class BaseList(_SyncModel):
    local_id = peewee.IntegerField(primary_key=True)
    cc_id = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=255)

    class Meta:
        table_name = "sync_base_list"


class BaseContact(_SyncModel):
    local_id = peewee.IntegerField(primary_key=True)
    cc_id = peewee.CharField(max_length=64, unique=True)
    fields = peewee.TextField()  # JSON list of the FieldValues tuple

    class Meta:
        table_name = "sync_base_contact"


class BaseMember(_SyncModel):
    list_id = peewee.IntegerField()
    contact_id = peewee.IntegerField(index=True)

    class Meta:
        table_name = "sync_base_member"
        primary_key = peewee.CompositeKey("list_id", "contact_id")


class JournalEntry(_SyncModel):
    run_id = peewee.IntegerField(index=True)
    step = peewee.IntegerField()
    kind = peewee.CharField(max_length=64)
    op_ids = peewee.TextField()  # JSON list of the plan's op ids in this step
    detail = peewee.TextField(default="")
    state = peewee.CharField(max_length=16, default="sent")  # sent → done | failed | abandoned
    written_at = peewee.DateTimeField(default=utc_now)
    confirmed_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "sync_journal"


class RunRow(_SyncModel):
    direction = peewee.CharField(max_length=16)
    trigger = peewee.CharField(max_length=32)
    started_at = peewee.DateTimeField()
    finished_at = peewee.DateTimeField(null=True)
    counts = peewee.TextField(default="{}")
    per_list = peewee.TextField(default="{}")
    errors = peewee.TextField(default="[]")
    requests_used = peewee.IntegerField(default=0)
    cancelled = peewee.BooleanField(default=False)
    stopped_reason = peewee.TextField(default="")
    stop = peewee.CharField(max_length=16, default="")  # why the run ended (StopReason); "" in old rows
    #: a "both" run: {"from_cc": {"counts": …, "per_list": …}, "to_cc": {…}} — each half's own counts, so
    #: its summary says on which side each change was made; "" for one-way runs and old rows
    by_side = peewee.TextField(default="")
    service = peewee.CharField(max_length=40, default="")  # the email service's name; "" in old rows

    class Meta:
        table_name = "sync_run"


class RemoteRow(_SyncModel):
    """The mirror of Constant Contact's contacts as last read (see :mod:`ctctdesk.sync.mirror`)."""

    cc_id = peewee.CharField(max_length=64, primary_key=True)
    data = peewee.TextField()

    class Meta:
        table_name = "sync_remote_contact"


MODELS = (SyncState, BaseList, BaseContact, BaseMember, JournalEntry, RunRow, RemoteRow)


def _create_tables(db: peewee.Database) -> None:
    """v1: every sync table."""
    with db.bind_ctx(MODELS):
        db.create_tables(MODELS, safe=True)


def _add_remote_mirror(db: peewee.Database) -> None:
    """v2: the mirror of Constant Contact's contacts, for exact plans from incremental reads."""
    with db.bind_ctx([RemoteRow]):
        RemoteRow.create_table(safe=True)


def _add_run_stop(db: peewee.Database) -> None:
    """v3: a typed reason why each run ended; rows written before it keep "" (read by their flags)."""
    if "stop" not in {column.name for column in db.get_columns(RunRow._meta.table_name)}:
        db.execute_sql("ALTER TABLE sync_run ADD COLUMN stop VARCHAR(16) NOT NULL DEFAULT ''")


def _add_run_sides(db: peewee.Database) -> None:
    """v4: the counts of each half of a "both" run; older rows keep "" (their summary has no sides)."""
    if "by_side" not in {column.name for column in db.get_columns(RunRow._meta.table_name)}:
        db.execute_sql("ALTER TABLE sync_run ADD COLUMN by_side TEXT NOT NULL DEFAULT ''")


def _add_run_service(db: peewee.Database) -> None:
    """v5: which email service each run talked to (Constant Contact for rows written before it)."""
    if "service" not in {column.name for column in db.get_columns(RunRow._meta.table_name)}:
        db.execute_sql("ALTER TABLE sync_run ADD COLUMN service VARCHAR(40) NOT NULL DEFAULT ''")


#: The sync's tables, migrated by whoever opens the database for the sync (`ensure_tables`).
SYNC_SCHEMA = Component(COMPONENT, (_create_tables, _add_remote_mirror, _add_run_stop, _add_run_sides,
                                    _add_run_service))


def ensure_tables(db: peewee.Database) -> None:
    """Bring the sync tables of an opened CRM database up to date (the sync service does, when built).

    Through `crm.db.migrate`, so a database from a newer app is refused with the same CrmError as the
    CRM's own tables.
    """
    crm_db.migrate(db, [SYNC_SCHEMA])


# ---------------------------------------------------------------------------------------------------
# State


def get_state(key: str, default: str = "") -> str:
    row = SyncState.get_or_none(SyncState.key == key)
    return row.value if row else default


def set_state(key: str, value: str) -> None:
    SyncState.insert(key=key, value=value).on_conflict(
        conflict_target=[SyncState.key], update={SyncState.value: value}
    ).execute()


# ---------------------------------------------------------------------------------------------------
# Baseline


_SEP, _CUSTOM = "\x1f", "\x1e"  # control characters never found in synced values (cut by cc_value)


def _encode_fields(fields: FieldValues) -> str:
    """The six core values joined by a unit separator, then the custom pairs as JSON when present.

    Cheaper to decode than JSON for every row (100,000 rows are read before each plan).
    """
    text = _SEP.join(fields[:6])
    if fields.custom:
        text += _CUSTOM + json.dumps(fields.custom, separators=(",", ":"))
    return text


def _decode_fields(text: str) -> FieldValues:
    core, _, custom = text.partition(_CUSTOM)
    pairs = tuple((n, v) for n, v in json.loads(custom)) if custom else ()
    return FieldValues(*core.split(_SEP), pairs)


def load_baseline() -> Baseline:
    """The stored baseline (empty when none), in a few queries whatever its size."""
    account = get_state("account_id")
    contacts = [
        BaselineContact(local_id, cc_id, _decode_fields(fields))
        for local_id, cc_id, fields in sql.select("SELECT local_id, cc_id, fields FROM sync_base_contact")
    ]
    members: dict[int, set[int]] = {}
    for list_id, contact_id in sql.select("SELECT list_id, contact_id FROM sync_base_member"):
        members.setdefault(list_id, set()).add(contact_id)
    lists = [
        BaselineList(local_id, cc_id, name, frozenset(members.get(local_id, ())))
        for local_id, cc_id, name in sql.select("SELECT local_id, cc_id, name FROM sync_base_list")
    ]
    return Baseline.build(account, contacts, lists)


def linked_contact_ids(local_ids: Iterable[int]) -> set[int]:
    """Those of the CRM contacts given that are linked to a Constant Contact contact (sent or matched)."""
    found: set[int] = set()
    for chunk in chunks(list(local_ids)):
        query = BaseContact.select(BaseContact.local_id).where(BaseContact.local_id.in_(chunk))
        found.update(row.local_id for row in query)
    return found


def linked_with_status(status: str) -> list[tuple[int, str]]:
    """(local id, Constant Contact id) of the linked CRM contacts whose email status is ``status``."""
    table = sql.quote(Contact._meta.table_name)
    return list(sql.select(f"SELECT c.id, b.cc_id FROM {table} c JOIN sync_base_contact b ON b.local_id = c.id "
                           "WHERE c.email_status = ?", (status,)))


def clear_baseline() -> None:
    with database_proxy.atomic():
        BaseMember.delete().execute()
        BaseContact.delete().execute()
        BaseList.delete().execute()
        bump_revision()


def new_revision() -> str:
    return uuid.uuid4().hex


def bump_revision() -> None:
    """Mark the stored baseline as changed, so a cached copy (see SyncService) is read again."""
    set_state("baseline_revision", new_revision())


def revision() -> str:
    return get_state("baseline_revision")


class BaselineWriter:
    """Persists what a :class:`~ctctdesk.sync.baseline_update.BaselineBuilder` changed, step by step.

    Keeps a copy of what is stored so each save writes only the difference (bulk statements), which
    keeps a 100,000-contact first sync to a handful of transactions.
    """

    def __init__(self, stored: Baseline) -> None:
        self.account_id = stored.account_id
        self._contacts: dict[int, BaselineContact] = dict(stored.contacts)
        self._lists: dict[int, tuple[str, str]] = {b.local_id: (b.cc_id, b.name) for b in stored.lists.values()}
        self._members: dict[int, frozenset[int]] = {b.local_id: b.member_ids for b in stored.lists.values()}

    def replace_account(self, account_id: str) -> None:
        """R14: the baseline of another account is dropped, not reused."""
        clear_baseline()
        set_state("account_id", account_id)
        self.account_id = account_id
        self._contacts.clear()
        self._lists.clear()
        self._members.clear()

    def save(self, builder, contact_ids: Iterable[int], list_ids: Iterable[int]) -> None:
        """Write the builder's entries for the given local ids (call inside a transaction)."""
        if builder.account_id and builder.account_id != self.account_id:
            set_state("account_id", builder.account_id)
            self.account_id = builder.account_id
        upserts, deletes = [], []
        for local_id in set(contact_ids):
            entry = builder.contact(local_id)
            if entry is None:
                if local_id in self._contacts:
                    deletes.append(local_id)
                    del self._contacts[local_id]
            elif self._contacts.get(local_id) != entry:
                upserts.append(entry)
                self._contacts[local_id] = entry
        for chunk in chunks(deletes):
            BaseContact.delete().where(BaseContact.local_id.in_(chunk)).execute()
            BaseMember.delete().where(BaseMember.contact_id.in_(chunk)).execute()
        if upserts:
            # A cc id may move from one local contact to another; free it first.
            for chunk in chunks([e.cc_id for e in upserts]):
                BaseContact.delete().where(BaseContact.cc_id.in_(chunk)).execute()
            for chunk in chunks([e.local_id for e in upserts]):
                BaseContact.delete().where(BaseContact.local_id.in_(chunk)).execute()
            rows = [(e.local_id, e.cc_id, _encode_fields(e.fields)) for e in upserts]
            sql.insert_many("sync_base_contact", ("local_id", "cc_id", "fields"), rows)
        self._written = bool(upserts or deletes)
        for local_id in set(list_ids):
            entry = builder.list(local_id)
            old = self._lists.get(local_id)
            if entry is None:
                if old is not None:
                    BaseList.delete().where(BaseList.local_id == local_id).execute()
                    BaseMember.delete().where(BaseMember.list_id == local_id).execute()
                    del self._lists[local_id]
                    self._members.pop(local_id, None)
                    self._written = True
                continue
            if old != (entry.cc_id, entry.name):
                BaseList.delete().where((BaseList.local_id == local_id) | (BaseList.cc_id == entry.cc_id)).execute()
                BaseList.insert(local_id=local_id, cc_id=entry.cc_id, name=entry.name).execute()
                self._lists[local_id] = (entry.cc_id, entry.name)
                self._written = True
            before = self._members.get(local_id, frozenset())
            after = entry.member_ids
            if before != after:
                gone = list(before - after)
                new = list(after - before)
                for chunk in chunks(gone):
                    BaseMember.delete().where(
                        (BaseMember.list_id == local_id) & BaseMember.contact_id.in_(chunk)
                    ).execute()
                sql.insert_many("sync_base_member", ("list_id", "contact_id"), [(local_id, c) for c in new],
                                ignore_conflicts=True)  # fmt: skip
                self._members[local_id] = after
                self._written = True
        if self._written:
            bump_revision()

    def save_all(self, builder) -> None:
        """Write every entry the builder holds or the store held (end of a run; cheap when unchanged)."""
        built = builder.build()
        self.save(builder, set(built.contacts) | set(self._contacts), set(built.lists) | set(self._lists))


def put_contacts(entries: Iterable[BaselineContact]) -> None:
    """Store these baseline contacts as they are (call inside a transaction); their memberships stay."""
    entries = list(entries)
    if not entries:
        return
    for chunk in chunks([e.local_id for e in entries]):
        BaseContact.delete().where(BaseContact.local_id.in_(chunk)).execute()
    rows = [(e.local_id, e.cc_id, _encode_fields(e.fields)) for e in entries]
    sql.insert_many("sync_base_contact", ("local_id", "cc_id", "fields"), rows)
    bump_revision()


# ---------------------------------------------------------------------------------------------------
# Journal


def journal_begin(run_id: int, step: int, kind: str, op_ids: Iterable[int], detail: str = "") -> int:
    """Write a step before it is sent; returns the entry id to confirm."""
    return JournalEntry.insert(
        run_id=run_id, step=step, kind=kind, op_ids=json.dumps(list(op_ids)), detail=detail
    ).execute()


def journal_end(entry_id: int, state: str = "done", detail: str | None = None) -> None:
    changes: dict = {JournalEntry.state: state, JournalEntry.confirmed_at: utc_now()}
    if detail is not None:
        changes[JournalEntry.detail] = detail
    JournalEntry.update(changes).where(JournalEntry.id == entry_id).execute()


def unfinished_steps() -> list[JournalEntry]:
    """Steps sent by an earlier run and never confirmed (the run was killed)."""
    return list(JournalEntry.select().where(JournalEntry.state == "sent").order_by(JournalEntry.id))


def unconfirmed_details() -> list[str]:
    """The details of steps sent by an earlier run and never confirmed, oldest first."""
    return [entry.detail for entry in unfinished_steps() if entry.detail]


def abandon_unfinished() -> int:
    """Mark unconfirmed steps of killed runs: the new plan (three-way) redoes or merely records them."""
    return (
        JournalEntry.update(state="abandoned", confirmed_at=utc_now())
        .where(JournalEntry.state == "sent")
        .execute()
    )


def journal_of(run_id: int) -> list[JournalEntry]:
    return list(JournalEntry.select().where(JournalEntry.run_id == run_id).order_by(JournalEntry.id))


# ---------------------------------------------------------------------------------------------------
# History


def start_run(direction: str, trigger: str, started_at: datetime, service: str = "") -> int:
    return RunRow.insert(direction=direction, trigger=trigger, started_at=started_at, service=service).execute()


def finish_run(run_id: int, *, finished_at: datetime | None, counts: Mapping[str, int],
               per_list: Mapping[str, Mapping[str, int]], errors: list[tuple[str, str]],
               requests_used: int, cancelled: bool, stopped_reason: str, stop: str = "",
               by_side: Mapping[str, Mapping[str, Any]] | None = None) -> None:  # fmt: skip
    RunRow.update(
        by_side=json.dumps(by_side) if by_side else "",
        finished_at=finished_at,
        counts=json.dumps(dict(counts)),
        per_list=json.dumps({k: dict(v) for k, v in per_list.items()}),
        errors=json.dumps([list(e) for e in errors]),
        requests_used=requests_used,
        cancelled=cancelled,
        stopped_reason=stopped_reason,
        stop=stop,
    ).where(RunRow.id == run_id).execute()


EVENT_DIRECTION = "connection"  # history rows that record a connection event, not a sync run


def record_event(message: str, at: datetime, trigger: str = "constant contact", service: str = "") -> int:
    """A one-line history entry that is not a run (C7: "Connection broken: …"); no counts, no requests."""
    return RunRow.insert(direction=EVENT_DIRECTION, trigger=trigger, started_at=at, finished_at=at,
                         stopped_reason=message, service=service).execute()  # fmt: skip


def runs(limit: int) -> list[RunRow]:
    return list(RunRow.select().order_by(RunRow.id.desc()).limit(limit))


def last_sync_run() -> RunRow | None:
    """The newest real run (connection events left out)."""
    return RunRow.select().where(RunRow.direction != EVENT_DIRECTION).order_by(RunRow.id.desc()).first()


def run(run_id: int) -> RunRow | None:
    return RunRow.get_or_none(RunRow.id == run_id)
