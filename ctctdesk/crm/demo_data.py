"""A realistic sample CRM for the demo, the benchmarks and manual testing (`ctctdesk demo-data`).

Deterministic for a given seed and fast at 100,000 contacts: rows are built in Python and written with
multi-row INSERTs inside one transaction; the eligibility cache is computed while generating. The data
has everything the lists tab must cope with: customers and prospects, several people per company, tags,
a few lists, role addresses, Do Not Contact, unsubscribed contacts, invalid and missing emails.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from ctctdesk.chunking import chunks
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.models import (
    Company,
    CompanyTag,
    Contact,
    ContactField,
    EmailList,
    Membership,
    Tag,
    database_proxy,
    name_key,
)
from ctctdesk.crm.rules import ineligibility, load_role_prefixes

BASE_TIME = datetime(2025, 1, 6, 9, 0, 0)

FIRST_NAMES = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra
Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George
Deborah Timothy Stephanie Ronald Rebecca Edward Sharon Jason Laura Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela
Nicholas Shirley Eric Anna Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott Helen Brandon Samantha
Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Frank Carolyn Patrick Janet Raymond Maria Jack
Olivia Dennis Heather Jerry Diane Tyler Julie Aaron Joyce Priya Wei Mohammed Sofia Lucas Chloe Mateo Aisha""".split()

LAST_NAMES = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson
Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell
Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook
Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks
Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster
Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher O'Brien Müller""".split()

NAME_PARTS = """Northwind Bright Cedar Harbor Summit Maple Oakridge Riverside Bluewater Granite Silverline Redwood
Evergreen Pinecrest Lakeside Westfield Eastgate Ironwood Golden Sterling Crescent Meadow Falcon Beacon Horizon Anchor
Clearview Stonebridge Fairview Highland Willow Aspen Coastal Prairie Keystone Liberty Pioneer Heritage Sunrise
Trinity Vantage Orchard Copper Elm Juniper Atlas Compass Harvest Quarry Tidewater""".split()

TOWNS = """Springfield Riverton Fairhaven Brookfield Ashford Milton Kingston Oakville Greenwood Bristol Dover Salem
Clinton Franklin Georgetown Madison Lancaster Chester Windsor Burlington Hudson Camden Newport Auburn Marion""".split()

TRADES = """Plumbing Dental Logistics Builders Electrical Bakery Accounting Landscaping Printing Consulting Roofing
Catering Veterinary Pharmacy Insurance Realty Engineering Marine Motors Florists Optical Fitness Legal Software
Furniture Laundry Brewing Hardware Textiles Travel Media Security Cleaning Packaging Analytics Medical Energy
Coffee Farms Studios""".split()

SUFFIXES = ["Ltd", "Inc.", "& Co.", "Group", "LLC", "", "", "Partners"]

TAGS = [
    "Newsletter",
    "Trade Show 2024",
    "Key Account",
    "Healthcare",
    "Construction",
    "Hospitality",
    "Retail",
    "Manufacturing",
    "Local",
    "Webinar Attendee",
    "Referral",
    "VIP",
]

JOB_TITLES = """Owner|Office Manager|Operations Manager|Director|Sales Manager|Purchasing Manager|Accountant|
Marketing Coordinator|Project Manager|Receptionist|General Manager|Managing Director|Technician|Buyer|
Chief Executive Officer|Finance Director|HR Manager|Customer Service Lead|Site Supervisor|IT Administrator""".replace(
    "\n", ""
).split("|")

