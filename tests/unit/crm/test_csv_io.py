"""CSV import and export (D6) as an office would use them: files from Excel and other address books."""

import pytest

from ctctdesk.crm import contacts, csv_io, lists
from ctctdesk.crm.contacts import ContactFilter
from ctctdesk.crm.errors import CsvFormatError
from ctctdesk.crm.models import Company, Contact, ContactField, EmailList, Membership


def write(tmp_path, text: str, name="contacts.csv", encoding="utf-8") -> object:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def everyone():
    return [
        (r.name, r.company, r.company_type, r.email)
        for r in contacts.rows(contacts.matching_ids(ContactFilter()), None)
    ]


def test_import_with_bom_quotes_and_header_aliases(crm, tmp_path):
    path = write(
        tmp_path,
        "Organisation,Contact Type,Marketing Tags,First Name,Surname,E-mail Address,Phone,Job Title,DNC,Lists,Region\r\n"
        '"Smith, Jones & Co",customer,"Trade; VIP",Anna,Smith,anna@smithjones.com,"+44 20 7946 0000",'
        '"Director, ""Sales""",no,Newsletter,North\r\n'
        'Café Müller,prospect,,Jörg,Müller,joerg@cafe-mueller.de,,"Owner\nand chef",yes,,South\r\n',
        encoding="utf-8-sig",
    )
    report = csv_io.import_csv(path)
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    assert report.custom_fields == ("Region",)
    anna = contacts.find_contact_by_email("ANNA@smithjones.com")
    assert (anna.company.name, anna.job_title, anna.phone) == (
        "Smith, Jones & Co",
        'Director, "Sales"',
        "+44 20 7946 0000",
    )
    assert contacts.tags_of_companies([anna.company_id])[anna.company_id] == ("Trade", "VIP")
    assert contacts.custom_fields(anna.id) == {"Region": "North"}
    jorg = contacts.find_contact_by_email("joerg@cafe-mueller.de")
    assert (jorg.first_name, jorg.job_title, jorg.do_not_contact, jorg.company.type) == (
        "Jörg",
        "Owner\nand chef",
        True,
        "prospect",
    )
    assert [(s.name, s.member_count) for s in lists.list_summaries()] == [("Newsletter", 1)]


def test_semicolon_separated_excel_file(crm, tmp_path):
    path = write(tmp_path, "company;first_name;last_name;email\nAcme;Ann;Ames;ann@acme.com\n")
    assert csv_io.import_csv(path).created == 1
    assert everyone() == [("Ann Ames", "Acme", "customer", "ann@acme.com")]


def test_existing_email_updates_and_companies_match_ignoring_case_and_spacing(crm, tmp_path):
    first = write(tmp_path, "company,first_name,last_name,email\nACME  Ltd,Ann,Ames,ann@acme.com\n", "a.csv")
    csv_io.import_csv(first)
    second = write(
        tmp_path,
        "company,first_name,last_name,email,job_title\n"
        "acme ltd,Annie,Ames,Ann@ACME.com,Buyer\n"
        "Acme Ltd,Bo,Berg,bo@acme.com,\n",
        "b.csv",
    )
    report = csv_io.import_csv(second)
    assert (report.created, report.updated) == (1, 1)
    assert Contact.select().count() == 2 and Company.select().count() == 1
    ann = contacts.find_contact_by_email("ann@acme.com")
    assert (ann.first_name, ann.job_title) == ("Annie", "Buyer")


def test_bad_rows_are_reported_with_line_numbers_and_the_rest_imported(crm, tmp_path):
    path = write(
        tmp_path,
        "company,type,first_name,last_name,email,do_not_contact\n"  # line 1
        "Acme,customer,Ann,Ames,ann@acme.com,no\n"  # 2 ok
        "Acme,partner,Bo,Berg,bo@acme.com,no\n"  # 3 bad type
        '"Multi\nLine Co",prospect,Cy,Cole,cy@multi.com,maybe\n'  # 4-5 bad dnc
        ",customer,Di,Dunn,di@nowhere.com,no\n"  # 6 no company
        "Acme,customer,,,,\n"  # 7 nothing to identify
        "Acme,customer,Ed,Eng,ed@acme.com,no,surplus\n"  # 8 too many fields
        "\n"  # 9 blank, ignored
        "Acme,customer,Fay,Fox,fay@acme.com,\n",  # 10 ok
    )
    report = csv_io.import_csv(path)
    assert report.created == 2
    assert [(e.line, e.message) for e in report.errors] == [
        (3, "type must be customer or prospect, not 'partner'"),
        (4, "do_not_contact must be yes or no, not 'maybe'"),
        (6, "the company is missing"),
        (7, "the row has no name and no email"),
        (8, "the row has 7 fields but the header has 6"),
    ]
    assert sorted(c.email for c in Contact.select()) == ["ann@acme.com", "fay@acme.com"]
    assert Company.select().count() == 1  # the bad prospect row left no company behind


