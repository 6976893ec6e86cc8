"""Demo mode (X3): the built-in Constant Contact sandbox with sample data on both sides, connected.

`run_demo_gui(args)` is what `ctctdesk --demo` runs: the normal window over a demo session.
`start_demo()` makes a fresh temporary data folder with the sample CRM, starts the sandbox in this
process, fills it with an account that partly overlaps the CRM, and connects to it through the normal
device-authorization flow (the sandbox approves the code itself). The window then works like a real
installation; `Demo.stop()` stops the sandbox when the window closes.

This is the only module (besides the tests) that imports the sandbox, so the product never depends on
its emulator.

Choices worth knowing:
* The sandbox keeps Constant Contact's real rate limits (4 requests/s, 10,000 a day) and lets bulk
  activities take about a second, so the demo shows the real pacing, the request counts and the
  "waiting for Constant Contact" phase. The sample data is small (hundreds of contacts), and ctctdesk
  works in bulk (R12), so every run still finishes in seconds. The connection waits on the real clock
  (tests pass a fake one); every one of those waits ends as soon as Cancel is pressed.
* Tokens stay in memory (`DemoTokenStore`), not in the system keyring: the data folder is temporary and
  the sandbox's tokens die with it, so nothing would be worth keeping — and a demo must not leave
  entries in the user's keyring.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctctdesk.ctct.tokens import TokenSet, TokenStore

if TYPE_CHECKING:
    import argparse

    from ctctdesk.app import AppContext, GuiSession
    from ctctdesk.ctct.connection import Connection
    from ctctdesk.ctct.timing import Clock
    from ctctdesk.sandbox.server import SandboxConfig, SandboxServer

log = logging.getLogger(__name__)

DEMO_CRM_CONTACTS = 600
DEMO_CRM_SEED = 7
#: The CRM list that also exists in the sandbox account (matched by name on the first sync).
SHARED_LIST = "Monthly Newsletter"
SHARED_PEOPLE = 24
CC_ONLY_PEOPLE = 36
DEMO_NOTE = ("Demo mode: a built-in Constant Contact sandbox with sample data on both sides, in a temporary "
             "data folder; the sign-in is kept in memory only. The initial activation runs at start — then "
             "preview either direction and run it.")


class DemoTokenStore(TokenStore):
    """Tokens in memory for the demo's sandbox account (see the module docstring for why)."""

    def __init__(self) -> None:
        super().__init__("ctctdesk-demo")
        self._entries: dict[str, TokenSet] = {}
        self._memory_lock = threading.Lock()

    def check_available(self) -> None:
        return None  # memory is always there

    def load(self, profile: str) -> TokenSet | None:
        with self._memory_lock:
            return self._entries.get(profile)

    def save(self, profile: str, tokens: TokenSet) -> None:
        with self._memory_lock:
            self._entries[profile] = tokens

    def delete(self, profile: str) -> None:
        with self._memory_lock:
            self._entries.pop(profile, None)


@dataclass
class Demo:
    """A running demo: its data folder, context (connected), sandbox and connection."""

    data_dir: Path
    context: AppContext
    sandbox: SandboxServer
    connection: Connection
    facts: dict[str, Any] = field(default_factory=dict)
    owns_data_dir: bool = False  # a temporary folder made for this demo, removed by stop()

    def stop(self) -> None:
        """Stop the sandbox and remove the temporary data folder (the window has closed; the context was
        closed by its owner first)."""
        self.sandbox.stop()
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def run_demo_gui(args: argparse.Namespace) -> int:
    """`ctctdesk --demo [--service campaign-monitor]`: the main window over a fresh demo; the initial
    activation starts once it shows."""
    from ctctdesk.app import run_gui

    return run_gui(args, open_session=open_demo_session)


def open_demo_session(args: argparse.Namespace) -> GuiSession:
    """A started demo as the window's session: it stops (sandbox, temporary folder) after the window."""
    from ctctdesk.app import GuiSession
    from ctctdesk.email_services import CAMPAIGN_MONITOR, display_name

    service = getattr(args, "demo_service", None) or "constant-contact"
    demo = start_cmon_demo() if service == CAMPAIGN_MONITOR else start_demo()

    def after_show(window: Any) -> None:
        print(f"Demo: {display_name(service)} sandbox at {demo.sandbox.base_url}, data folder {demo.data_dir}")
        window.sync_tab.start_activation()

    return GuiSession(demo.data_dir, demo.context, after_show=after_show, after_close=demo.stop)


