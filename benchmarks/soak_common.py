"""What the soak campaigns share: a keyring session, a sandbox started with `ctctdesk sandbox`, a desk
connected to it, random edits on both sides, `ctctdesk sync` as a real subprocess, and the checks.

The desk keeps its sign-in in the system keyring only, so a script that runs `ctctdesk sync` as a
separate process needs a real one: the campaign re-runs itself inside a private D-Bus session with
gnome-keyring unlocked in a temporary home (see the architecture notes), and nothing leaves it.

What is checked after the campaign converged:
- duplicates: two CRM contacts, or two Constant Contact contacts, with one email; two lists of one name;
- re-subscribes: a contact unsubscribed in Constant Contact who is subscribed again, or is in a list
  it was not in right after unsubscribing (the sandbox may or may not empty its lists on unsubscribe);
- lost edits: the last job title written in the CRM, or the last first name written in Constant
  Contact, that is not what both sides show at the end (the two sides edit different fields, so no
  edit is a conflict and every one must survive).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
INSIDE = "CTCTDESK_SOAK_INSIDE"


def run_inside_keyring_session() -> None:
    """Re-run this script inside a private D-Bus session with an unlocked gnome-keyring (once)."""
    if os.environ.get(INSIDE):
        return
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(tool)]
    if missing:
        sys.exit(f"needs a Secret Service for the desk's sign-in: install {', '.join(missing)}")
    home = Path(tempfile.mkdtemp(prefix="ctctdesk-soak-home-"))
    (home / "run").mkdir(mode=0o700)
    command = " ".join(_quote(part) for part in [sys.executable, *sys.argv])
    shell = ('eval "$(echo -n soak | gnome-keyring-daemon --unlock --components=secrets '
             "| sed 's/^/export /')\" && exec " + command)
    env = {**os.environ, INSIDE: "1", "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_RUNTIME_DIR": str(home / "run"),
           "PYTHONPATH": str(ROOT)}
    try:
        code = subprocess.call(["dbus-run-session", "--", "bash", "-c", shell], env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    sys.exit(code)


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ctctdesk_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ctctdesk", *args]


@dataclass
class Sandbox:
    """`ctctdesk sandbox` on 127.0.0.1 in a subprocess, and its control interface."""

    process: subprocess.Popen
    url: str

    @classmethod
    def start(cls, folder: Path, activity_delay: float = 0.3) -> Sandbox:
        port = _free_port()
        process = subprocess.Popen(
            ctctdesk_command("--data-dir", str(folder / "sandbox"), "sandbox", "--port", str(port),
                             "--daily-limit", "0", "--no-rate-limit", "--activity-delay", str(activity_delay)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_child_env())
        sandbox = cls(process, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(sandbox.url + "/_sandbox/clock", timeout=1).ok:
                    return sandbox
            except requests.ConnectionError:
                pass  # not listening yet
            if process.poll() is not None:
                break
            time.sleep(0.1)
        process.kill()
        raise SystemExit("the sandbox did not start")

    def control(self, path: str, body: Any = None, method: str = "POST") -> Any:
        answer = requests.request(method, f"{self.url}/_sandbox/{path}", json=body or {}, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def token(self) -> dict[str, Any]:
        return self.control("tokens", {"scopes": "contact_data account_read offline_access"})

    def contacts(self) -> list[dict[str, Any]]:
        """Every Constant Contact contact, with list memberships (through the API, like the desk)."""
        headers = {"Authorization": f"Bearer {self.token()['access_token']}"}
        found: list[dict[str, Any]] = []
        url: str | None = f"{self.url}/v3/contacts"
        params: dict[str, Any] | None = {"limit": 500, "status": "all", "include": "list_memberships"}
        while url:
            answer = requests.get(url, params=params, headers=headers, timeout=30)
            answer.raise_for_status()
            data = answer.json()
            found.extend(data.get("contacts", []))
            href = (data.get("_links") or {}).get("next", {}).get("href")
            url, params = (self.url + href if href else None), None
        return [c for c in found if not c.get("deleted_at")]

    def list_names(self) -> list[str]:
        headers = {"Authorization": f"Bearer {self.token()['access_token']}"}
        data = requests.get(f"{self.url}/v3/contact_lists", params={"limit": 1000}, headers=headers,
                            timeout=30).json()
        return [item["name"] for item in data.get("lists", [])]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}


@dataclass
class Desk:
    """A data folder with a CRM and a sign-in to the sandbox, synced by `ctctdesk sync` subprocesses."""

    folder: Path
    sandbox: Sandbox
    emails: list[str] = field(default_factory=list)
    crm_titles: dict[str, str] = field(default_factory=dict)  # the last job title written in the CRM
    cc_names: dict[str, str] = field(default_factory=dict)  # the last first name written in CC
    unsubscribed: dict[str, set[str]] = field(default_factory=dict)  # email → its lists right after

    @classmethod
    def create(cls, folder: Path, sandbox: Sandbox, contacts: int, rng: random.Random) -> Desk:
        """A CRM of `contacts` people in three lists, connected; the first push is left to the campaign."""
        import ctctdesk.sync.store  # noqa: F401 - registers the sync tables before the database opens
        from ctctdesk.crm import contacts as crm_contacts
        from ctctdesk.crm import db, lists
        from ctctdesk.ctct.connection import Connection
        from ctctdesk.ctct.tokens import TokenSet

        desk = cls(folder, sandbox)
        db.open_database(db.database_url_for(folder))
        try:
            names = [lists.create_list(name).id for name in ("Newsletter", "Events", "Offers")]
            for i in range(contacts):
                company = crm_contacts.find_or_create_company(f"Firm {i % 25}")
                email = f"person{i}@firm{i % 25}.example"
                person = crm_contacts.create_contact(company.id, first_name=f"First{i}",
                                                     last_name=f"Last{i}", email=email)
                desk.emails.append(email)
                for list_id in rng.sample(names, rng.randint(1, 2)):
                    lists.add_members(list_id, [person.id])
        finally:
            db.close_database()
        connection = Connection.open(folder, sandbox.url)
        issued = sandbox.token()
        connection._connected(TokenSet(issued["access_token"], issued.get("refresh_token"),  # noqa: SLF001
                                       time.time() + 86_400, tuple(issued.get("scope", "").split())))
        return desk

    # -- edits on both sides, between runs ----------------------------------------------------------
    def edit_both_sides(self, rng: random.Random, round_no: int, edits: int = 4) -> None:
        import ctctdesk.sync.store  # noqa: F401
        from ctctdesk.crm import contacts as crm_contacts
        from ctctdesk.crm import db

        db.open_database(db.database_url_for(self.folder))
        try:
            for email in rng.sample(self.emails, edits):
                contact = crm_contacts.find_contact_by_email(email)
                if contact is not None:
                    title = f"Title r{round_no} {rng.randrange(10_000)}"
                    crm_contacts.update_contact(contact.id, job_title=title)
                    self.crm_titles[email] = title
        finally:
            db.close_database()
        for email in rng.sample(self.emails, edits):
            name = f"Name r{round_no} {rng.randrange(10_000)}"
            try:
                self.sandbox.control("owner/update_contact", {"email": email, "first_name": name})
            except requests.HTTPError:
                continue  # not pushed yet: nobody can edit it in Constant Contact
            self.cc_names[email] = name
        if rng.random() < 0.5:
            email = rng.choice(self.emails)
            try:
                after = self.sandbox.control("unsubscribe", {"email": email})
                self.unsubscribed.setdefault(email, set(after.get("list_memberships") or ()))
            except requests.HTTPError:
                pass  # not in Constant Contact yet

    # -- runs ---------------------------------------------------------------------------------------
    def sync(self, *extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            ctctdesk_command("sync", "--data-dir", str(self.folder), "--sandbox", self.sandbox.url,
                             "--both", "--force", *extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_child_env())

    def converged(self) -> bool:
        """True when a dry run plans nothing either way."""
        for direction in ("--from-cc", "--to-cc"):
            done = subprocess.run(
                ctctdesk_command("sync", "--data-dir", str(self.folder), "--sandbox", self.sandbox.url,
                                 direction, "--dry-run", "--json"),
                capture_output=True, text=True, env=_child_env(), timeout=300)
            if done.returncode != 0:
                return False
            plan = json.loads(done.stdout)
            if plan.get("changes"):
                return False
        return True

    def run_until_converged(self, most: int = 8) -> int | None:
        """Full runs until nothing is left to do; the number of runs, or None if it never converged."""
        for runs in range(1, most + 1):
            process = self.sync()
            out, err = process.communicate(timeout=600)
            if os.environ.get("CTCTDESK_SOAK_VERBOSE"):
                print(out, err[-2000:])
            if self.converged():
                return runs
        return None

    # -- checks -------------------------------------------------------------------------------------
    def findings(self) -> dict[str, int]:
        import ctctdesk.sync.store  # noqa: F401
        from ctctdesk.crm import db
        from ctctdesk.crm.models import Contact

        cc = self.sandbox.contacts()
        cc_by_email = {c["email_address"]["address"].lower(): c for c in cc}
        duplicates = sum(n - 1 for n in Counter(c["email_address"]["address"].lower() for c in cc).values())
        duplicates += sum(n - 1 for n in Counter(self.sandbox.list_names()).values())
        db.open_database(db.database_url_for(self.folder))
        try:
            local = {row.email.lower(): row for row in Contact.select()}
            duplicates += sum(n - 1 for n in Counter(row.email.lower() for row in Contact.select()).values())
        finally:
            db.close_database()
        resubscribed = [
            email for email, lists_then in sorted(self.unsubscribed.items())
            if email in cc_by_email and (
                cc_by_email[email]["email_address"].get("permission_to_send") != "unsubscribed"
                or set(cc_by_email[email].get("list_memberships") or ()) - lists_then)
        ]
        for email in resubscribed:
            print(f"  re-subscribed or re-added: {email}: {cc_by_email[email]['email_address']} "
                  f"lists {cc_by_email[email].get('list_memberships')}")
        resubscribes = len(resubscribed)
        lost = 0
        for email, title in self.crm_titles.items():
            sent = email in cc_by_email and email not in self.unsubscribed  # never sent again once out
            crm_value = local[email].job_title if email in local else None
            cc_value = cc_by_email[email].get("job_title") if sent else title
            if crm_value != title or cc_value != title:
                lost += 1
                print(f"  lost CRM edit: {email} job title {title!r}; CRM {crm_value!r}, CC {cc_value!r}")
        for email, name in self.cc_names.items():
            crm_value = local[email].first_name if email in local else None
            cc_value = cc_by_email[email].get("first_name") if email in cc_by_email else None
            if crm_value != name or cc_value != name:
                lost += 1
                print(f"  lost CC edit: {email} first name {name!r}; CRM {crm_value!r}, CC {cc_value!r}")
        return {"duplicates": duplicates, "re-subscribes": resubscribes, "lost edits": lost}
