"""The Synchronize tab's rules as plain Python (no Qt): what may be pressed, when, and why not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.sync.controller import (
    ACTIVATION_HINT,
    ALREADY_RUN_TIP,
    BUSY_TIP,
    NOT_CONNECTED_TEXT,
    NotAllowed,
    SyncController,
    SyncState,
)
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.service import RunSummary, StopReason


@dataclass(frozen=True)
class FakePreview:
    direction: Direction
    plan: object
    needs_confirmation: bool = False
    guard_reason: str = ""
    pending_other_way: int = 0


@dataclass(frozen=True)
class FakePlan:
    is_empty: bool = False
    changes: tuple = field(default_factory=lambda: ("one change",))


def summary(direction: Direction, stop: StopReason = StopReason.COMPLETED) -> RunSummary:
    now = datetime.now(UTC)
    return RunSummary(1, direction, "button", now, now, {}, {}, (), 3, stop=stop)


def connected(has_pulled: bool | None = True) -> SyncController:
    controller = SyncController()
    controller.set_connection(ConnectionState.CONNECTED)
    controller.set_has_pulled(has_pulled)
    return controller


def enabled(controller: SyncController) -> set[str]:
    view = controller.view()
    return {name for name in ("push", "pull", "preview", "run", "cancel") if getattr(view, name).enabled}


def test_not_connected_nothing_works_and_every_button_says_why():
    controller = SyncController()
    controller.set_connection(ConnectionState.NOT_CONNECTED)
    assert enabled(controller) == set()
    view = controller.view()
    assert view.push.reason == view.pull.reason == view.preview.reason == NOT_CONNECTED_TEXT
    with pytest.raises(NotAllowed):
        controller.begin_preview()


def test_before_the_first_pull_only_the_pull_works_and_the_hint_shows():
    controller = connected(has_pulled=False)
    view = controller.view()
    assert view.activation_hint
    assert enabled(controller) == {"pull"}
    assert view.push.reason == ACTIVATION_HINT
    controller.choose(Direction.TO_CC)  # e.g. chosen before a disconnect
    assert not controller.view().preview.enabled and controller.view().preview.reason == ACTIVATION_HINT


def test_preview_then_run_applies_that_preview_once():
    controller = connected()
    controller.choose(Direction.TO_CC)
    direction, cancel = controller.begin_preview()
    assert direction is Direction.TO_CC and controller.state is SyncState.PREVIEWING
    assert enabled(controller) == {"cancel"}
    assert controller.view().push.reason == BUSY_TIP

    shown = FakePreview(Direction.TO_CC, FakePlan())
    controller.previewed(shown)
    assert controller.state is SyncState.PREVIEWED
    assert enabled(controller) == {"push", "pull", "preview", "run"}
    assert controller.view().run_text == "Run: update Constant Contact"

    preview, run_cancel = controller.begin_run()
    assert preview is shown and run_cancel is not cancel
    assert controller.state is SyncState.RUNNING and enabled(controller) == {"cancel"}
    controller.finished(summary(Direction.TO_CC))
    assert controller.state is SyncState.DONE
    assert not controller.view().run.enabled and controller.view().run.reason == ALREADY_RUN_TIP
    with pytest.raises(NotAllowed):
        controller.begin_run()


def test_an_empty_plan_cannot_be_run():
    controller = connected()
    controller.choose(Direction.FROM_CC)
    controller.begin_preview()
    controller.previewed(FakePreview(Direction.FROM_CC, FakePlan(is_empty=True, changes=())))
    assert not controller.view().run.enabled


def test_cancel_sets_the_event_once_and_only_while_busy():
    controller = connected()
    assert not controller.cancel()  # nothing runs
    controller.choose(Direction.FROM_CC)
    _, cancel = controller.begin_preview()
    assert controller.cancel() and cancel.is_set()
    assert controller.cancelling
    assert not controller.view().cancel.enabled  # pressed once: "Cancelling…"
    assert not controller.cancel()


def test_a_failed_preview_is_forgotten_a_failed_run_keeps_its_preview():
    controller = connected()
    controller.choose(Direction.FROM_CC)
    controller.begin_preview()
    controller.failed()
    assert controller.state is SyncState.FAILED and controller.preview is None
    assert "preview" in enabled(controller) and "run" not in enabled(controller)

    controller.begin_preview()
    controller.previewed(FakePreview(Direction.FROM_CC, FakePlan()))
    controller.begin_run()
    controller.failed()
    assert controller.preview is not None and controller.view().run.enabled  # try again


def test_the_first_pull_lifts_the_push_block_and_a_disconnect_brings_it_back():
    controller = connected(has_pulled=False)
    controller.begin_activation()
    assert controller.busy and controller.direction is None
    controller.finished(summary(Direction.FROM_CC))
    assert controller.has_pulled and controller.view().push.enabled

    assert not controller.set_connection(ConnectionState.NOT_CONNECTED)
    assert controller.has_pulled is None
    assert controller.set_connection(ConnectionState.CONNECTED)  # a first connection: activate (C5)
    assert not controller.set_connection(ConnectionState.BROKEN)
    assert not controller.set_connection(ConnectionState.CONNECTED)  # a reconnect is no first connection


def test_a_cancelled_pull_does_not_count_as_the_first_pull():
    controller = connected(has_pulled=False)
    controller.begin_activation()
    controller.finished(summary(Direction.FROM_CC, StopReason.CANCELLED))
    assert not controller.has_pulled and not controller.view().push.enabled


def test_nothing_starts_while_something_runs():
    controller = connected()
    controller.begin_activation()
    with pytest.raises(NotAllowed):
        controller.choose(Direction.TO_CC)
    with pytest.raises(NotAllowed):
        controller.begin_activation()


def test_run_waits_for_the_plan_of_a_real_preview():
    controller = connected()
    controller.choose(Direction.TO_CC)
    controller.begin_preview()
    plan = Plan(Direction.TO_CC, ())
    controller.previewed(FakePreview(Direction.TO_CC, plan))
    assert plan.is_empty and not controller.view().run.enabled
