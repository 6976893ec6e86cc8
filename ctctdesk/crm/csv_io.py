"""CSV import and export of companies and contacts (D6).

Import is forgiving about the shape of the file and strict about its content:
- headers are matched by common names ("E-mail Address", "Surname", "Organisation", …), any other column
  becomes a custom field; UTF-8 with or without BOM; comma, semicolon or tab separated; Excel quoting;
- a contact whose email already exists is updated, never duplicated; companies match by name with case
  and spacing ignored (R9);
- every row is applied whole or not at all; a bad row is reported with its line number and reason and the
  other rows are imported; a file that is not a contacts CSV at all is refused and nothing is written;
- what the database could not hold is refused per row before the database sees it: a NUL character
  anywhere in the row, a value longer than its column (the lengths come from the models);
- the same email twice in one file: the first row is imported, the later ones are reported;
- a company's type is decided by the first row of the file that gives one (a change of a company already
  in the CRM is applied and noted on that row); a later row that says otherwise is imported without
  changing the type, with a note;
- a `lists` entry for a contact that may not be in lists (L6) is reported for that row and not applied.

Export writes the same columns (plus `email_status`), so a file exported here imports back unchanged.
A cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return) is
written with a single quote in front, as OWASP recommends against CSV injection; so that the round trip
keeps every value, a cell that starts with a quote gets one more, and import removes one leading quote
when the next character is one of those or a quote (see `escape_cell`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import peewee

from ctctdesk.chunking import chunks
from ctctdesk.crm import contacts, lists, rules
from ctctdesk.crm.contacts import ContactFilter, filtered_query
from ctctdesk.crm.errors import CrmError, CsvFormatError
from ctctdesk.crm.models import (
    COMPANY_TYPES,
    EMAIL_STATUSES,
    Company,
    CompanyTag,
    Contact,
    ContactField,
    EmailList,
    Membership,
    Tag,
    database_proxy,
    email_key,
    name_key,
    utc_now,
)
from ctctdesk.crm.rules import Ineligibility, ineligibility, load_role_prefixes, reason_from_db
from ctctdesk.jsonfile import replacing

#: The columns export writes, in order (custom fields follow, by name).
COLUMNS = (
    "company",
    "type",
    "tags",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "do_not_contact",
    "lists",
    "email_status",
)

# Header names seen in exports of common address books and CRMs, normalised by _normalise_header.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "company": (
        "company",
        "company_name",
        "organization",
        "organisation",
        "organization_name",
        "account",
        "account_name",
        "business",
        "employer",
    ),
    "type": ("type", "company_type", "contact_type", "customer_type", "relationship"),
    "tags": ("tags", "tag", "marketing_tags", "marketing_tag", "categories", "category"),
    "first_name": ("first_name", "firstname", "first", "given_name", "forename"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name"),
    "name": ("name", "full_name", "contact_name", "contact"),
    "email": ("email", "e_mail", "email_address", "e_mail_address", "mail", "work_email", "email_1"),
    "phone": ("phone", "telephone", "phone_number", "tel", "work_phone", "mobile", "business_phone"),
    "job_title": ("job_title", "jobtitle", "title", "position", "role"),
    "do_not_contact": ("do_not_contact", "donotcontact", "dnc", "do_not_email", "opt_out", "no_email"),
    "lists": ("lists", "list", "email_lists", "mailing_lists"),
    "email_status": ("email_status", "subscription_status", "email_permission_status"),
}
_ALIAS_TO_COLUMN = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}

TRUE_WORDS = {"yes", "y", "true", "1", "x", "ja", "oui"}
FALSE_WORDS = {"no", "n", "false", "0", ""}

_NON_WORD = re.compile(r"[^0-9a-z]+")

#: The longest value each column can hold, from the models, checked before the database sees a row
#: (SQLite would store a longer one silently, PostgreSQL would refuse the whole import).
MAX_LENGTHS: dict[str, int] = {
    "company": Company.name.max_length,
    "first_name": Contact.first_name.max_length,
    "last_name": Contact.last_name.max_length,
    "email": Contact.email.max_length,
    "phone": Contact.phone.max_length,
    "job_title": Contact.job_title.max_length,
}
MAX_TAG_LENGTH: int = Tag.name.max_length
MAX_CUSTOM_FIELD_NAME_LENGTH: int = ContactField.name.max_length

#: First characters that make a spreadsheet evaluate a cell (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"

# Control characters that, next to a NUL, say "binary file" rather than "one damaged value".
_BINARY_CONTROLS = re.compile(rb"[\x01-\x08\x0e-\x1f]")
_BINARY_SNIFF_BYTES = 65536
#: Contacts read per query while exporting: the rows of one batch are built in memory at once.
EXPORT_BATCH = 1000


def escape_cell(value: str) -> str:
    """The cell as export writes it: a quote in front when a spreadsheet would run it as a formula, or
    when it starts with a quote itself (so that `unescape_cell` can tell the two apart)."""
    return ESCAPE + value if value.startswith((*FORMULA_STARTS, ESCAPE)) else value


def unescape_cell(value: str) -> str:
    """Undo `escape_cell`: drop a leading quote followed by a formula character or another quote. Any
    other leading quote (a hand-typed "'Tis") is part of the value and stays."""
    if value.startswith(ESCAPE) and value[1:2] and value[1:2] in (*FORMULA_STARTS, ESCAPE):
        return value[1:]
    return value


@dataclass(frozen=True)
class RowIssue:
    line: int  # line in the file where the row starts (the header is line 1)
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowIssue] = field(default_factory=list)  # rows not imported
    warnings: list[RowIssue] = field(default_factory=list)  # rows imported, something not applied
    custom_fields: tuple[str, ...] = ()

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        text = f"{self.created:,} contacts added, {self.updated:,} updated"
        if self.errors:
            text += f", {len(self.errors):,} row{'s' if len(self.errors) != 1 else ''} not imported"
        if self.warnings:
            text += f", {len(self.warnings):,} warning{'s' if len(self.warnings) != 1 else ''}"
        return text


class _RowError(Exception):
    """A reason to skip one row (becomes a RowIssue)."""


def _normalise_header(header: str) -> str:
    return _NON_WORD.sub("_", header.strip().lower()).strip("_")


def _split_names(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _check_length(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise _RowError(f"{what} can have at most {limit} characters (this one has {len(value):,})")


def _parse_bool(value: str, column: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _RowError(f"{column} must be yes or no, not {value.strip()!r}")


# --- reading the file -----------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CsvFormatError(f"Cannot read {path}: {error.strerror or error}.") from error
    if _looks_binary(data):
        raise CsvFormatError(
            f"{Path(path).name} is not a CSV file (it contains binary data). Nothing was imported."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFormatError(
            f"{Path(path).name} is not UTF-8 text (byte {error.start}). Save it as “CSV UTF-8” and try again. "
            "Nothing was imported."
        ) from error


def _looks_binary(data: bytes) -> bool:
    """A NUL in the header line, or a NUL among other control characters near the start: a PDF, a zip,
    UTF-16 text… A lone NUL in a data row is one damaged value: that row is refused, not the file."""
    head = data[:_BINARY_SNIFF_BYTES]
    if b"\x00" not in head:
        return False
    return b"\x00" in head.split(b"\n", 1)[0] or _BINARY_CONTROLS.search(head) is not None


def _dialect(text: str) -> type[csv.Dialect]:
    """Excel's dialect with the delimiter the header line uses (comma, semicolon or tab)."""
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _records(text: str, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields) for each record, quoted line breaks included."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text), strict=True)
    previous_end = 0
    try:
        for fields in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            yield start, fields
    except csv.Error as error:
        raise CsvFormatError(
            f"{filename} cannot be imported: line {previous_end + 1}: {_csv_problem(error)}. Nothing was imported."
        ) from error


