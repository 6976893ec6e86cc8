"""Hostile CSV files against `ctctdesk import-csv`: what is refused, what is imported, what is left half.

    python benchmarks/hostile_csv.py [--postgres] [--keep]

Generates one file per kind of trouble (NUL bytes near the start and far into the file, values longer
than their column, formula cells, the same email twice, a company type that flips, broken quoting, a
huge value, a row with 100,000 fields, text that is not UTF-8), imports each with the real command
(`python -m ctctdesk --data-dir DIR import-csv FILE`) into a fresh temporary data folder, then opens the
database and looks at what is there. With `--postgres` the same files go into fresh databases on a
throwaway PostgreSQL server (needs `initdb`/`pg_ctl` and psycopg2, as the tests in
tests/integration/postgres).

Every row carries markers of its own (a tag and a list named after it), so a row the import reports as
refused must leave nothing behind. Printed per file and in total:
- rows refused, rows imported, notes (warnings);
- partial writes: anything a refused row or a refused file left in the database, plus any difference
  between the contacts the command reported and those in the database (goal 0);
- tracebacks: a Python traceback instead of a clear message (goal 0);
- unexpected: files whose outcome differs from what the rules in README's "CSV files" say.
For the formula file it also exports, re-imports into another folder and counts values changed by the
round trip (goal 0) and exported cells a spreadsheet would run (goal 0).

Bounded: about twenty small files (the largest about 2 MB), a few seconds each. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["company", "type", "tags", "first_name", "last_name", "email", "phone", "job_title", "lists", "Notes"]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ISSUE = re.compile(r": (not imported|warning): line (\d+): ")
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Row:
    """One row of a generated file; `bad` rows are the ones the rules say must be refused."""

    values: dict[str, str]
    bad: bool = False
    marker: str | None = None  # a tag and a list of this name are written only if the row is imported


@dataclass
class HostileFile:
    name: str
    content: bytes
    rows: list[tuple[int, Row]]  # (line where the row starts, row)
    refuse_file: bool = False  # the rules say: refused whole, nothing written
    notes: int | None = None  # notes (warnings) the rules say the import prints, when that is the point


@dataclass
class Outcome:
    name: str
    file_refused: bool = False
    imported: int = 0
    refused_lines: list[int] = field(default_factory=list)
    warnings: int = 0
    partial_writes: int = 0
    traceback: bool = False
    unexpected: str = ""
    seconds: float = 0.0
    message: str = ""


# --- generating the files -------------------------------------------------------------------------------


def row(i: int, bad: bool = False, marker: bool = True, **values: str) -> Row:
    base = {
        "company": "Good Co",
        "type": "",
        "tags": "",
        "first_name": f"Person{i}",
        "last_name": "Example",
        "email": f"row{i}@example.com",
        "phone": "",
        "job_title": "",
        "lists": "",
        "Notes": "",
    }
    base.update(values)
    name = f"marker-{i}" if marker else None
    if name:
        base["tags"] = "; ".join(filter(None, [base["tags"], name]))
        base["lists"] = "; ".join(filter(None, [base["lists"], name]))
    return Row(base, bad=bad, marker=name)


def render(name: str, rows: list[Row], header: list[str] = HEADER, encoding: str = "utf-8",
           refuse_file: bool = False) -> HostileFile:
    """Write the rows with Excel quoting, noting the line each row starts on (as the importer counts)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect=csv.excel)
    writer.writerow(header)
    placed = []
    for item in rows:
        line = len(_LINE_BREAK.findall(buffer.getvalue())) + 1
        writer.writerow([item.values.get(column, "") for column in header])
        placed.append((line, item))
    return HostileFile(name, buffer.getvalue().encode(encoding), placed, refuse_file)


def raw(name: str, text: str | bytes, refuse_file: bool = True) -> HostileFile:
    content = text.encode("utf-8") if isinstance(text, str) else text
    return HostileFile(name, content, [], refuse_file)


