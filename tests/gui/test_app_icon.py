"""The window carries ctctdesk's own icon, in the sizes a desktop asks for (title bar, taskbar, switcher)."""

from ctctdesk.ui.app_icon import app_icon


def test_the_main_window_has_the_icon_in_every_size(open_window, office_dir):
    window = open_window(office_dir)
    sizes = {size.width() for size in window.windowIcon().availableSizes()}
    assert {16, 32, 48, 256, 512} <= sizes
    assert {size.width() for size in app_icon().availableSizes()} == sizes