def demo_sandbox_config() -> SandboxConfig:
    from ctctdesk.sandbox.server import SandboxConfig

    return SandboxConfig(rate_limit_per_second=4.0, daily_limit=10_000, activity_delay=1.0)


def start_demo(data_dir: Path | None = None, *, sandbox_config: SandboxConfig | None = None,
               crm_contacts: int = DEMO_CRM_CONTACTS, clock: Clock | None = None) -> Demo:  # fmt: skip
    """Sample CRM + seeded sandbox + connection, ready for `build_window(data_dir, context=demo.context)`.

    `clock` paces the connection's waits (default: the real clock, which shows the real rate limits).
    """
    from ctctdesk.app import attach_connection, build_context
    from ctctdesk.crm.demo_data import generate
    from ctctdesk.ctct.connection import Connection
    from ctctdesk.ctct.endpoints import ConnectionSettings
    from ctctdesk.sandbox.server import SandboxServer

    owns_data_dir = data_dir is None
    data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="ctctdesk-demo-"))
    context = build_context(data_dir, demo=True)
    try:
        generate(contacts=crm_contacts, seed=DEMO_CRM_SEED)
        sandbox = SandboxServer(sandbox_config or demo_sandbox_config()).start()
    except BaseException:
        context.close()
        raise
    try:
        facts = seed_sandbox(sandbox)
        settings = ConnectionSettings.for_sandbox(sandbox.base_url)
        connection = Connection(data_dir, settings=settings, token_store=DemoTokenStore(), clock=clock)
        connect_automatically(connection, sandbox)
    except BaseException:
        sandbox.stop()
        context.close()
        raise
    attach_connection(context, connection)  # replaces the data folder's own: this one talks to the sandbox
    context.extras["demo_note"] = DEMO_NOTE
    log.info("Demo started: sandbox at %s, data folder %s", sandbox.base_url, data_dir)
    return Demo(data_dir, context, sandbox, connection, facts, owns_data_dir)


CMON_DEMO_NOTE = ("Demo mode: a built-in Campaign Monitor emulator with sample data on both sides, in a "
                  "temporary data folder; the API key is kept in memory only. The initial activation runs "
                  "at start — then preview either direction and run it.")
CMON_ONLY_PEOPLE = 30


def start_cmon_demo(data_dir: Path | None = None, *, crm_contacts: int = DEMO_CRM_CONTACTS,
                    clock: Clock | None = None, emulator_config: Any = None) -> Demo:  # fmt: skip
    """The demo with Campaign Monitor as the email service (`ctctdesk --demo --service campaign-monitor`).

    The emulator starts in this process with the sample account (a client holding a list shared with the
    CRM, and lists and people only it has); the API key comes from its control interface
    (``GET /_sandbox/api_key``), as a script would fetch it, and the connection connects with it and
    chooses the only client — no browser, no question. `emulator_config` (a `CmonConfig`) defaults to
    the emulator's own, with its assumed request rate (see its NOTES.md).
    """
    import requests

    from ctctdesk.app import attach_connection, build_context, campaign_monitor_service
    from ctctdesk.cmon.connection import CmonConnection, CmonSettings
    from ctctdesk.crm.demo_data import generate
    from ctctdesk.email_services import CAMPAIGN_MONITOR, SETTING, ActiveConnection
    from ctctdesk.sandbox.cmon.server import CmonConfig, CmonServer

    owns_data_dir = data_dir is None
    data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="ctctdesk-demo-"))
    context = build_context(data_dir, demo=True)
    try:
        generate(contacts=crm_contacts, seed=DEMO_CRM_SEED)
        server = CmonServer(emulator_config or CmonConfig(client_names=("Demo Office",))).start()
    except BaseException:
        context.close()
        raise
    try:
        facts = seed_cmon_emulator(server)
        answer = requests.get(f"{server.base_url}/_sandbox/api_key", timeout=10)
        answer.raise_for_status()
        connection = CmonConnection(data_dir, settings=CmonSettings.for_sandbox(server.base_url),
                                    token_store=DemoTokenStore(), clock=clock,
                                    service_factory=campaign_monitor_service)  # fmt: skip
        connection.connect_api_key(answer.json()["api_key"])  # one client: chosen by itself
        context.settings.set(SETTING, CAMPAIGN_MONITOR)  # the temporary folder's email service
    except BaseException:
        server.stop()
        context.close()
        raise
    attach_connection(context, ActiveConnection(CAMPAIGN_MONITOR, connection))
    context.extras["demo_note"] = CMON_DEMO_NOTE
    log.info("Demo started: Campaign Monitor emulator at %s, data folder %s", server.base_url, data_dir)
    return Demo(data_dir, context, server, connection, facts, owns_data_dir)  # type: ignore[arg-type]