def hostile_files() -> Iterator[HostileFile]:
    yield render("NUL in a row near the start", [row(1), row(2, bad=True, first_name="Nul\x00Byte"), row(3)])
    padding = [row(i, marker=False, Notes="padding " + "x" * 40) for i in range(1, 1501)]
    yield render(
        "NUL past the first 64 KB",
        [*padding, row(1501, bad=True, Notes="before\x00after"), row(1502)],
    )
    yield raw("NUL in the header line", "company,first\x00name,email\nAcme,Ann,ann@example.com\n")

    long = "L" * 256
    yield render(
        "values longer than their column",
        [
            row(1, bad=True, company=long),
            row(2, bad=True, tags=long),
            row(3, bad=True, first_name=long),
            row(4, bad=True, last_name=long),
            row(5, bad=True, email="e" * 310 + "@example.com"),
            row(6, bad=True, phone="5" * 65),
            row(7, bad=True, job_title=long),
            row(8, bad=True, lists=long),
            row(9, company="C" * 255, first_name="F" * 255, last_name="L" * 255, phone="5" * 64,
                job_title="T" * 255, email="e" * 300 + "@example.com"),  # exactly at the limits
            row(10, Notes="N" * 100_000),  # custom field values have no limit
        ],
    )
    yield render("a column name longer than allowed", [row(1)], header=[*HEADER, "H" * 300], refuse_file=True)

    yield render("formula cells (OWASP CSV injection)", formula_rows())
    yield render(
        "the same email twice",
        [
            row(1, email="dup@example.com", company="First Co"),
            row(2, bad=True, email="DUP@example.com", company="Second Co"),
            row(3, email="other@example.com"),
            row(4, bad=True, email=" dup@EXAMPLE.com ", company="Third Co"),
        ],
    )
    flips = render(
        "a company type that flips",
        [
            row(1, company="Flip Co", type="customer"),
            row(2, company="Flip Co", type="prospect"),  # noted: Flip Co stays a customer
            row(3, company="flip  co", type="customer"),
        ],
    )
    flips.notes = 1
    yield flips
    yield raw("broken quoting: unterminated quote",
              'company,first_name,email\nAcme,Ann,ann@example.com\nAcme,"Bo,bo@example.com\n')
    yield raw("broken quoting: text after a closing quote",
              'company,first_name,email\n"Acme"x,Ann,ann@example.com\n')
    yield render("a row with a stray quote inside a value (Excel keeps it)",
                 [row(1, first_name='Ann "the boss"'), row(2)])
    yield raw("a huge value (2 MB in one cell)",
              "company,first_name,email,Notes\nAcme,Ann,ann@example.com," + "x" * 2_000_000 + "\n")
    wide = ",".join(["x"] * 100_000)
    yield HostileFile(
        "a row with 100,000 fields",
        f"company,first_name,email\nAcme,Ann,ann@example.com\n{wide}\nAcme,Bo,bo@example.com\n".encode(),
        [(2, Row({}, marker=None)), (3, Row({}, bad=True)), (4, Row({}, marker=None))],
    )
    yield raw("not UTF-8 (Latin-1)", "company,first_name,email\nCaf\xe9 M\xfcller,J\xf6rg,j@example.com\n".encode("latin-1"))
    yield raw("invalid UTF-8 far into the file",
              b"company,first_name,email\n" + b"Acme,Ann,ann@example.com\n" * 5000 + b"Acme,\xff\xfe,bad@example.com\n")
    yield raw("UTF-16 text", "company,first_name,email\nAcme,Ann,ann@example.com\n".encode("utf-16"))
    yield raw("a PDF renamed to .csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 >>\nstream\n\x00\x01\x02\x03\nendstream\n")
    yield render("control characters inside values", [
        row(1, Notes="bell\x07 and vertical\x0btab"), row(2), row(3, first_name="Tab\tin name"),
    ])
    yield HostileFile(
        "old Mac line endings (CR only)",
        b"company,first_name,email\rAcme,Ann,ann@example.com\rAcme,Bo,bo@example.com\r",
        [(2, Row({})), (3, Row({}))],
    )


