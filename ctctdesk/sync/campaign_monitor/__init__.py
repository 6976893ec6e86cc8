"""Campaign Monitor behind the sync engine's `EmailService` (issue 16).

It sits in the sync layer, not beside the wire client in ``ctctdesk.cmon``, because it speaks the
engine's types on one side (the `EmailService` values of ``ctct.client`` and the snapshots of
``sync.snapshot``) and the wire client's on the other: the only layer that may know both.

* `wire` — the calls of the Campaign Monitor API v3.3 the adapter makes (a Protocol the wire client
  satisfies, so tests can hand in a small fake);
* `model` — one engine contact per address out of per-list subscribers, and back;
* `service` — `CampaignMonitorService`, the `EmailService`;
* `reader` — Campaign Monitor → `RemoteSnapshot` (per list and per state, since a date);
* `factory` — what the front end calls to build the service for a run.
"""
