"""Helpers that build a small, real CRM database for tests (no mocks: the real models and services)."""

from __future__ import annotations

from pathlib import Path

import peewee

from ctctdesk.crm import contacts, db


def open_crm(data_dir: Path) -> peewee.Database:
    data_dir.mkdir(parents=True, exist_ok=True)
    return db.open_database(db.database_url_for(data_dir))


def add_company(name: str, company_type: str = "customer", tags: tuple[str, ...] = ()) -> int:
    company = contacts.find_or_create_company(name, company_type)
    contacts.add_company_tags(company.id, tags)
    return company.id


def add_contact(company_id: int, first: str, last: str, email: str, **values: object) -> int:
    return contacts.create_contact(company_id, first_name=first, last_name=last, email=email, **values).id


def small_office() -> dict[str, int]:
    """Two customers, one prospect, a few people each, with each kind of ineligible contact once."""
    acme = add_company("Acme Plumbing", "customer", ("Newsletter", "Trade"))
    bolt = add_company("Bolt Electrical", "customer", ("Trade",))
    cedar = add_company("Cedar Dental", "prospect", ("Healthcare",))
    ids = {
        "alice": add_contact(acme, "Alice", "Archer", "alice@acme-plumbing.com"),
        "info": add_contact(acme, "Front", "Desk", "info@acme-plumbing.com"),
        "bob": add_contact(bolt, "Bob", "Baker", "bob@boltelectrical.com"),
        "dnc": add_contact(bolt, "Dora", "Noakes", "dora@boltelectrical.com", do_not_contact=True),
        "carol": add_contact(cedar, "Carol", "Chen", "carol@cedardental.com"),
        "unsub": add_contact(cedar, "Uma", "Unwin", "uma@cedardental.com", email_status="unsubscribed"),
        "noemail": add_contact(cedar, "Ned", "Nomail", ""),
        "invalid": add_contact(cedar, "Ivy", "Invalid", "ivy at cedardental"),
    }
    ids.update(acme=acme, bolt=bolt, cedar=cedar)
    return ids
