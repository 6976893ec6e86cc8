"""The wire client of ``ctctdesk.cmon`` as the adapter's `CmonWire`: its typed answers back into the
API's JSON shapes the adapter reads, its error family into `WireError`.

Kept apart so the adapter and its fake in the tests speak one shape; what the typed client does (pacing,
retries, the 210 partial import read as a result, Cancel) stays its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ctctdesk.cmon import errors as cm
from ctctdesk.cmon.client import CmonClient, FieldValue, Rule, RuleGroup, SubscriberData
from ctctdesk.ctct.errors import RequestCancelled
from ctctdesk.sync.campaign_monitor.wire import PAGE_SIZE, WireError

UNSUBSCRIBE_SETTING = "AllClientLists"  # one unsubscribe leaves every list of the client (R3)


@contextlib.contextmanager
def _wire_errors() -> Iterator[None]:
    try:
        yield
    except cm.RequestCancelled as error:
        raise RequestCancelled(str(error)) from error  # the engine's Cancel path (sync.waits)
    except cm.NotFound as error:
        raise WireError(404, error.code or 0, str(error)) from error
    except cm.InvalidRequest as error:
        raise WireError(error.status or 400, error.code or 0, str(error), error.result_data) from error
    except cm.AuthFailed as error:
        raise WireError(401, error.code or 0, str(error)) from error
    except cm.CmonError as error:
        raise WireError(error.status or 0, error.code or 0, str(error)) from error


def _date(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _data(body: Mapping[str, Any]) -> SubscriberData:
    fields = tuple(FieldValue(str(f["Key"]), str(f.get("Value") or ""), bool(f.get("Clear")))
                   for f in body.get("CustomFields") or ())  # fmt: skip
    return SubscriberData(str(body["EmailAddress"]), body.get("Name"), fields,
                          str(body.get("ConsentToTrack") or "Unchanged"))  # fmt: skip


class ClientWire:
    """`CmonWire` over a `CmonClient`."""

    def __init__(self, client: CmonClient) -> None:
        self.client = client

    @property
    def requests_sent(self) -> int:
        return self.client.requests_sent

    def cancelled_by(self, cancel: threading.Event | None) -> contextlib.AbstractContextManager[None]:
        return self.client.transport.cancelled_by(cancel)

    def client_details(self, client_id: str) -> Mapping[str, Any]:
        with _wire_errors():
            details = self.client.client_details(client_id)
        return {"BasicDetails": {"ClientID": details.client_id, "CompanyName": details.name,
                                 "TimeZone": details.time_zone}}

    def lists(self, client_id: str) -> Sequence[Mapping[str, Any]]:
        with _wire_errors():
            return [{"ListID": x.list_id, "Name": x.name} for x in self.client.lists(client_id)]

    def lists_for_email(self, client_id: str, email: str) -> Sequence[Mapping[str, Any]]:
        with _wire_errors():
            return [{"ListID": x.list_id, "ListName": x.list_name, "SubscriberState": x.state}
                    for x in self.client.lists_for_email(client_id, email)]  # fmt: skip

    def list_stats(self, list_id: str) -> Mapping[str, Any]:
        with _wire_errors():
            return {"TotalActiveSubscribers": self.client.list_stats(list_id).total_active}

    def create_list(self, client_id: str, title: str) -> str:
        with _wire_errors():
            return self.client.create_list(client_id, title, unsubscribe_setting=UNSUBSCRIBE_SETTING)

    def update_list(self, list_id: str, title: str) -> None:
        with _wire_errors():
            current = self.client.list_details(list_id)
            self.client.update_list(list_id, title, unsubscribe_setting=current.unsubscribe_setting,
                                    confirmed_opt_in=current.confirmed_opt_in,
                                    unsubscribe_page=current.unsubscribe_page,
                                    confirmation_success_page=current.confirmation_success_page)  # fmt: skip

    def delete_list(self, list_id: str) -> None:
        with _wire_errors():
            self.client.delete_list(list_id)

    def custom_fields(self, list_id: str) -> Sequence[Mapping[str, Any]]:
        with _wire_errors():
            return [{"FieldName": f.field_name, "Key": f.key, "DataType": f.data_type, "FieldOptions": list(f.options)}
                    for f in self.client.custom_fields(list_id)]  # fmt: skip

    def create_custom_field(self, list_id: str, name: str, data_type: str, options: Sequence[str] = ()) -> str:
        with _wire_errors():
            return self.client.create_custom_field(list_id, name, data_type, options)

    def update_field_options(self, list_id: str, key: str, options: Sequence[str]) -> None:
        with _wire_errors():
            self.client.update_custom_field_options(list_id, key, options, keep_existing=True)

    def replace_field_options(self, list_id: str, key: str, options: Sequence[str]) -> None:
        with _wire_errors():
            self.client.update_custom_field_options(list_id, key, options, keep_existing=False)

    def delete_segment(self, segment_id: str) -> None:
        with _wire_errors():
            self.client.delete_segment(segment_id)

    def segments(self, list_id: str) -> Sequence[Mapping[str, Any]]:
        with _wire_errors():
            return [{"SegmentID": s.segment_id, "Title": s.title} for s in self.client.segments(list_id)]

    def create_segment(self, list_id: str, title: str, rule_groups: Sequence[Mapping[str, Any]]) -> str:
        groups = [RuleGroup(tuple(Rule(str(r["RuleType"]), str(r["Clause"])) for r in g["Rules"]))
                  for g in rule_groups]  # fmt: skip
        with _wire_errors():
            return self.client.create_segment(list_id, title, groups)

    def subscribers(self, list_id: str, state: str, *, since: str | None = None, page: int = 1,
                    page_size: int = PAGE_SIZE) -> Mapping[str, Any]:  # fmt: skip
        with _wire_errors():
            answer = self.client.subscribers_page(list_id, state, since=since, page=page, page_size=page_size,
                                                  order_field="date")  # fmt: skip
        return {"Results": [dict(s.raw) for s in answer.results], "PageNumber": answer.page_number,
                "NumberOfPages": answer.number_of_pages, "TotalNumberOfRecords": answer.total_records}

    def subscriber(self, list_id: str, email: str) -> Mapping[str, Any] | None:
        with _wire_errors():
            found = self.client.subscriber(list_id, email)
        return dict(found.raw) if found is not None else None

    def import_subscribers(self, list_id: str, subscribers: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        with _wire_errors():
            result = self.client.import_subscribers(list_id, [_data(b) for b in subscribers], resubscribe=False)
        return {"FailureDetails": [{"EmailAddress": f.email, "Code": f.code, "Message": f.message}
                                   for f in result.failures]}  # fmt: skip

    def update_subscriber(self, list_id: str, email: str, subscriber: Mapping[str, Any]) -> None:
        with _wire_errors():
            self.client.update_subscriber(list_id, email, _data(subscriber), resubscribe=False)

    def delete_subscriber(self, list_id: str, email: str) -> None:
        with _wire_errors():
            self.client.delete_subscriber(list_id, email)

    def suppression_list(self, client_id: str, *, page: int = 1, page_size: int = PAGE_SIZE) -> Mapping[str, Any]:
        """Every suppressed address at once (the typed client reads its pages): one "page"."""
        with _wire_errors():
            found = [{"EmailAddress": s.email, "Date": _date(s.date)} for s in self.client.suppression_list(client_id)]
        return {"Results": found, "NumberOfPages": 1}