def formula_rows() -> list[Row]:
    values = ["=1+1", "+44 20 7946 0000", "-5", "@SUM(A1:A2)", "\tindented", "\rreturn",
              "'quoted", "'=already escaped?", "''", "=HYPERLINK(\"http://evil.example\",\"x\")",
              "=cmd|' /C calc'!A0"]
    rows = []
    for i, value in enumerate(values, start=1):
        rows.append(row(i, Notes=value, phone=value if value.startswith(("-", "+")) else "",
                        job_title=value if value.lstrip() == value else "x"))
    rows.append(row(len(values) + 1, company="=Evil Co", first_name="@Ann", last_name="-Ames", tags="=tag"))
    return rows


# --- importing and looking -------------------------------------------------------------------------------


class Databases:
    """Where each file is imported: a fresh SQLite file, or a fresh database on a throwaway server."""

    def __init__(self, postgres: bool) -> None:
        self.server = None
        if postgres:
            from tests.support.postgres import start_server

            try:
                self.server = start_server()
            except BaseException as error:  # start_server skips (pytest's Skipped) when it cannot start
                raise SystemExit(f"PostgreSQL not available: {error}") from None

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.server else "SQLite"

    def prepare(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True)
        if self.server:
            url = self.server.url(self.server.create_database())
            (data_dir / "settings.json").write_text(json.dumps({"database_url": url}))

    def close(self) -> None:
        if self.server:
            self.server.stop()
            shutil.rmtree(self.server.root, ignore_errors=True)


