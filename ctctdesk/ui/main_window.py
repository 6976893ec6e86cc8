"""The main window: banners on top, then the tabs; other features plug in through three extension points.

- `window.add_tab(widget, title) -> int` adds a tab (before the Settings tab, which stays last).
- `window.banner_area` (a QVBoxLayout above the tabs): `addWidget(banner)` for banners such as
  "connection broken".
- `window.settings_tab.add_page(title, widget)` / `.show_page(title)`: pages of the Settings tab.

Window geometry, the current tab and each tab's own sizes (splitters, columns) are remembered in an ini
file in the data folder. A tab that wants its sizes kept implements `save_state(QSettings)` and
`restore_state(QSettings)`; the window calls them inside a group named after the tab's objectName.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.ui.app_icon import app_icon

if TYPE_CHECKING:
    from ctctdesk.ui.context import UiContext

UI_STATE_FILE_NAME = "window-state.ini"


class SettingsTab(QSplitter):
    """The Settings tab: a page list on the left, the chosen page on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("settingsTab")
        self.setChildrenCollapsible(False)
        self.setContentsMargins(4, 6, 4, 4)
        self.page_list = QListWidget()
        self.page_list.setObjectName("settingsPageList")
        self.page_list.setMinimumWidth(150)
        self.page_list.setMaximumWidth(280)
        # Comfortable rows, like the category list of an office suite's options dialog.
        self.page_list.setSpacing(1)
        self.page_list.setStyleSheet("#settingsPageList::item { padding: 6px 10px; }")
        self.pages = QStackedWidget()
        self.addWidget(self.page_list)
        self.addWidget(self.pages)
        self.setStretchFactor(1, 1)
        self.setSizes([200, 800])
        self.page_list.currentRowChanged.connect(self.pages.setCurrentIndex)
        self._titles: list[str] = []

    def add_page(self, title: str, widget: QWidget) -> None:
        """Add a page; pages appear in the order they were added."""
        if title in self._titles:
            raise ValueError(f"a settings page named {title!r} exists already")
        self._titles.append(title)
        self.page_list.addItem(title)
        self.pages.addWidget(widget)
        if self.page_list.currentRow() < 0:
            self.page_list.setCurrentRow(0)

    def page_titles(self) -> list[str]:
        return list(self._titles)

    def replace_page(self, old_title: str, title: str, widget: QWidget) -> QWidget:
        """Put `widget` (titled `title`) where the page `old_title` was, and return the old page (the
        caller deletes it). The page shown stays shown when it was the one replaced."""
        index = self._titles.index(old_title)
        if title != old_title and title in self._titles:
            raise ValueError(f"a settings page named {title!r} exists already")
        shown = self.page_list.currentRow() == index
        old = self.pages.widget(index)
        self.pages.insertWidget(index, widget)
        self.pages.removeWidget(old)
        self._titles[index] = title
        self.page_list.item(index).setText(title)
        if shown:
            self.pages.setCurrentIndex(index)
        return old

    def show_page(self, title: str) -> None:
        """Show a page and bring the Settings tab to the front (e.g. from a "Reconnect" banner)."""
        self.page_list.setCurrentRow(self._titles.index(title))
        tabs = self._tab_widget()
        if tabs is not None:
            tabs.setCurrentWidget(self)

    def _tab_widget(self) -> QTabWidget | None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        return parent

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("splitter", self.saveState())
        settings.setValue("page", self.page_list.currentRow())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("splitter")
        if state is not None:
            self.restoreState(state)
        page = settings.value("page")
        if page is not None and 0 <= int(page) < self.page_list.count():
            self.page_list.setCurrentRow(int(page))


class MainWindow(QMainWindow):
    def __init__(self, context: UiContext) -> None:
        super().__init__()
        self.context = context
        self.setObjectName("mainWindow")
        title = "ctctdesk — demo" if context.demo else "ctctdesk"
        self.setWindowTitle(title)
        self.setWindowIcon(app_icon())
        self.ui_state = QSettings(str(context.data_dir / UI_STATE_FILE_NAME), QSettings.Format.IniFormat)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        # A layout, so a feature adds its banner with `window.banner_area.addWidget(banner)` and hides it
        # when it is not needed; an empty area takes no room.
        self.banner_area = QVBoxLayout()
        self.banner_area.setObjectName("bannerArea")
        self.banner_area.setContentsMargins(0, 0, 0, 0)
        self.banner_area.setSpacing(4)
        layout.addLayout(self.banner_area)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.settings_tab = SettingsTab()
        self.tabs.addTab(self.settings_tab, "Settings")

        location = QLabel(f"Data folder: {context.data_dir}")
        location.setObjectName("dataFolderLabel")
        location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(location)
        self.resize(1200, 760)
        self._tabs_restored = False
        self.auto_sync = None  # ctctdesk.ui.auto_sync.AutoSync, set by the composition root
        self.tray = None  # ctctdesk.ui.tray.TrayController: closing hides to it while automatic sync is on

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a feature tab before Settings; returns its index. Give `widget` an objectName so its sizes
        are remembered."""
        index = self.tabs.insertTab(self.tabs.indexOf(self.settings_tab), widget, title)
        if self._tabs_restored:
            self._restore_tab(widget)
        return index

    def _tab_widgets(self) -> list[QWidget]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def _restore_tab(self, widget: QWidget) -> None:
        restore = getattr(widget, "restore_state", None)
        if restore is not None and widget.objectName():
            self.ui_state.beginGroup(widget.objectName())
            try:
                restore(self.ui_state)
            finally:
                self.ui_state.endGroup()

    def restore_state(self) -> None:
        """Geometry and current tab from the last run (called once the tabs are added). The tabs' own
        sizes follow when the window is first shown: a splitter laid out before it has its real width
        would scale the remembered sizes."""
        geometry = self.ui_state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        size = self.ui_state.value("window/size")
        if size is not None and not self.isMaximized():
            # restoreGeometry alone can be off by the frame on some platforms (offscreen, some X11 WMs)
            self.resize(size)
        current = int(self.ui_state.value("window/currentTab", 0))
        self.tabs.setCurrentIndex(current if 0 <= current < self.tabs.count() else 0)
        self._restored = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if not self._tabs_restored:
            self._tabs_restored = True
            # after the show has settled the layout (and the window manager its size)
            QTimer.singleShot(0, self._restore_tabs)

    def _restore_tabs(self) -> None:
        for widget in self._tab_widgets():
            self._restore_tab(widget)

    def save_state(self) -> None:
        self.ui_state.setValue("window/geometry", self.saveGeometry())
        if not self.isMaximized():
            self.ui_state.setValue("window/size", self.size())
        self.ui_state.setValue("window/currentTab", self.tabs.currentIndex())
        for widget in self._tab_widgets():
            save = getattr(widget, "save_state", None)
            if save is not None and widget.objectName():
                self.ui_state.beginGroup(widget.objectName())
                try:
                    save(self.ui_state)
                finally:
                    self.ui_state.endGroup()
        self.ui_state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        self.save_state()
        if self.tray is not None and self.tray.should_hide_on_close():
            event.ignore()  # automatic sync goes on; the tray's Quit really closes
            self.hide()
            self.tray.hidden_to_tray()
            return
        if self.context.tasks is not None:
            self.context.tasks.shutdown()  # a running sync or connect stops cleanly, not killed
        super().closeEvent(event)
