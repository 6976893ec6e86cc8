"""Versioned schema, one version number per component.

Each component (the CRM's tables, the sync's baseline, journal and history tables) is an ordered list of
steps. The table `schema_version` remembers, per component, how many steps a database has already run,
so a newer app runs only the missing ones and an older database opens without loss. Steps are never
edited or removed once released; a change is a new step appended at the end.

Steps must be idempotent enough to run on a database whose tables were created from the current models
(a fresh database runs every step in order), e.g. "add this column if it is missing".

There is no registry: whoever opens a database passes the components it needs to `migrate`, so the sync
tables exist because the sync service asked for them, not because a module happened to be imported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import peewee

from ctctdesk.storage.errors import SchemaError

log = logging.getLogger(__name__)

MigrationStep = Callable[[peewee.Database], None]


@dataclass(frozen=True)
class Component:
    """The ordered migration steps of one component; its latest version is the number of steps."""

    name: str
    steps: tuple[MigrationStep, ...]

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("component name must not be empty")
        object.__setattr__(self, "steps", tuple(self.steps))

    @property
    def latest_version(self) -> int:
        return len(self.steps)


class SchemaVersion(peewee.Model):
    """How many migration steps of a component this database has run."""

    component = peewee.CharField(primary_key=True, max_length=64)
    version = peewee.IntegerField()

    class Meta:
        table_name = "schema_version"


def rebuilds_tables(step: MigrationStep) -> MigrationStep:
    """Mark a step that rebuilds SQLite tables (create new, copy, drop old, rename).

    SQLite must run such a step with foreign keys off, or dropping the old table would cascade-delete
    every row that references it; the pragma cannot change inside a transaction, so `migrate`
    switches it off before the step's transaction and back on after. The step itself should end with
    `check_foreign_keys` so a broken rebuild rolls back instead of committing.
    """
    step.rebuilds_tables = True  # type: ignore[attr-defined]
    return step


def check_foreign_keys(db: peewee.Database) -> None:
    """Raise (rolling the step back) if any row of a SQLite database references a missing row."""
    problems = db.execute_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise SchemaError(f"The database upgrade stopped: {len(problems)} rows lost their parent row.")


def current_version(db: peewee.Database, component: str) -> int:
    """The number of steps of `component` the database has run (0 for a new database)."""
    with db.bind_ctx([SchemaVersion]):
        if not SchemaVersion.table_exists():
            return 0
        row = SchemaVersion.get_or_none(SchemaVersion.component == component)
        return row.version if row else 0


def migrate(db: peewee.Database, components: Iterable[Component]) -> dict[str, int]:
    """Run every pending step of the given components, in order; returns the resulting version of each.

    Each step runs in its own transaction together with the version bump, so an interrupted migration
    resumes at the step that did not finish. A database written by a *newer* app (more steps than we
    know) is refused rather than silently misread.
    """
    result: dict[str, int] = {}
    with db.bind_ctx([SchemaVersion]):
        SchemaVersion.create_table(safe=True)
        for component in components:
            name, steps = component.name, component.steps
            row = SchemaVersion.get_or_none(SchemaVersion.component == name)
            done = row.version if row else 0
            if done > len(steps):
                raise SchemaError(
                    f"This database was written by a newer version of ctctdesk ({name} schema "
                    f"version {done}, this version knows {len(steps)}). Please update ctctdesk."
                )
            for number in range(done + 1, len(steps) + 1):
                log.info("migrating %s schema to version %d", name, number)
                step = steps[number - 1]
                if getattr(step, "rebuilds_tables", False) and isinstance(db, peewee.SqliteDatabase):
                    with _foreign_keys_off(db):
                        _run_step(db, name, number, step)
                else:
                    _run_step(db, name, number, step)
            result[name] = len(steps)
    return result


def _run_step(db: peewee.Database, component: str, number: int, step: MigrationStep) -> None:
    with db.atomic():
        step(db)
        (
            SchemaVersion.insert(component=component, version=number)
            .on_conflict(
                conflict_target=[SchemaVersion.component],
                update={SchemaVersion.version: number},
            )
            .execute()
        )


@contextmanager
def _foreign_keys_off(db: peewee.SqliteDatabase) -> Iterator[None]:
    """SQLite foreign keys off for the duration (outside any transaction, where the pragma works)."""
    was_on = db.execute_sql("PRAGMA foreign_keys").fetchone()[0]
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        if db.execute_sql("PRAGMA foreign_keys").fetchone()[0]:
            # Inside a transaction the pragma is ignored; rebuilding then would cascade-delete rows.
            raise SchemaError("The database upgrade must run outside a transaction; nothing was changed.")
        yield
    finally:
        if was_on:
            db.execute_sql("PRAGMA foreign_keys = ON")
