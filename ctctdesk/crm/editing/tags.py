"""Editing marketing tags by hand (D3): Settings → Marketing Tags and the Companies tab's tag actions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import peewee

from ctctdesk.crm.editing._shared import (
    chunks,
    clean_name,
    id_set,
)
from ctctdesk.crm.errors import CrmError, DuplicateNameError, NotFoundError
from ctctdesk.crm.models import (
    Company,
    CompanyTag,
    Tag,
    database_proxy,
    name_key,
)


@dataclass(frozen=True)
class TagSummary:
    id: int
    name: str
    company_count: int


def tag_summaries() -> list[TagSummary]:
    """Every tag with how many companies carry it, by name — one query."""
    count = peewee.fn.COUNT(CompanyTag.id)
    query = (
        Tag.select(Tag.id, Tag.name, count)
        .join(CompanyTag, peewee.JOIN.LEFT_OUTER)
        .group_by(Tag.id, Tag.name, Tag.name_key)
        .order_by(Tag.name_key)
    )
    return [TagSummary(*row) for row in query.tuples()]


def _get_tag(tag_id: int) -> Tag:
    tag = Tag.get_or_none(Tag.id == tag_id)
    if tag is None:
        raise NotFoundError("This marketing tag no longer exists.")
    return tag


def _check_tag_name_free(cleaned: str, except_id: int | None) -> None:
    query = Tag.select(Tag.id).where(Tag.name_key == name_key(cleaned))
    if except_id is not None:
        query = query.where(Tag.id != except_id)
    if query.exists():
        raise DuplicateNameError(f'A tag named "{cleaned}" already exists. To combine two tags, use Merge.')


def create_tag(name: str) -> int:
    cleaned = clean_name(name, "tag")
    with database_proxy.atomic():
        _check_tag_name_free(cleaned, None)
        return Tag.create(name=cleaned, name_key=name_key(cleaned)).id


def rename_tag(tag_id: int, new_name: str) -> str:
    """Rename a tag; returns the old name (for undo)."""
    cleaned = clean_name(new_name, "tag")
    with database_proxy.atomic():
        tag = _get_tag(tag_id)
        _check_tag_name_free(cleaned, tag_id)
        old = tag.name
        Tag.update(name=cleaned, name_key=name_key(cleaned)).where(Tag.id == tag_id).execute()
    return old


def tag_company_count(tag_id: int) -> int:
    return CompanyTag.select().where(CompanyTag.tag == tag_id).count()


def delete_tag(tag_id: int) -> int:
    """Delete a tag; the companies stay. Returns how many companies carried it."""
    with database_proxy.atomic():
        _get_tag(tag_id)
        carried = CompanyTag.delete().where(CompanyTag.tag == tag_id).execute()
        Tag.delete().where(Tag.id == tag_id).execute()
    return carried


def merge_tags(source_ids: Iterable[int], target_id: int) -> int:
    """Fold the source tags into the target: their companies get the target, the sources are deleted.

    Returns how many companies newly carry the target tag.
    """
    sources = [tag_id for tag_id in dict.fromkeys(source_ids) if tag_id != target_id]
    if not sources:
        raise CrmError("Choose at least one other tag to merge into this one.")
    with database_proxy.atomic():
        _get_tag(target_id)
        for tag_id in sources:
            _get_tag(tag_id)
        before = tag_company_count(target_id)
        companies = CompanyTag.select(peewee.Value(target_id), CompanyTag.company).where(
            CompanyTag.tag.in_(sources)
        )
        CompanyTag.insert_from(companies, [CompanyTag.tag, CompanyTag.company]).on_conflict_ignore().execute()
        CompanyTag.delete().where(CompanyTag.tag.in_(sources)).execute()
        Tag.delete().where(Tag.id.in_(sources)).execute()
        return tag_company_count(target_id) - before


def assign_tag(tag_id: int, company_ids_: Iterable[int]) -> list[int]:
    """Give a tag to many companies at once; returns the ids that did not have it yet (for undo)."""
    ids = list(dict.fromkeys(company_ids_))
    added: list[int] = []
    with database_proxy.atomic():
        _get_tag(tag_id)
        for chunk in chunks(ids):
            had = {
                row[0]
                for row in CompanyTag.select(CompanyTag.company)
                .where((CompanyTag.tag == tag_id) & CompanyTag.company.in_(id_set(chunk)))
                .tuples()
            }
            existing = {
                row[0] for row in Company.select(Company.id).where(Company.id.in_(id_set(chunk))).tuples()
            }
            new = [cid for cid in chunk if cid not in had and cid in existing]
            if new:  # INSERT … SELECT: one short statement instead of a VALUES row per company
                rows = Company.select(Company.id, peewee.Value(tag_id)).where(Company.id.in_(id_set(new)))
                CompanyTag.insert_from(rows, [CompanyTag.company, CompanyTag.tag]).execute()
            added.extend(new)
    return added


def remove_tag(tag_id: int, company_ids_: Iterable[int]) -> list[int]:
    """Take a tag from many companies at once; returns the ids that had it (for undo)."""
    ids = list(dict.fromkeys(company_ids_))
    removed: list[int] = []
    with database_proxy.atomic():
        for chunk in chunks(ids):
            had = [
                row[0]
                for row in CompanyTag.select(CompanyTag.company)
                .where((CompanyTag.tag == tag_id) & CompanyTag.company.in_(id_set(chunk)))
                .tuples()
            ]
            if had:
                CompanyTag.delete().where(
                    (CompanyTag.tag == tag_id) & CompanyTag.company.in_(id_set(had))
                ).execute()
            removed.extend(had)
    return removed