def _csv_problem(error: csv.Error) -> str:
    """The csv module's complaint in words for the person who has to fix the file."""
    text = str(error)
    if "unexpected end of data" in text:
        return "a value opens a quote that is never closed"
    if "expected after" in text:
        return "text follows the closing quote of a value (put the whole value in quotes)"
    if "field limit" in text:
        return f"a value is longer than {csv.field_size_limit():,} characters, which is not contact data"
    return text


def _map_headers(headers: list[str], filename: str) -> tuple[dict[int, str], dict[int, str]]:
    """(column index → known column, column index → custom field name); refuses files without
    any column that identifies a contact."""
    if any("\x00" in header for header in headers):
        raise CsvFormatError(
            f"{filename} is not a CSV file (its first line contains binary data). Nothing was imported."
        )
    known: dict[int, str] = {}
    custom: dict[int, str] = {}
    for index, header in enumerate(headers):
        column = _ALIAS_TO_COLUMN.get(_normalise_header(header))
        if column is not None and column not in known.values():
            known[index] = column
        elif header.strip():
            if len(header.strip()) > MAX_CUSTOM_FIELD_NAME_LENGTH:
                raise CsvFormatError(
                    f"{filename} cannot be imported: the name of column {index + 1} has {len(header.strip()):,} "
                    f"characters, and a column name can have at most {MAX_CUSTOM_FIELD_NAME_LENGTH} characters. "
                    "Nothing was imported."
                )
            custom[index] = header.strip()
    identifying = {"email", "first_name", "last_name", "name", "company"}
    if not identifying & set(known.values()):
        raise CsvFormatError(
            f"{filename} does not look like a contacts file: no company, name or email column in the first line. "
            "Nothing was imported."
        )
    return known, custom


