"""The one peewee proxy that every model (CRM and sync alike) is bound to.

Opening a database points the proxy at it, so models never know whether SQLite or PostgreSQL is in use.
"""

from __future__ import annotations

import peewee

database_proxy = peewee.DatabaseProxy()


def close_database() -> None:
    """Close the calling thread's connection to the bound database, if open (peewee keeps one
    connection per thread; a worker thread calls this when its job is done)."""
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()