def seed_cmon_emulator(server: Any) -> dict[str, Any]:
    """The emulator's sample client: the CRM's shared list with some of its people (a few edited or
    unsubscribed in Campaign Monitor since), plus lists and people only Campaign Monitor has."""
    from ctctdesk.sandbox.cmon.seed import seed

    state = server.state
    people = _crm_people(SHARED_PEOPLE)
    changed: list[str] = []
    unsubscribed: list[str] = []
    with state.lock:
        client_id = next(iter(state.clients))
        shared = state.create_list(client_id, SHARED_LIST)
        webinar = state.create_list(client_id, "Spring Webinar")
        for index, person in enumerate(people):
            body = {"EmailAddress": person["email"], "Name": f"{person['first_name']} {person['last_name']}"}
            state.add_or_update(shared, body, resubscribe=False)
            if index % 3 == 0:
                state.add_or_update(webinar, body, resubscribe=False)
            if index % 8 == 1:  # renamed in Campaign Monitor since: the pull brings the new name
                state.add_or_update(shared, {**body, "Name": f"{person['first_name']} {person['last_name']}-Ray"},
                                    resubscribe=False)
                changed.append(person["email"])
            if index % 11 == 5:  # unsubscribed through a campaign footer (R3)
                state.unsubscribe(shared, person["email"])
                unsubscribed.append(person["email"])
    only_cm = seed(state, subscribers=CMON_ONLY_PEOPLE, lists=2, seed_value=11)
    return {"shared_list": SHARED_LIST, "shared_people": [p["email"] for p in people],
            "changed_in_cm": changed, "unsubscribed_in_cm": unsubscribed, "cm_only": only_cm}


def connect_automatically(connection: Connection, sandbox: SandboxServer) -> None:
    """Connect through the normal device flow; the sandbox approves the code as its demo user would."""

    def approve(device: Any) -> None:
        sandbox.oauth.approve_device(device.user_code)

    connection.connect_device(approve, sleep=lambda _seconds: None)


def _crm_people(limit: int) -> list[dict[str, str]]:
    """Eligible members of the shared CRM list: the people both sides will know."""
    from ctctdesk.crm.models import Company, Contact, EmailList, Membership

    query = (Contact.select(Contact.email, Contact.first_name, Contact.last_name, Contact.job_title,
                            Company.name.alias("company"))
             .join(Company).switch(Contact).join(Membership).join(EmailList)
             .where((EmailList.name == SHARED_LIST) & Contact.ineligible_reason.is_null())
             .order_by(Contact.id).limit(limit).dicts())
    return list(query)


def seed_sandbox(sandbox: SandboxServer) -> dict[str, Any]:
    """The sandbox account: some people and a list shared with the CRM (with a few differences), plus
    lists and people only Constant Contact has. Returns what was seeded, for the README and tests."""
    from ctctdesk.sandbox.seed import seed

    state = sandbox.state
    people = _crm_people(SHARED_PEOPLE)
    changed: list[str] = []
    unsubscribed: list[str] = []
    with state.lock:
        shared = state.create_list(SHARED_LIST)["list_id"]
        webinar = state.create_list("Spring Webinar")["list_id"]
        default = state.list_by_name("General Interest")
        for index, person in enumerate(people):
            contact = state.new_contact(person["email"], "Account")
            contact.first_name = person["first_name"]
            contact.last_name = person["last_name"]
            contact.job_title = person["job_title"]
            contact.company_name = person["company"]
            state.add_membership(contact, shared)
            if index % 3 == 0:
                state.add_membership(contact, webinar)
            if index % 8 == 1:  # edited in Constant Contact since: the pull brings the new title
                contact.job_title = "Head of Purchasing"
                changed.append(person["email"])
            if index % 11 == 5:  # unsubscribed through a campaign footer (R3)
                state.unsubscribe(contact, source="Contact", reason="Too many emails")
                unsubscribed.append(person["email"])
            if default is not None and index % 4 == 0:
                state.add_membership(contact, default["list_id"])
    only_cc = seed(state, contacts=CC_ONLY_PEOPLE, lists=2, seed_value=11)
    return {"shared_list": SHARED_LIST, "shared_people": [p["email"] for p in people],
            "changed_in_cc": changed, "unsubscribed_in_cc": unsubscribed, "cc_only": only_cc}
