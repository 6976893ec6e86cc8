"""Plays the person in the browser: drives the sandbox's sign-in and consent pages over HTTP."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests

from ctctdesk.sandbox.oauth import DEMO_PASSWORD, DEMO_USERNAME


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name} in page:\n{page[:2000]}"
    return match.group(1)


def _action(page: str, base: str) -> str:
    match = re.search(r'<form method="post" action="([^"]*)"', page)
    assert match, f"no form in page:\n{page[:2000]}"
    return urljoin(base, match.group(1))


def approve_in_browser(authorize_url: str, *, decision: str = "allow", follow_redirect: bool = True,
                       tamper_state: str | None = None) -> requests.Response:
    """Open the authorize URL, sign in, press Allow Access (or Deny); return the redirect's answer.

    With `follow_redirect=False` the 302 to the loopback address is returned unfollowed, so a test can
    read the code. `tamper_state` replaces the state in the redirect, as a forged answer would.
    """
    browser = requests.Session()
    sign_in = browser.get(authorize_url, timeout=10)
    assert sign_in.status_code == 200, sign_in.text
    action = _action(sign_in.text, sign_in.url)
    consent = browser.post(action, data={"transaction": _hidden(sign_in.text, "transaction"), "step": "signin",
                                         "username": DEMO_USERNAME, "password": DEMO_PASSWORD}, timeout=10)
    assert consent.status_code == 200, consent.text
    decided = browser.post(_action(consent.text, consent.url),
                           data={"transaction": _hidden(consent.text, "transaction"), "step": "consent",
                                 "decision": decision}, allow_redirects=False, timeout=10)
    assert decided.status_code in (302, 303), decided.text
    location = decided.headers["Location"]
    if tamper_state is not None:
        location = re.sub(r"state=[^&]*", f"state={tamper_state}", location)
    if not follow_redirect:
        return decided
    return browser.get(location, timeout=10)


def approve_device(verification_uri: str, user_code: str, decision: str = "allow") -> requests.Response:
    """On 'another device': open the verification page, enter the code, sign in, allow (or deny)."""
    browser = requests.Session()
    entry = browser.get(verification_uri, timeout=10)
    if entry.status_code == 404:
        # The same page is served under the authorization server's prefix; used while the sandbox's
        # HTTP server does not route the short verification address yet.
        root = verification_uri.rsplit("/", 1)[0]
        entry = browser.get(f"{root}/oauth2/default/v1/device", timeout=10)
    assert entry.status_code == 200, entry.text
    consent = browser.post(_action(entry.text, entry.url),
                           data={"step": "signin", "user_code": user_code, "username": DEMO_USERNAME,
                                 "password": DEMO_PASSWORD}, timeout=10)
    assert consent.status_code == 200, consent.text
    return browser.post(_action(consent.text, consent.url),
                        data={"transaction": _hidden(consent.text, "transaction"), "step": "consent",
                              "decision": decision}, timeout=10)