def ctctdesk(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ctctdesk", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )


def inspect(data_dir: Path, markers: list[str]) -> tuple[dict[str, int], set[str]]:
    """(row counts per table, markers found as a tag or a list) in the data folder's database."""
    from ctctdesk.app import build_context
    from ctctdesk.crm.models import Company, Contact, ContactField, EmailList, Tag

    context = build_context(data_dir)
    try:
        counts = {model.__name__: model.select().count() for model in (Contact, Company, Tag, EmailList, ContactField)}
        found = {name for (name,) in Tag.select(Tag.name).where(Tag.name.in_(markers)).tuples()}
        found |= {name for (name,) in EmailList.select(EmailList.name).where(EmailList.name.in_(markers)).tuples()}
        return counts, found
    finally:
        context.close()


def run_case(hostile: HostileFile, folder: Path, databases: Databases) -> Outcome:
    outcome = Outcome(hostile.name)
    folder.mkdir(parents=True)
    path = folder / "file.csv"
    path.write_bytes(hostile.content)
    data_dir = folder / "data"
    databases.prepare(data_dir)
    started = time.perf_counter()
    result = ctctdesk(data_dir, "import-csv", str(path))
    outcome.seconds = time.perf_counter() - started
    outcome.traceback = "Traceback" in result.stderr
    outcome.file_refused = result.returncode == 1
    for match in _ISSUE.finditer(result.stderr):
        if match.group(1) == "not imported":
            outcome.refused_lines.append(int(match.group(2)))
        else:
            outcome.warnings += 1
    summary = re.search(r"([\d,]+) contacts added, ([\d,]+) updated", result.stdout)
    if summary:
        outcome.imported = int(summary.group(1).replace(",", "")) + int(summary.group(2).replace(",", ""))
    if outcome.file_refused:
        outcome.message = result.stderr.strip().splitlines()[-1][:150] if result.stderr.strip() else ""

    markers = [item.marker for _line, item in hostile.rows if item.marker]
    counts, found = inspect(data_dir, markers)
    refused = set(outcome.refused_lines)
    if outcome.file_refused:
        outcome.partial_writes = sum(counts.values())
    else:
        outcome.partial_writes = abs(counts["Contact"] - outcome.imported)
        outcome.partial_writes += sum(
            1 for line, item in hostile.rows if line in refused and item.marker and item.marker in found
        )
    outcome.unexpected = expected_difference(hostile, outcome)
    return outcome


def expected_difference(hostile: HostileFile, outcome: Outcome) -> str:
    if outcome.traceback:
        return "traceback"
    if hostile.refuse_file != outcome.file_refused:
        return "file refused" if outcome.file_refused else "file not refused"
    expected = sorted(line for line, item in hostile.rows if item.bad)
    if not hostile.refuse_file and expected != sorted(outcome.refused_lines):
        return f"refused lines {sorted(outcome.refused_lines)[:5]}, expected {expected[:5]}"
    if hostile.notes is not None and hostile.notes != outcome.warnings:
        return f"{outcome.warnings} notes, expected {hostile.notes}"
    return ""


def formula_round_trip(folder: Path, databases: Databases) -> tuple[int, int, int, int]:
    """(values that differ after export → import into a fresh folder, values compared, exported cells a
    spreadsheet would run, exported cells)."""
    hostile = render("formulas", formula_rows())
    source, target = folder / "source", folder / "target"
    folder.mkdir(parents=True)
    databases.prepare(source)
    databases.prepare(target)
    (folder / "in.csv").write_bytes(hostile.content)
    ctctdesk(source, "import-csv", str(folder / "in.csv"))
    ctctdesk(source, "export-csv", str(folder / "first.csv"))
    ctctdesk(target, "import-csv", str(folder / "first.csv"))
    ctctdesk(target, "export-csv", str(folder / "second.csv"))

    def table(name: str) -> list[list[str]]:
        with open(folder / name, encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))

    first = table("first.csv")
    cells = [cell for line in first for cell in line]
    running = sum(1 for cell in cells if cell.startswith(DANGEROUS_STARTS))
    before, after = snapshot(source), snapshot(target)
    changed = sum(1 for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    return changed, len(before), running, len(cells)


def snapshot(data_dir: Path) -> dict[tuple[str, str], str]:
    """(email, field) → value for every contact value, company value and custom field of a database."""
    from ctctdesk.app import build_context
    from ctctdesk.crm.models import Company, Contact, ContactField

    context = build_context(data_dir)
    try:
        values: dict[tuple[str, str], str] = {}
        for contact in Contact.select(Contact, Company).join(Company):
            for name in ("first_name", "last_name", "phone", "job_title"):
                values[(contact.email, name)] = getattr(contact, name)
            values[(contact.email, "company")] = contact.company.name
            values[(contact.email, "type")] = contact.company.type
        for email, name, value in (
            ContactField.select(Contact.email, ContactField.name, ContactField.value).join(Contact).tuples()
        ):
            values[(email, name)] = value
        return values
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="import into a throwaway PostgreSQL server")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ctctdesk-hostile-"))
    databases = Databases(args.postgres)
    outcomes: list[Outcome] = []
    try:
        print(f"database: {databases.label}; files and data folders in {work}")
        print(f"{'file':<58} {'refused':>8} {'imported':>8} {'notes':>5} {'partial':>7}  {'s':>5}  verdict")
        for index, hostile in enumerate(hostile_files()):
            outcome = run_case(hostile, work / f"case{index:02d}", databases)
            outcomes.append(outcome)
            refused = "file" if outcome.file_refused else f"{len(outcome.refused_lines):,}"
            verdict = outcome.unexpected or "as the rules say"
            print(f"{outcome.name:<58} {refused:>8} {outcome.imported:>8,} {outcome.warnings:>5} "
                  f"{outcome.partial_writes:>7}  {outcome.seconds:5.1f}  {verdict}")
            if outcome.file_refused and outcome.message:
                print(f"{'':<4}→ {outcome.message}")
        changed, compared, running, cells = formula_round_trip(work / "round-trip", databases)
    finally:
        databases.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"files: {len(outcomes)}, refused whole: {sum(o.file_refused for o in outcomes)}")
    print(f"rows refused: {sum(len(o.refused_lines) for o in outcomes):,}")
    print(f"rows imported: {sum(o.imported for o in outcomes):,}")
    print(f"notes (warnings): {sum(o.warnings for o in outcomes)}")
    print(f"partial writes: {sum(o.partial_writes for o in outcomes)} (goal 0)")
    print(f"tracebacks: {sum(o.traceback for o in outcomes)} (goal 0)")
    print(f"outcomes other than the rules say: {sum(bool(o.unexpected) for o in outcomes)} (goal 0)")
    print(f"formula round trip: {changed} of {compared} values changed (goal 0); "
          f"{running} of {cells} exported cells a spreadsheet would run (goal 0)")
    failed = sum(o.partial_writes for o in outcomes) + sum(bool(o.unexpected) for o in outcomes) + changed + running
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