def test_lists_entry_for_ineligible_contact_is_reported_and_not_applied(crm, tmp_path):
    path = write(
        tmp_path,
        "company,first_name,last_name,email,do_not_contact,lists\n"
        "Acme,Ann,Ames,ann@acme.com,no,News; Events\n"
        "Acme,Front,Desk,info@acme.com,no,News\n"
        "Acme,Dee,Nash,dee@acme.com,yes,News\n"
        "Acme,Ivy,Bad,ivy@@acme.com,no,\n",
    )
    report = csv_io.import_csv(path)
    assert report.created == 4 and report.errors == []
    assert [str(w) for w in report.warnings] == [
        "line 3: not added to list “News”: Role address",
        "line 4: not added to list “News”: Do Not Contact",
        "line 5: ivy@@acme.com is not a valid email address (The part after the @-sign contains invalid "
        "characters: '@'.); the contact cannot be in email lists",
    ]
    news = lists.find_list("news")
    assert lists.member_ids(news.id) == {contacts.find_contact_by_email("ann@acme.com").id}


def test_import_never_resubscribes(crm, tmp_path):
    acme = contacts.find_or_create_company("Acme")
    contacts.create_contact(acme.id, first_name="Ann", email="ann@acme.com", email_status="unsubscribed")
    path = write(
        tmp_path, "company,first_name,email,email_status,lists\nAcme,Ann,ann@acme.com,subscribed,News\n"
    )
    report = csv_io.import_csv(path)
    assert contacts.find_contact_by_email("ann@acme.com").email_status == "unsubscribed"
    assert [w.message for w in report.warnings] == ["not added to list “News”: Unsubscribed"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4\n\x00\x01\x02binary", "not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not a CSV file"),
        (b"Dear customer,\nthank you for your order.\n", "does not look like a contacts file"),
        ("company,email\nAcme,ann@acme.com\n".encode("utf-16"), "not a CSV file"),
        ("company,email\nCaf\xe9,ann@cafe.com\n".encode("latin-1"), "not UTF-8 text"),
        (b"", "is empty"),
    ],
)
def test_files_that_are_not_csv_are_refused_and_nothing_written(crm, tmp_path, content, message):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(CsvFormatError, match=message):
        csv_io.import_csv(path)
    assert Contact.select().count() == 0 and Company.select().count() == 0


