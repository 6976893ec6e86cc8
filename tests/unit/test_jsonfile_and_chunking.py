"""The one JSON-file writer never leaves half a file; the one chunking helper loses and repeats nothing."""

from __future__ import annotations

import json

import pytest

from ctctdesk.chunking import chunks
from ctctdesk.jsonfile import write_json_atomically


def test_json_is_written_and_replaced_whole(tmp_path):
    path = tmp_path / "deep" / "settings.json"
    write_json_atomically(path, {"b": 1, "a": [1, 2]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": [1, 2], "b": 1}
    write_json_atomically(path, {"b": 2})
    assert json.loads(path.read_text(encoding="utf-8")) == {"b": 2}
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "state.json"
    write_json_atomically(path, {"used": 3})
    with pytest.raises(TypeError):
        write_json_atomically(path, {"used": object()})  # not JSON: fails half-way through
    assert json.loads(path.read_text(encoding="utf-8")) == {"used": 3}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(("n", "size"), [(0, 500), (1, 500), (500, 500), (501, 500), (1234, 100), (7, 3)])
def test_chunks_cover_every_item_once_in_order(n, size):
    items = list(range(n))
    batches = list(chunks(items, size))
    assert [x for batch in batches for x in batch] == items
    assert all(1 <= len(batch) <= size for batch in batches)
    assert len(batches) == -(-n // size)


def test_chunks_take_any_iterable_and_refuse_an_empty_batch_size():
    assert list(chunks((x for x in "abcde"), 2)) == [["a", "b"], ["c", "d"], ["e"]]
    with pytest.raises(ValueError):
        list(chunks([1], 0))