ROLE_LOCALS = ["info", "sales", "office", "contact", "hello", "support", "billing", "admin"]
TLDS = [".com", ".com", ".com", ".net", ".co.uk", ".biz", ".org"]
REGIONS = ["North", "South", "East", "West", "Central"]
LIST_NAMES = ["Monthly Newsletter", "Customer Updates", "Prospect Outreach", "Event Invitations"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class DemoSummary:
    companies: int
    contacts: int
    tags: int
    lists: int
    memberships: int


def _slug(text: str) -> str:
    return _NOT_SLUG.sub("", text.lower().replace("ü", "u").replace("'", ""))


def _company_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(names) < count:
        attempts += 1
        roll = rng.random()
        if roll < 0.5:
            name = f"{rng.choice(NAME_PARTS)} {rng.choice(TRADES)} {rng.choice(SUFFIXES)}"
        elif roll < 0.75:
            name = f"{rng.choice(TOWNS)} {rng.choice(TRADES)} {rng.choice(SUFFIXES)}"
        else:
            name = f"{rng.choice(NAME_PARTS)} {rng.choice(TRADES)} of {rng.choice(TOWNS)}"
        name = name.strip()
        if attempts > count * 20:  # the combinations are used up: number the branches
            name = f"{name} (Branch {rng.randint(2, 999)})"
        key = name_key(name)
        if key not in seen:
            seen.add(key)
            names.append(name)
    return names


def _insert_many(model: type[peewee.Model], rows: list[dict], batch: int = 5000) -> None:
    """INSERT through the driver's executemany: peewee would build SQL text for every row, which costs
    more than the database's own work at 100,000 rows."""
    if not rows:
        return
    database = database_proxy.obj
    fields = [model._meta.fields[name] for name in rows[0]]
    placeholders = ", ".join([database.param] * len(fields))
    open_quote, close_quote = database.quote  # e.g. '""' for SQLite and PostgreSQL
    columns = ", ".join(f"{open_quote}{field.column_name}{close_quote}" for field in fields)
    table = f"{open_quote}{model._meta.table_name}{close_quote}"
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    for chunk in chunks(rows, batch):
        values = [tuple(field.db_value(row[field.name]) for field in fields) for row in chunk]
        database.cursor().executemany(sql, values)


def generate(contacts: int = 600, seed: int = 1) -> DemoSummary:
    """Fill an empty CRM with about `contacts` contacts; refuses a database that already has contacts."""
    if contacts < 1:
        raise CrmError("The number of contacts must be at least 1.")
    if Contact.select().limit(1).exists():
        raise CrmError("This database already has contacts; demo data goes into an empty data folder.")
    rng = random.Random(seed)
    prefixes = frozenset(load_role_prefixes())
    company_count = max(1, contacts // 4)
    names = _company_names(rng, company_count)

    with database_proxy.atomic():
        for tag in TAGS:
            Tag.insert(name=tag, name_key=name_key(tag)).on_conflict_ignore().execute()
        tag_ids = {key: tid for tid, key in Tag.select(Tag.id, Tag.name_key).tuples()}

        company_rows = []
        for name in names:
            created = BASE_TIME - timedelta(days=rng.randint(30, 1500), minutes=rng.randint(0, 1439))
            company_rows.append(
                {
                    "name": name,
                    "name_key": name_key(name),
                    "type": "customer" if rng.random() < 0.6 else "prospect",
                    "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    "address": f"{rng.randint(1, 999)} {rng.choice(NAME_PARTS)} Street, {rng.choice(TOWNS)}",
                    "created_at": created,
                    "updated_at": created + timedelta(days=rng.randint(0, 25)),
                }
            )
        _insert_many(Company, company_rows)
        company_ids = dict(Company.select(Company.name_key, Company.id).tuples())

        company_tag_rows = []
        for row in company_rows:
            for tag in rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 3))):
                company_tag_rows.append(
                    {"company": company_ids[row["name_key"]], "tag": tag_ids[name_key(tag)]}
                )
        _insert_many(CompanyTag, company_tag_rows)

        # spread the contacts over the companies: each company gets at least one, the rest at random
        per_company = [1] * len(company_rows)
        for _ in range(contacts - len(company_rows)):
            per_company[rng.randrange(len(company_rows))] += 1

        contact_rows = []
        used_emails: set[str] = set()
        for company, count in zip(company_rows, per_company, strict=True):
            domain = _domain_of(company["name"]) + rng.choice(TLDS)
            for _ in range(count):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = _demo_email(rng, first, last, domain, used_emails)
                status = rng.choices(
                    ("subscribed", "unknown", "unsubscribed", "bounced"), weights=(55, 40, 3, 2)
                )[0]
                dnc = rng.random() < 0.03
                reason = ineligibility(email, dnc, status, prefixes)
                created = company["created_at"] + timedelta(days=rng.randint(0, 60))
                contact_rows.append(
                    {
                        "company": company_ids[company["name_key"]],
                        "first_name": first,
                        "last_name": last,
                        "job_title": rng.choice(JOB_TITLES),
                        "email": email,
                        "email_key": email.lower() or None,
                        "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
                        if rng.random() < 0.7
                        else "",
                        "do_not_contact": dnc,
                        "email_status": status,
                        "ineligible_reason": reason.value if reason else None,
                        "created_at": created,
                        "updated_at": created + timedelta(days=rng.randint(0, 90)),
                    }
                )
        _insert_many(Contact, contact_rows, batch=300)

        # a custom field on some contacts
        contact_ids = [cid for (cid,) in Contact.select(Contact.id).order_by(Contact.id).tuples()]
        field_rows = [
            {"contact": cid, "name": "Region", "value": rng.choice(REGIONS)}
            for cid in contact_ids
            if rng.random() < 0.3
        ]
        _insert_many(ContactField, field_rows)

        list_ids = []
        for list_name in LIST_NAMES:
            email_list = EmailList.create(
                name=list_name, name_key=name_key(list_name), description=f"Sample list: {list_name.lower()}"
            )
            list_ids.append(email_list.id)
        eligible = Contact.select(Contact.id).join(Company).where(Contact.ineligible_reason.is_null())
        newsletter, updates, outreach, _events = list_ids
        # Memberships chosen in SQL so even 100,000 contacts take one statement per list.
        for list_id, query in (
            (newsletter, eligible.where(_mod(Contact.id, 10) < 3)),
            (updates, eligible.where((Company.type == "customer") & (_mod(Contact.id, 4) == 0))),
            (outreach, eligible.where((Company.type == "prospect") & (_mod(Contact.id, 5) == 1))),
        ):
            source = query.select(peewee.Value(list_id), Contact.id)
            Membership.insert_from(source, [Membership.email_list, Membership.contact]).execute()

    return DemoSummary(
        companies=len(company_rows),
        contacts=len(contact_rows),
        tags=len(TAGS),
        lists=len(LIST_NAMES),
        memberships=Membership.select().count(),
    )


