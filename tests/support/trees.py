"""Reading the presenter's trees (preview and run summary) the way a person compares them."""

from __future__ import annotations

from typing import Any


def changes_shown(root: Any) -> list[tuple[str, int | None, list[tuple[str, int | None]]]]:
    """The change rows of a tree — lists, contacts, companies — with their headings and counts. The
    contacts a preview lists under a heading are its detail and are not compared."""
    return [
        (node.text, node.count, [(child.text, child.count) for child in node.children if child.kind != "detail"])
        for node in root.children
        if node.kind in ("list", "contacts")
    ]
