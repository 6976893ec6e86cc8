"""Each email service's limits on what a mapping sends (R11, R15), as the planner, the field mapping page
and ``ctctdesk mapping show`` state and respect them.

``None`` means the service publishes no such limit: nothing is held back for it and nothing is claimed
about it (an artificial ceiling would refuse mappings the service itself accepts). A service object may
give its own through a ``limits`` property (see `ctctdesk.sync.email_service`); otherwise they are
looked up here by the service's display name, so the window and the command line can state them
without a connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctctdesk import email_services


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    service: str  # what people call the service ("Campaign Monitor"), named with the numbers
    custom_fields_per_account: int | None = None
    custom_fields_per_contact: int | None = None
    custom_field_label_length: int | None = None
    custom_field_value_length: int | None = None
    tags_per_account: int | None = None
    tags_per_contact: int | None = None
    lists_per_account: int | None = None
    #: What the service leaves unsaid, in a sentence (shown with the counts so nobody guesses a number).
    unpublished: str = ""


#: Constant Contact's documented limits (V3 spec and developer guide). The same numbers as its client's
#: `ctctdesk.ctct.limits` (a test keeps them equal): the planner, which imports this module, may not
#: import the client.
CONSTANT_CONTACT = ServiceLimits(
    service=email_services.DISPLAY_NAMES[email_services.CONSTANT_CONTACT],
    custom_fields_per_account=100,
    custom_fields_per_contact=25,
    custom_field_label_length=50,
    custom_field_value_length=255,
    tags_per_account=500,
    tags_per_contact=50,
    lists_per_account=1000,
)

#: Campaign Monitor's: the API reference documents only that a custom field's value holds at most 250
#: characters (Subscribers page, "CustomFields"). It publishes no number of custom fields per list or
#: subscriber, no length of a field name, no number of lists, and has no tags (ctctdesk carries them as
#: a list field's options), so none of those is limited here.
CAMPAIGN_MONITOR = ServiceLimits(
    service=email_services.DISPLAY_NAMES[email_services.CAMPAIGN_MONITOR],
    custom_field_value_length=250,
    unpublished=("Campaign Monitor publishes no limit on the number of custom fields, the length of a "
                 "field name, tags or lists; ctctdesk sets none."),
)

BY_NAME = {limits.service: limits for limits in (CONSTANT_CONTACT, CAMPAIGN_MONITOR)}


def for_name(name: str) -> ServiceLimits:
    """The limits of the service people call ``name``; Constant Contact's for a name not known here."""
    return BY_NAME.get(name, CONSTANT_CONTACT)


def of(source: object) -> ServiceLimits:
    """The limits of the service `source` is or talks to: its own ``limits`` when it gives them, else by
    its name (`email_services.name_in_use`)."""
    own = getattr(source, "limits", None)
    if isinstance(own, ServiceLimits):
        return own
    return for_name(email_services.name_in_use(source))