def test_unterminated_quote_refuses_the_whole_file(crm, tmp_path):
    path = write(tmp_path, 'company,first_name,email\nAcme,Ann,ann@acme.com\nAcme,"Bo,bo@acme.com\n')
    with pytest.raises(CsvFormatError):
        csv_io.import_csv(path)
    assert Contact.select().count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'company,first_name,email\nAcme,Ann,ann@acme.com\nAcme,"Bo,bo@acme.com\nAcme,Cy,cy@acme.com\n',
            "contacts.csv cannot be imported: line 3: a value opens a quote that is never closed. "
            "Nothing was imported.",
        ),
        (
            'company,first_name,email\n"Acme" Ltd,Ann,ann@acme.com\n',
            "contacts.csv cannot be imported: line 2: text follows the closing quote of a value "
            "(put the whole value in quotes). Nothing was imported.",
        ),
        (
            "company,first_name,email,Notes\nAcme,Ann,ann@acme.com,ok\nAcme,Bo,bo@acme.com," + "x" * 200_000 + "\n",
            "contacts.csv cannot be imported: line 3: a value is longer than 131,072 characters, which is not "
            "contact data. Nothing was imported.",
        ),
    ],
    ids=["unterminated", "text-after-quote", "huge-value"],
)
def test_a_broken_file_is_refused_with_the_line_and_what_to_fix(crm, tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(CsvFormatError) as caught:
        csv_io.import_csv(path)
    assert str(caught.value) == message
    assert Contact.select().count() == 0


def test_export_then_import_round_trip(office, tmp_path):
    newsletter = lists.create_list("Newsletter")
    lists.create_list("Events")
    lists.add_members(newsletter.id, [office["alice"], office["bob"]])
    contacts.set_custom_fields(office["alice"], {"Region": "North, East", "Birthday": "1 May"})
    contacts.update_contact(office["carol"], job_title='Lead "Dentist"', phone="+1 555 0100")
    exported = tmp_path / "export.csv"
    assert csv_io.export_csv(exported) == 8
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    header = exported.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == ",".join(csv_io.COLUMNS) + ",Birthday,Region"

    def snapshot():
        people = {}
        for c in Contact.select():
            fields = dict(
                (f.name, f.value) for f in ContactField.select().where(ContactField.contact == c.id)
            )
            memberships = sorted(
                m.email_list.name for m in Membership.select().where(Membership.contact == c.id)
            )
            people[c.email] = (
                c.first_name,
                c.last_name,
                c.job_title,
                c.phone,
                c.do_not_contact,
                c.email_status,
                c.company.name,
                c.company.type,
                contacts.tags_of_companies([c.company_id]).get(c.company_id, ()),
                fields,
                memberships,
            )
        return people

    before = snapshot()
    # a fresh database imports the file into the same CRM
    from ctctdesk.crm import db
    from tests.support.crm_fixtures import open_crm

    db.close_database()
    open_crm(tmp_path / "other")
    report = csv_io.import_csv(exported)
    assert report.errors == [] and report.created == 8
    assert snapshot() == before
    assert EmailList.select().count() == 1  # "Events" had no members, so it is not in the file
    # importing the same file again changes nothing and creates no duplicates
    report = csv_io.import_csv(exported)
    assert (report.created, report.updated) == (0, 8)
    assert snapshot() == before


def test_sample_file_in_resources_imports_cleanly(crm):
    from tests.conftest import REPO_ROOT

    report = csv_io.import_csv(REPO_ROOT / "resources" / "sample-contacts.csv")
    assert report.errors == [] and report.created == 5
    assert [str(w) for w in report.warnings] == []
    assert contacts.find_contact_by_email("info@harbordental.com").ineligible_reason == "role_address"
    summit = contacts.find_company("summit builders, inc.")
    assert summit.type == "prospect"
    assert {s.name: s.member_count for s in lists.list_summaries()} == {
        "Event Invitations": 1,
        "Monthly Newsletter": 2,
        "Prospect Outreach": 1,
    }


def test_a_row_rolled_back_late_leaves_nothing_behind_for_the_next_rows(crm, tmp_path):
    long_name = "L" * 300  # refused as a list name, after the company and contact were written
    path = write(
        tmp_path,
        "company,tags,first_name,email,lists\n"
        f"New Co,Fresh,Ann,ann@newco.com,{long_name}\n"
        "New Co,Fresh,Bo,bo@newco.com,News\n",
    )
    report = csv_io.import_csv(path)
    assert [(e.line, e.message) for e in report.errors] == [
        (2, "A list name can have at most 255 characters")
    ]
    assert report.created == 1
    bo = contacts.find_contact_by_email("bo@newco.com")
    assert bo.company.name == "New Co"
    assert contacts.tags_of_companies([bo.company_id]) == {bo.company_id: ("Fresh",)}
    assert contacts.find_contact_by_email("ann@newco.com") is None


# --- hostile files (issue 12) ---------------------------------------------------------------------------

FORMULA_VALUES = {
    "company": "=HYPERLINK(\"http://evil.example\",\"Acme\")",
    "first_name": "+1+cmd|' /C calc'!A0",
    "last_name": "@SUM(A1:A9)",
    "job_title": "-2+3",
    "phone": "-555 0100",
}


def cells(path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def wipe_contacts_and_companies() -> None:
    from ctctdesk.crm.models import CompanyTag, Tag

    for model in (Membership, ContactField, CompanyTag, Contact, Tag, Company, EmailList):
        model.delete().execute()


def test_export_escapes_cells_a_spreadsheet_would_run_and_import_restores_them(crm, tmp_path):
    company = contacts.find_or_create_company(FORMULA_VALUES["company"], "prospect")
    contacts.add_company_tags(company.id, ["=cmd tag", "Trade"])
    person = contacts.create_contact(
        company.id,
        first_name=FORMULA_VALUES["first_name"],
        last_name=FORMULA_VALUES["last_name"],
        job_title=FORMULA_VALUES["job_title"],
        phone=FORMULA_VALUES["phone"],
        email="ann@acme.com",
    )
    # values that genuinely start with a quote, and the other characters OWASP names, in custom fields
    custom = {
        "Motto": "'Tis the season",
        "Literal": "'=1+1",
        "Quotes": "''",
        "Tabbed": "\tindented",
        "Returned": "\rfirst",
        "=Header": "=1+1",
        "Plain": "hello = world",
    }
    contacts.set_custom_fields(person.id, custom)
    exported = tmp_path / "export.csv"
    csv_io.export_csv(exported)

    rows = cells(exported)
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert [cell for row in rows for cell in row if cell.startswith(dangerous)] == []
    header, values = rows
    by_column = dict(zip(header, values, strict=True))
    assert by_column["company"] == "'" + FORMULA_VALUES["company"]
    assert by_column["phone"] == "'-555 0100"
    assert by_column["tags"] == "'=cmd tag; Trade"
    assert by_column["'=Header"] == "'=1+1"
    assert by_column["Motto"] == "''Tis the season"
    assert by_column["Plain"] == "hello = world"

    wipe_contacts_and_companies()
    report = csv_io.import_csv(exported)
    assert (report.created, report.errors, report.warnings) == (1, [], [])
    ann = contacts.find_contact_by_email("ann@acme.com")
    assert (ann.company.name, ann.first_name, ann.last_name, ann.job_title, ann.phone) == (
        FORMULA_VALUES["company"],
        FORMULA_VALUES["first_name"],
        FORMULA_VALUES["last_name"],
        FORMULA_VALUES["job_title"],
        FORMULA_VALUES["phone"],
    )
    assert contacts.tags_of_companies([ann.company_id])[ann.company_id] == ("=cmd tag", "Trade")
    assert contacts.custom_fields(ann.id) == custom


def test_hand_written_leading_quote_is_kept_unless_it_escapes(crm, tmp_path):
    path = write(
        tmp_path,
        "company,first_name,last_name,email,phone\n"
        "Acme,'Ann,O'Neill,ann@acme.com,'-5\n"
        "Acme,Bo,'+Berg,bo@acme.com,'0044 20\n",
    )
    assert csv_io.import_csv(path).created == 2
    ann = contacts.find_contact_by_email("ann@acme.com")
    bo = contacts.find_contact_by_email("bo@acme.com")
    assert (ann.first_name, ann.last_name, ann.phone) == ("'Ann", "O'Neill", "-5")
    assert (bo.last_name, bo.phone) == ("+Berg", "'0044 20")


def test_a_nul_byte_far_into_the_file_is_reported_for_its_row(crm, tmp_path):
    lines = ["company,first_name,last_name,email"]
    lines += [f"Acme,Person{i},Padding{'x' * 40},p{i}@acme.com" for i in range(1, 2001)]
    lines.append("Acme,Nul\x00Byte,Last,nul@acme.com")  # line 2002, well past the first 64 KB
    lines.append("Acme,After,Last,after@acme.com")
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert path.stat().st_size > 65536 * 1.5
    report = csv_io.import_csv(path)
    assert [(e.line, e.message) for e in report.errors] == [
        (2002, "the row contains a NUL character (binary data)")
    ]
    assert report.created == 2001
    assert contacts.find_contact_by_email("nul@acme.com") is None
    assert contacts.find_contact_by_email("after@acme.com") is not None


def test_a_nul_byte_in_an_early_row_of_a_text_file_is_reported_for_that_row(crm, tmp_path):
    path = write(
        tmp_path,
        "company,first_name,email,Notes\nAcme,Ann,ann@acme.com,\x00\nAcme,Bo,bo@acme.com,fine\n",
    )
    report = csv_io.import_csv(path)
    assert [str(e) for e in report.errors] == ["line 2: the row contains a NUL character (binary data)"]
    assert sorted(c.email for c in Contact.select()) == ["bo@acme.com"]


def test_values_longer_than_their_column_are_reported_and_not_stored(crm, tmp_path):
    long = "L" * 256
    path = write(
        tmp_path,
        "company,tags,first_name,last_name,email,phone,job_title\n"  # line 1
        f"{long},,Ann,Ames,ann@acme.com,,\n"  # 2 company name
        f"Acme,{long},Bo,Berg,bo@acme.com,,\n"  # 3 tag
        f"Acme,,{long},Cole,cy@acme.com,,\n"  # 4 first name
        f"Acme,,Di,{long},di@acme.com,,\n"  # 5 last name
        f"Acme,,Ed,Eng,{'e' * 320}@acme.com,,\n"  # 6 email
        f"Acme,,Fay,Fox,fay@acme.com,{'5' * 65},\n"  # 7 phone
        f"Acme,,Gus,Gray,gus@acme.com,,{long}\n"  # 8 job title
        f"Acme,,Hal,Hart,hal@acme.com,{'5' * 64},{'T' * 255}\n",  # 9 exactly at the limits: fine
    )
    report = csv_io.import_csv(path)
    assert [(e.line, e.message) for e in report.errors] == [
        (2, "company can have at most 255 characters (this one has 256)"),
        (3, "a tag can have at most 255 characters (this one has 256)"),
        (4, "first_name can have at most 255 characters (this one has 256)"),
        (5, "last_name can have at most 255 characters (this one has 256)"),
        (6, "email can have at most 320 characters (this one has 329)"),
        (7, "phone can have at most 64 characters (this one has 65)"),
        (8, "job_title can have at most 255 characters (this one has 256)"),
    ]
    assert [c.email for c in Contact.select()] == ["hal@acme.com"]
    assert [c.name for c in Company.select()] == ["Acme"]


def test_a_custom_column_name_longer_than_allowed_refuses_the_file(crm, tmp_path):
    path = write(tmp_path, f"company,email,{'N' * 256}\nAcme,ann@acme.com,x\n")
    with pytest.raises(CsvFormatError, match="column 3 .* at most 255 characters"):
        csv_io.import_csv(path)
    assert Contact.select().count() == 0


def test_the_same_email_twice_in_one_file_keeps_the_first_row_and_reports_the_other(crm, tmp_path):
    path = write(
        tmp_path,
        "company,first_name,last_name,email\n"
        "Acme,Ann,Ames,ann@acme.com\n"
        "Bolt,Annie,Ames,ANN@acme.com \n"
        "Acme,Bo,Berg,bo@acme.com\n",
    )
    report = csv_io.import_csv(path)
    assert [str(e) for e in report.errors] == [
        "line 3: ANN@acme.com is already on line 2 of this file; only the first row with an email address is imported"
    ]
    assert report.created == 2
    ann = contacts.find_contact_by_email("ann@acme.com")
    assert (ann.first_name, ann.company.name) == ("Ann", "Acme")
    assert contacts.find_company("Bolt") is None  # the refused row left nothing behind


def test_an_email_repeated_after_its_first_row_was_refused_is_imported(crm, tmp_path):
    path = write(
        tmp_path,
        "company,type,first_name,email\nAcme,partner,Ann,ann@acme.com\nAcme,customer,Ann,ann@acme.com\n",
    )
    report = csv_io.import_csv(path)
    assert [e.line for e in report.errors] == [2]
    assert report.created == 1


def test_a_later_row_does_not_silently_change_a_company_type(crm, tmp_path):
    contacts.find_or_create_company("Bolt", "customer")
    path = write(
        tmp_path,
        "company,type,first_name,email\n"
        "Acme,customer,Ann,ann@acme.com\n"  # 2 new customer
        "Acme,prospect,Bo,bo@acme.com\n"  # 3 contradicts line 2
        "Bolt,prospect,Cy,cy@bolt.com\n"  # 4 changes a customer already in the CRM
        "Bolt,,Di,di@bolt.com\n"  # 5 no type: nothing to say
        "Bolt,customer,Ed,ed@bolt.com\n",  # 6 contradicts line 4
    )
    report = csv_io.import_csv(path)
    assert report.errors == [] and report.created == 5
    assert [str(w) for w in report.warnings] == [
        "line 3: company “Acme” stays a customer as on line 2; the type prospect on this row was not applied",
        "line 4: company “Bolt” changed from customer to prospect",
        "line 6: company “Bolt” stays a prospect as on line 4; the type customer on this row was not applied",
    ]
    assert contacts.find_company("acme").type == "customer"
    assert contacts.find_company("bolt").type == "prospect"
    assert contacts.find_contact_by_email("bo@acme.com").company.name == "Acme"


def test_a_type_change_on_a_refused_row_is_rolled_back_and_forgotten(crm, tmp_path):
    contacts.find_or_create_company("Bolt", "customer")
    path = write(
        tmp_path,
        "company,type,first_name,email,do_not_contact\n"
        "Bolt,prospect,Ann,ann@bolt.com,maybe\n"  # refused after the type was read
        "Bolt,,Bo,bo@bolt.com,no\n",
    )
    report = csv_io.import_csv(path)
    assert [e.line for e in report.errors] == [2] and report.warnings == []
    assert contacts.find_company("bolt").type == "customer"


def test_an_export_that_fails_half_way_leaves_the_earlier_file_whole_and_no_part_file(office, tmp_path, monkeypatch):
    """A full disk half-way through an export: the file from the last export is still there, whole."""
    import errno

    target = tmp_path / "out" / "contacts.csv"
    written = csv_io.export_csv(target)
    before = target.read_bytes()
    real_rows = csv_io._export_rows

    def rows_then_disk_full(contact_ids, field_names):
        yield from list(real_rows(contact_ids, field_names))[:1]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(csv_io, "_export_rows", rows_then_disk_full)
    with pytest.raises(OSError):
        csv_io.export_csv(target)
    assert written > 1 and target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["contacts.csv"]
