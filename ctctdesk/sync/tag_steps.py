"""Tag renames, merges and deletions in Constant Contact (R11), done before a push's contacts.

The service runs them first because the push is planned against Constant Contact as they leave it
(`mapping.after_tag_actions`). Each is a few requests whatever the number of contacts: a rename is one
``PUT /contact_tags/{id}``; a merge one tagging activity whose source is the old tag, then its deletion;
a deletion one activity. A failure stops the run before any contact is touched; the next push finds the
same tags and does them again (they are seen from both sides' state, not remembered).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ctctdesk.ctct.client import Activity
from ctctdesk.ctct.errors import CtctError
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import SyncCancelled
from ctctdesk.sync.mapping import TagAction
from ctctdesk.sync.progress import ProgressCallback, report

PHASE = "Renaming and tidying tags"


def do_tag_actions(client: EmailService, actions: Sequence[TagAction], on_progress: ProgressCallback | None,
                   cancel: threading.Event | None) -> dict[str, str]:  # fmt: skip
    """Carry out ``actions``; returns old name → new name (``""``: gone) for the kept mirror."""
    ids = {t.name.casefold(): t.tag_id for t in client.iter_tags()}
    done: dict[str, str] = {}
    for index, action in enumerate(actions):
        if cancel is not None and cancel.is_set():
            raise SyncCancelled("Cancelled.")
        report(on_progress, PHASE, index, len(actions), message=action.text())
        tag_id = ids.get(action.name.casefold())
        if tag_id is None:  # already gone (an earlier run did it and stopped before recording it)
            done[action.name] = action.into
            continue
        if action.kind == "rename":
            client.rename_tag(tag_id, action.into)
        elif action.kind == "merge":
            into = ids.get(action.into.casefold()) or client.create_tag(action.into).tag_id
            _wait(client, client.add_tags_by_tag([tag_id], [into]), action, cancel)
            _wait(client, client.delete_tag(tag_id), action, cancel)
        else:
            _wait(client, client.delete_tag(tag_id), action, cancel)
        done[action.name] = action.into
    report(on_progress, PHASE, len(actions), len(actions))
    return done


def _wait(client: EmailService, activities: Sequence[Activity], action: TagAction,
          cancel: threading.Event | None) -> None:  # fmt: skip
    cancelled = (lambda: cancel.is_set()) if cancel is not None else None
    for activity in activities:
        final = client.wait(activity, cancelled=cancelled)
        if not final.done:
            raise SyncCancelled("Cancelled while Constant Contact was working.")
        if not final.succeeded:
            raise CtctError(f"Constant Contact did not finish this: {action.text()}. "
                            + "; ".join(final.errors))
