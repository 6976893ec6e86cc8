"""The CRM sub-commands as a script or scheduled job would run them (real process, real data folder)."""

import subprocess
import sys

from tests.conftest import REPO_ROOT


def ctctdesk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ctctdesk", *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )


def test_demo_data_export_import_round_trip(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    result = ctctdesk("--data-dir", str(source), "demo-data", "--contacts", "120", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "120 contacts" in result.stdout
    again = ctctdesk("demo-data", "--data-dir", str(source))
    assert again.returncode == 1 and "already has contacts" in again.stderr

    exported = tmp_path / "all.csv"
    result = ctctdesk("--data-dir", str(source), "export-csv", str(exported))
    assert result.returncode == 0 and "Exported 120 contacts" in result.stdout
    result = ctctdesk("--data-dir", str(target), "import-csv", str(exported))
    assert result.returncode == 0, result.stderr
    assert "120 contacts added, 0 updated" in result.stdout
    assert "is not a valid email address" in result.stderr  # the sample data has a few on purpose
    second = tmp_path / "again.csv"
    ctctdesk("--data-dir", str(target), "export-csv", str(second))
    assert sorted(second.read_text(encoding="utf-8-sig").splitlines()) == sorted(
        exported.read_text(encoding="utf-8-sig").splitlines()
    )


def test_import_reports_bad_rows_and_refuses_non_csv(tmp_path):
    data_dir = str(tmp_path / "data")
    bad = tmp_path / "bad.csv"
    bad.write_text("company,type,email\nAcme,customer,ann@acme.com\nBolt,supplier,bo@bolt.com\n")
    result = ctctdesk("--data-dir", data_dir, "import-csv", str(bad))
    assert result.returncode == 2
    assert "bad.csv: not imported: line 3: type must be customer or prospect, not 'supplier'" in result.stderr
    assert "1 contacts added" in result.stdout

    picture = tmp_path / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = ctctdesk("--data-dir", data_dir, "import-csv", str(picture))
    assert result.returncode == 1
    assert "photo.csv is not a CSV file" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_lists_every_remark_in_the_order_of_the_file(tmp_path):
    data_dir = str(tmp_path / "data")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        "company,type,first_name,email\n"
        "Acme,customer,Ann,ann@acme.com\n"
        "Acme,prospect,Bo,bo@acme.com\n"
        "Acme,customer,Annie,ann@acme.com\n"
        "Acme,,Cy,cy@acme.com\x00\n"
    )
    result = ctctdesk("--data-dir", data_dir, "import-csv", str(mixed))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "mixed.csv: warning: line 3: company “Acme” stays a customer as on line 2; "
        "the type prospect on this row was not applied",
        "mixed.csv: not imported: line 4: ann@acme.com is already on line 2 of this file; "
        "only the first row with an email address is imported",
        "mixed.csv: not imported: line 5: the row contains a NUL character (binary data)",
    ]
    assert "2 contacts added, 0 updated, 2 rows not imported, 1 warning" in result.stdout