# --- import ---------------------------------------------------------------------------------------------


class _Importer:
    """Applies rows one by one, remembering what it has looked up so a large file costs a few queries
    per row. Entries a row added to the caches are forgotten when that row is rolled back."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.prefixes = frozenset(load_role_prefixes())
        self.companies: dict[str, Company] = {}
        self.lists: dict[str, int] = {}
        self.tags: dict[str, int] = dict(Tag.select(Tag.name_key, Tag.id).tuples())
        self.company_tags: set[tuple[int, int]] = set(
            CompanyTag.select(CompanyTag.company, CompanyTag.tag).tuples()
        )
        self.emails: dict[str, int] = dict(
            Contact.select(Contact.email_key, Contact.id).where(Contact.email_key.is_null(False)).tuples()
        )
        self.file_emails: dict[str, int] = {}  # email key → line of the file that imported it
        self.company_types: dict[str, tuple[str, int]] = {}  # company key → (type, line that decided it)
        self.created_companies: set[str] = set()  # companies this import created
        self._added: list[tuple[dict | set, object]] = []  # (cache, key) added by the current row
        self._outcome: str | None = None
        self._line = 0

    def _remember(self, cache: dict | set, key: object, value: object = None) -> None:
        if isinstance(cache, set):
            cache.add(key)
        else:
            cache[key] = value
        self._added.append((cache, key))

    def row_done(self) -> None:
        """The row's savepoint was released: count it."""
        if self._outcome == "created":
            self.report.created += 1
        elif self._outcome == "updated":
            self.report.updated += 1
        self._outcome = None
        self._added.clear()

    def row_failed(self) -> None:
        self._outcome = None
        # warnings of a row that was not imported would only confuse
        self.report.warnings = [w for w in self.report.warnings if w.line != self._line]
        for cache, key in self._added:
            if isinstance(cache, set):
                cache.discard(key)
            else:
                cache.pop(key, None)
        self._added.clear()

    def company(self, name: str, company_type: str) -> Company:
        key = name_key(name)
        company = self.companies.get(key)
        if company is None:
            company = contacts.find_company(name)
            if company is None:
                company = contacts.find_or_create_company(name, company_type or "customer")
                self._remember(self.created_companies, key)
            self._remember(self.companies, key, company)
        if company_type:
            self._settle_type(key, company, company_type)
        return company

    def _settle_type(self, key: str, company: Company, company_type: str) -> None:
        """The first row of the file that gives a company's type decides it; later rows do not flip it."""
        decided = self.company_types.get(key)
        if decided is not None:
            if decided[0] != company_type:
                self.report.warnings.append(RowIssue(
                    self._line,
                    f"company “{company.name}” stays a {decided[0]} as on line {decided[1]}; "
                    f"the type {company_type} on this row was not applied",
                ))
            return
        self._remember(self.company_types, key, (company_type, self._line))
        if company.type == company_type:
            return
        if key not in self.created_companies:
            self.report.warnings.append(
                RowIssue(self._line, f"company “{company.name}” changed from {company.type} to {company_type}")
            )
        Company.update(type=company_type, updated_at=utc_now()).where(Company.id == company.id).execute()
        changed = Company.get_by_id(company.id)
        # remembered again, so that a rollback of this row drops it and the next row reads the database
        self._remember(self.companies, key, changed)

    def list_id(self, name: str) -> int:
        key = name_key(name)
        if key not in self.lists:
            found = lists.find_list(name)
            self._remember(self.lists, key, found.id if found else lists.create_list(name).id)
        return self.lists[key]

    def tag_company(self, company_id: int, tag_names: list[str]) -> None:
        for tag_name in tag_names:
            key = name_key(tag_name)
            if key not in self.tags:
                self._remember(self.tags, key, contacts.find_or_create_tag(tag_name).id)
            pair = (company_id, self.tags[key])
            if pair not in self.company_tags:
                CompanyTag.insert(company=company_id, tag=pair[1]).on_conflict_ignore().execute()
                self._remember(self.company_tags, pair)

    def apply(self, line: int, row: dict[str, str], custom: dict[str, str]) -> None:
        self._line = line
        email = row.get("email", "").strip()
        first, last = row.get("first_name", "").strip(), row.get("last_name", "").strip()
        if not (first or last) and row.get("name", "").strip():
            first, _, last = row["name"].strip().partition(" ")
            last = last.strip()
        company_name = row.get("company", "").strip()
        company_type = row.get("type", "").strip().lower()
        if company_type in ("customers", "prospects"):
            company_type = company_type[:-1]
        if company_type and company_type not in COMPANY_TYPES:
            raise _RowError(f"type must be customer or prospect, not {row['type'].strip()!r}")
        status = row.get("email_status", "").strip().lower()
        if status and status not in EMAIL_STATUSES:
            raise _RowError(f"email_status must be one of {', '.join(EMAIL_STATUSES)}, not {status!r}")
        dnc = (
            _parse_bool(row["do_not_contact"], "do_not_contact")
            if row.get("do_not_contact", "").strip()
            else None
        )
        if not (email or first or last):
            raise _RowError("the row has no name and no email")
        for column, value in (("company", " ".join(company_name.split())), ("first_name", first),
                              ("last_name", last), ("email", email), ("phone", row.get("phone", "").strip()),
                              ("job_title", row.get("job_title", "").strip())):
            _check_length(value, MAX_LENGTHS[column], column)
        tag_names = _split_names(row.get("tags", ""))
        for tag_name in tag_names:
            _check_length(" ".join(tag_name.split()), MAX_TAG_LENGTH, "a tag")

        key = email_key(email)
        if key:
            first_line = self.file_emails.get(key)
            if first_line is not None:
                raise _RowError(
                    f"{email} is already on line {first_line} of this file; "
                    "only the first row with an email address is imported"
                )
            self._remember(self.file_emails, key, line)
        existing_id = self.emails.get(key) if key else None
        if existing_id is None and not company_name:
            raise _RowError("the company is missing")
        company = self.company(company_name, company_type) if company_name else None
        if existing_id is None and not email and company is not None:
            existing_id = (
                Contact.select(Contact.id)
                .where(
                    (Contact.company == company.id)
                    & (Contact.email_key.is_null())
                    & (Contact.first_name == first)
                    & (Contact.last_name == last)
                )
                .scalar()
            )
        values: dict[str, object] = {
            name: row[name].strip() for name in ("phone", "job_title") if row.get(name, "").strip()
        }
        if first:
            values["first_name"] = first
        if last:
            values["last_name"] = last
        if dnc is not None:
            values["do_not_contact"] = dnc
        if existing_id is None:
            assert company is not None
            # New contact: decided here with the same rule as everywhere (rules.ineligibility), written
            # in one INSERT instead of create-then-refresh.
            reason = ineligibility(email, bool(dnc), status or "unknown", self.prefixes)
            contact_id = Contact.insert(
                company=company.id,
                email=email,
                email_key=key,
                email_status=status or "unknown",
                ineligible_reason=reason.value if reason else None,
                **values,
            ).execute()
            if key:
                self._remember(self.emails, key, contact_id)
            self._outcome = "created"
        else:
            current = Contact.get_by_id(existing_id)
            # R3: an unsubscribed contact is never made subscribed again by an import
            if status and current.email_status != "unsubscribed":
                values["email_status"] = status
            if email and email != current.email:
                values["email"] = email  # same address, other capitalisation
            if company is not None and company.id != current.company_id:
                values["company_id"] = company.id
            updated = contacts.update_contact(existing_id, **values)
            contact_id, reason = existing_id, reason_from_db(updated.ineligible_reason)
            self._outcome = "updated"
        if company is not None:
            self.tag_company(company.id, tag_names)
        if custom:
            contacts.set_custom_fields(contact_id, {k: v for k, v in custom.items() if v.strip()})

        if email and reason is Ineligibility.INVALID_EMAIL:
            self.report.warnings.append(
                RowIssue(
                    line,
                    f"{email} is not a valid email address ({rules.email_problem(email) or 'invalid'}); "
                    "the contact cannot be in email lists",
                )
            )
        for list_name in _split_names(row.get("lists", "")):
            if reason is not None:
                self.report.warnings.append(RowIssue(line, f"not added to list “{list_name}”: {reason.text}"))
                continue
            Membership.insert(
                email_list=self.list_id(list_name), contact=contact_id
            ).on_conflict_ignore().execute()


