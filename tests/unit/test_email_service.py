"""The sync engine's email-service Protocol names calls the Constant Contact client really offers."""

from __future__ import annotations

import inspect

import pytest

from ctctdesk.ctct.client import CtctClient
from ctctdesk.sync.email_service import EmailService

_CALLS = sorted(
    name for name, member in vars(EmailService).items() if callable(member) and not name.startswith("_")
)


def test_the_protocol_names_the_calls_the_sync_makes():
    assert set(_CALLS) >= {"iter_lists", "contact_pages", "import_contacts", "add_list_memberships",
                           "remove_list_memberships", "delete_lists", "wait", "iter_custom_fields",
                           "account_summary", "cancelled_by"}


@pytest.mark.parametrize("name", _CALLS)
def test_ctct_client_accepts_every_call_as_the_protocol_writes_it(name):
    """Each parameter of the Protocol exists on the client with the same kind, and every extra parameter
    of the client has a default, so a call written against the Protocol works on the client."""
    wanted = inspect.signature(getattr(EmailService, name)).parameters
    offered = inspect.signature(getattr(CtctClient, name)).parameters
    for parameter in wanted.values():
        assert parameter.name in offered, f"CtctClient.{name} lacks {parameter.name}"
        assert offered[parameter.name].kind == parameter.kind, f"CtctClient.{name}({parameter.name})"
        if parameter.default is not inspect.Parameter.empty:
            assert offered[parameter.name].default is not inspect.Parameter.empty
    for extra in offered.keys() - wanted.keys():
        assert offered[extra].default is not inspect.Parameter.empty, f"CtctClient.{name} needs {extra}"
