"""`ctctdesk --self-test`: prove that this installation (a virtualenv or the PyInstaller bundle) works.

It runs what a person does on a first start of the demo, with nobody watching: the main window opens
offscreen on a temporary data folder, the built-in Constant Contact sandbox starts in this process with
the demo's sample data (`ctctdesk.demo.start_demo`), the initial activation pulls Constant Contact's
lists in, then a push ("Update Constant Contact from CRM") is previewed and run through the Synchronize
tab and its task runner, exactly as the buttons do it. The window then closes and the temporary folder
is removed. Exit code 0 when every step passed, 1 otherwise, with the failed step on stderr.

Why through the window and not the sync service directly: a bundle that misses a Qt plugin, a data file
(the sandbox's page template), a lazily imported module or the asyncio loop on Qt's event loop fails
only when the real code path runs. The window is forced offscreen so the check never pops up on a
desktop and runs on a build machine without a display.

The sandbox keeps the demo's real rate limits, so the whole run takes some seconds; a smaller sample
CRM than the demo's keeps it short.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

SELF_TEST_CONTACTS = 120  # the demo has 600; a smaller CRM proves the same path in less time
STEP_TIMEOUT = 90.0  # seconds one step may take before the self-test gives up
POLL_INTERVAL = 0.05  # seconds between looks at the window while a step runs


class SelfTestFailed(Exception):
    """A step did not reach its expected state; the message says which and what was seen."""


def run_self_test(*, out: TextIO | None = None, err: TextIO | None = None,
                  step_timeout: float = STEP_TIMEOUT) -> int:  # fmt: skip
    """Run every step in a fresh QApplication on the offscreen platform; 0 when all passed."""
    out = out or sys.stdout
    err = err or sys.stderr
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # never a window on the user's desktop
    from PySide6.QtWidgets import QApplication

    from ctctdesk.app import APP_NAME
    from ctctdesk.ui.tasks import close_event_loop, ensure_event_loop

    started = time.monotonic()

    def say(text: str) -> None:
        print(f"self-test: {text} ({time.monotonic() - started:.1f} s)", file=out, flush=True)

    app = QApplication.instance() or QApplication([APP_NAME])
    loop = ensure_event_loop(app)
    outcome: list[BaseException | None] = []
    runner = _SelfTest(say, step_timeout)
    task = asyncio.ensure_future(runner.run(), loop=loop)

    def finished(done: asyncio.Future[None]) -> None:
        outcome.append(None if done.cancelled() else done.exception())
        app.exit(0)

    task.add_done_callback(finished)
    try:
        app.exec()
    finally:
        runner.close()
        close_event_loop(loop)
    error = outcome[0] if outcome else SelfTestFailed("the event loop ended before the self-test did")
    if error is not None:
        print(f"self-test FAILED: {error}", file=err, flush=True)
        return 1
    say("passed")
    return 0


class _SelfTest:
    """The steps, as one coroutine on Qt's event loop; `close` releases whatever was started."""

    def __init__(self, say: Callable[[str], None], step_timeout: float) -> None:
        self.say = say
        self.step_timeout = step_timeout
        self.demo = None
        self.window = None

    async def run(self) -> None:
        from PySide6.QtGui import QGuiApplication

        from ctctdesk import __version__
        from ctctdesk.app import build_window
        from ctctdesk.demo import start_demo

        self.say(f"ctctdesk {__version__}, Qt platform {QGuiApplication.platformName()}")
        self.demo = start_demo(crm_contacts=SELF_TEST_CONTACTS)
        self.say(f"sandbox started at {self.demo.sandbox.base_url}, data folder {self.demo.data_dir}")
        window = self.window = build_window(self.demo.data_dir, context=self.demo.context)
        window.show()
        await self.wait_for("the main window is shown", lambda: window.isVisible() and window.windowHandle()
                            is not None and window.windowHandle().isExposed())  # fmt: skip
        self.say(f"main window shown with tabs {', '.join(window.tabs.tabText(i) for i in range(window.tabs.count()))}")

        tab = window.sync_tab
        window.tabs.setCurrentWidget(tab)
        await self.wait_for("connected to the sandbox", lambda: tab.connected)
        tab.start_activation()  # a no-op when the first connection started it already
        await self.wait_for("the initial activation", lambda: tab.idle and tab.last_summary is not None)
        self.check_summary(tab, "initial activation")
        self.say("initial activation done: Constant Contact's lists are in the CRM")

        tab.choose("to_cc")
        await self.wait_for("the push preview", lambda: tab.idle and tab.preview is not None)
        self.check_no_error(tab, "push preview")
        changes = len(tab.preview.plan.changes)
        if not changes:
            raise SelfTestFailed("the push preview found nothing to send to Constant Contact")
        self.say(f"push previewed: {changes} changes for Constant Contact")

        activation = tab.last_summary
        tab.start_run(force=True)  # the sample data never trips the mass-change guard; no dialog either way
        await self.wait_for("the push", lambda: tab.idle and tab.last_summary is not activation)
        self.check_summary(tab, "push")
        self.say("push done: " + "; ".join(self.summary_lines(tab)))
        window.close()
        self.say("window closed")

    async def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        """Let the event loop run until `condition` holds; fail after the step timeout or on an error."""
        deadline = time.monotonic() + self.step_timeout
        while not condition():
            tab = getattr(self.window, "sync_tab", None)
            if tab is not None and tab.last_error:
                raise SelfTestFailed(f"{what}: {tab.last_error}")
            if time.monotonic() > deadline:
                raise SelfTestFailed(f"{what} did not finish within {self.step_timeout:.0f} s")
            await asyncio.sleep(POLL_INTERVAL)

    @staticmethod
    def check_no_error(tab, step: str) -> None:
        if tab.last_error:
            raise SelfTestFailed(f"{step}: {tab.last_error}")

    def check_summary(self, tab, step: str) -> None:
        self.check_no_error(tab, step)
        summary = tab.last_summary
        if summary is None or not summary.ok:
            raise SelfTestFailed(f"{step} did not complete: {'; '.join(self.summary_lines(tab)) or 'no summary'}")

    @staticmethod
    def summary_lines(tab) -> list[str]:
        model = tab.summaryView.model()
        return [str(model.index(row, 0).data()) for row in range(min(model.rowCount(), 3))]

    def close(self) -> None:
        """Close the window (if a step failed first), stop background work, the sandbox, the folder."""
        if self.window is not None:
            self.window.close()
        if self.demo is not None:
            self.demo.context.close()
            self.demo.stop()