def import_csv(path: Path) -> ImportReport:
    """Import companies and contacts from a CSV file; see the module docstring for the rules.

    Raises CsvFormatError (nothing written) when the file is not a contacts CSV.
    """
    path = Path(path)
    text = _read_text(path)
    records = _records(text, path.name)
    try:
        _line, headers = next(records)
    except StopIteration:
        raise CsvFormatError(f"{path.name} is empty. Nothing was imported.") from None
    known, custom_columns = _map_headers([unescape_cell(h) for h in headers], path.name)
    rows = list(records)  # parse the whole file first: a broken file writes nothing
    report = ImportReport(custom_fields=tuple(custom_columns.values()))
    importer = _Importer(report)
    with database_proxy.atomic():
        for line, fields in rows:
            if not any(f.strip() for f in fields):
                continue  # blank line
            if len(fields) > len(headers) and any(f.strip() for f in fields[len(headers) :]):
                report.errors.append(
                    RowIssue(line, f"the row has {len(fields)} fields but the header has {len(headers)}")
                )
                continue
            if any("\x00" in f for f in fields):
                report.errors.append(RowIssue(line, "the row contains a NUL character (binary data)"))
                continue
            fields = [unescape_cell(f) for f in fields]
            row = {column: fields[i] for i, column in known.items() if i < len(fields)}
            custom = {name: fields[i] for i, name in custom_columns.items() if i < len(fields)}
            try:
                with database_proxy.atomic():  # a savepoint: the row goes in whole or not at all
                    importer.apply(line, row, custom)
            except (_RowError, CrmError) as error:
                importer.row_failed()
                report.errors.append(RowIssue(line, str(error).rstrip(".")))
            except peewee.DataError as error:  # a value the checks above did not foresee
                importer.row_failed()
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                report.errors.append(RowIssue(line, f"the database refused a value of this row ({reason})"))
            else:
                importer.row_done()
    return report