def _domain_of(company_name: str) -> str:
    """brightdental.com for "Bright Dental LLC": the name without legal suffixes, branches or towns."""
    words = company_name.split(" (")[0].split(" of ")[0].split()
    kept = [w for w in words if w not in {"Ltd", "Inc.", "&", "Co.", "Group", "LLC", "Partners"}]
    return _slug("".join(kept))[:28]


def _mod(column: peewee.Node, divisor: int) -> peewee.Expression:
    """column modulo divisor in SQL, for non-negative integers.

    Written with integer division because a literal `%` in the SQL text is a parameter marker to
    PostgreSQL's driver, SQLite may lack MOD(), and peewee's own `%` operator means LIKE.
    """
    return column - (column / divisor) * divisor


def _demo_email(rng: random.Random, first: str, last: str, domain: str, used: set[str]) -> str:
    """A work email; now and then a role address, an invalid or a missing one, never a duplicate."""
    roll = rng.random()
    if roll < 0.02:
        return ""
    if roll < 0.035:
        local = _slug(first) + "." + _slug(last)
        candidate = rng.choice([f"{local}@", f"{local} @{domain}", f"{local}.{domain}", f"{local}@@{domain}"])
    elif roll < 0.065:
        candidate = f"{rng.choice(ROLE_LOCALS)}@{domain}"
    else:
        candidate = f"{_slug(first)}.{_slug(last)}@{domain}"
    if candidate.lower() in used:
        stem, at, host = candidate.partition("@") if "@" in candidate else (candidate, "", "")
        number = 2
        while f"{stem}{number}{at}{host}".lower() in used:
            number += 1
        candidate = f"{stem}{number}{at}{host}"
    used.add(candidate.lower())
    return candidate
