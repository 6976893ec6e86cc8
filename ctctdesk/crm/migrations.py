"""Versioned schema, one version number per component.

Each component (the CRM itself, later the sync layer with its baseline, journal and history tables)
registers an ordered list of steps. The table `schema_version` remembers, per component, how many steps
a database has already run, so a newer app runs only the missing ones and an older database opens
without loss. Steps are never edited or removed once released; a change is a new step appended at the end.

Steps must be idempotent enough to run on a database whose tables were created from the current models
(a fresh database runs every step in order), e.g. "add this column if it is missing".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import peewee

log = logging.getLogger(__name__)

MigrationStep = Callable[[peewee.Database], None]

_registry: dict[str, list[MigrationStep]] = {}


class SchemaVersion(peewee.Model):
    """How many migration steps of a component this database has run."""

    component = peewee.CharField(primary_key=True, max_length=64)
    version = peewee.IntegerField()

    class Meta:
        table_name = "schema_version"


def register_migrations(component: str, steps: Sequence[MigrationStep]) -> None:
    """Declare the ordered migration steps of a component (replaces an earlier registration of it).

    Registering again with the same steps is harmless, so a module may register at import time.
    """
    if not component:
        raise ValueError("component name must not be empty")
    _registry[component] = list(steps)


def registered_components() -> list[str]:
    return list(_registry)


def latest_version(component: str) -> int:
    return len(_registry.get(component, []))


def current_version(db: peewee.Database, component: str) -> int:
    """The number of steps of `component` the database has run (0 for a new database)."""
    with db.bind_ctx([SchemaVersion]):
        if not SchemaVersion.table_exists():
            return 0
        row = SchemaVersion.get_or_none(SchemaVersion.component == component)
        return row.version if row else 0


def migrate_all(db: peewee.Database) -> dict[str, int]:
    """Run every pending step of every registered component; returns the resulting version per component.

    Each step runs in its own transaction together with the version bump, so an interrupted migration
    resumes at the step that did not finish. A database written by a *newer* app (more steps than we
    know) is refused rather than silently misread.
    """
    from ctctdesk.crm.errors import CrmError

    result: dict[str, int] = {}
    with db.bind_ctx([SchemaVersion]):
        SchemaVersion.create_table(safe=True)
        for component, steps in _registry.items():
            row = SchemaVersion.get_or_none(SchemaVersion.component == component)
            done = row.version if row else 0
            if done > len(steps):
                raise CrmError(
                    f"This database was written by a newer version of ctctdesk ({component} schema "
                    f"version {done}, this version knows {len(steps)}). Please update ctctdesk."
                )
            for number in range(done + 1, len(steps) + 1):
                log.info("migrating %s schema to version %d", component, number)
                with db.atomic():
                    steps[number - 1](db)
                    (
                        SchemaVersion.insert(component=component, version=number)
                        .on_conflict(
                            conflict_target=[SchemaVersion.component],
                            update={SchemaVersion.version: number},
                        )
                        .execute()
                    )
            result[component] = len(steps)
    return result