# --- export ---------------------------------------------------------------------------------------------


def export_csv(
    path: Path, contact_filter: ContactFilter | None = None, *, contact_ids: Iterable[int] | None = None
) -> int:
    """Write the contacts (all, those matching the filter, or those given) to a CSV file; returns the
    number written.

    UTF-8 with a BOM so that Excel opens accents correctly; the import reads it back. Cells that a
    spreadsheet would run as formulas are escaped (`escape_cell`).
    """
    if contact_ids is not None:
        ids = sorted(set(contact_ids))
    else:
        query = filtered_query(contact_filter or ContactFilter())
        ids = [row[0] for row in database_proxy.execute(query.order_by(Contact.id))]
    field_names = sorted(
        {name for (name,) in ContactField.select(ContactField.name).distinct().tuples()} - set(COLUMNS)
    )
    written = 0
    with replacing(path, encoding="utf-8-sig", newline="") as handle:  # never half a file (full disk)
        writer = csv.writer(handle, dialect=csv.excel)
        writer.writerow([escape_cell(name) for name in (*COLUMNS, *field_names)])
        for chunk in chunks(ids, EXPORT_BATCH):
            for values in _export_rows(chunk, field_names):
                writer.writerow([escape_cell(value) for value in values])
                written += 1
    return written


