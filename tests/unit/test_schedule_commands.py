"""`ctctdesk schedule show | off | every N | daily HH:MM [--direction …]`: the same setting as the window's."""

from __future__ import annotations

from ctctdesk.cli import main
from ctctdesk.settings_store import SettingsStore
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.schedule import Mode, load_setting


def schedule(data_dir, *words):
    return main(["--data-dir", str(data_dir), "schedule", *words])


def test_show_says_off_by_default(tmp_path, capsys):
    assert schedule(tmp_path) == 0
    assert capsys.readouterr().out.strip() == "Automatic sync is off."
    assert not (tmp_path / "settings.json").exists(), "showing changes nothing"


def test_every_daily_and_off_are_kept_in_settings_json(tmp_path, capsys):
    assert schedule(tmp_path, "every", "15", "--direction", "to-cc") == 0
    assert "Automatic sync every 15 minutes, to Constant Contact." in capsys.readouterr().out
    setting = load_setting(SettingsStore(tmp_path / "settings.json"))
    assert (setting.mode, setting.minutes, setting.direction) == (Mode.EVERY, 15, Direction.TO_CC)

    assert schedule(tmp_path, "daily", "07:30") == 0  # the direction stays as it was
    assert "daily at 07:30, to Constant Contact" in capsys.readouterr().out

    assert schedule(tmp_path, "off") == 0
    assert capsys.readouterr().out.startswith("Automatic sync is off.")
    assert schedule(tmp_path, "show") == 0
    assert "off" in capsys.readouterr().out
    assert schedule(tmp_path, "daily", "07:30", "--direction", "both") == 0
    assert "both ways (from Constant Contact first)" in capsys.readouterr().out


def test_values_out_of_range_are_refused_with_the_reason(tmp_path, capsys):
    assert schedule(tmp_path, "every", "4") == 2
    assert "5 to 1,440" in capsys.readouterr().err
    assert schedule(tmp_path, "every", "ten") == 2
    assert "whole number" in capsys.readouterr().err
    assert schedule(tmp_path, "daily", "24:00") == 2
    assert "HH:MM" in capsys.readouterr().err
    assert schedule(tmp_path, "every") == 2
    assert "e.g." in capsys.readouterr().err
    assert schedule(tmp_path, "off", "5") == 2
    assert not (tmp_path / "settings.json").exists(), "nothing was saved"