def _export_rows(contact_ids: list[int], field_names: list[str]) -> Iterator[list[str]]:
    query = (
        Contact.select(
            Contact.id,
            Company.name,
            Company.type,
            Company.id,
            Contact.first_name,
            Contact.last_name,
            Contact.email,
            Contact.phone,
            Contact.job_title,
            Contact.do_not_contact,
            Contact.email_status,
        )
        .join(Company)
        .where(Contact.id.in_(contact_ids))
        .order_by(Contact.id)
    )
    company_ids = set()
    found = []
    for row in query.tuples():
        found.append(row)
        company_ids.add(row[3])
    tags: dict[int, list[str]] = {}
    for company_id, tag_name in (
        CompanyTag.select(CompanyTag.company, Tag.name)
        .join(Tag)
        .where(CompanyTag.company.in_(list(company_ids)))
        .order_by(Tag.name_key)
        .tuples()
    ):
        tags.setdefault(company_id, []).append(tag_name)
    memberships: dict[int, list[str]] = {}
    for contact_id, list_name in (
        Membership.select(Membership.contact, EmailList.name)
        .join(EmailList)
        .where(Membership.contact.in_(contact_ids))
        .order_by(EmailList.name_key)
        .tuples()
    ):
        memberships.setdefault(contact_id, []).append(list_name)
    fields: dict[int, dict[str, str]] = {}
    for contact_id, name, value in (
        ContactField.select(ContactField.contact, ContactField.name, ContactField.value)
        .where(ContactField.contact.in_(contact_ids))
        .tuples()
    ):
        fields.setdefault(contact_id, {})[name] = value
    for cid, company, ctype, company_id, first, last, email, phone, title, dnc, status in found:
        custom = fields.get(cid, {})
        yield [
            company,
            ctype,
            "; ".join(tags.get(company_id, [])),
            first,
            last,
            email,
            phone,
            title,
            "yes" if dnc else "no",
            "; ".join(memberships.get(cid, [])),
            status,
            *(custom.get(name, "") for name in field_names),
        ]
