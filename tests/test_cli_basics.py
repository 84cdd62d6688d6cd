"""CLI basics: help lists the command groups, --version, and usage errors exit 64 (CONTRACT section 4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kafkactl import __version__
from kafkactl.cli.main import EXIT_USAGE, app, main

KAFKACTL = Path(sys.executable).parent / "kafkactl"


def _registered_names() -> set[str]:
    groups = {g.name for g in app.registered_groups}
    commands = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    return {n for n in groups | commands if n}


def test_help_lists_every_command_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    names = _registered_names()
    assert "local" in names
    for name in names:
        assert f" {name} " in out, name


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kafkactl {__version__}"


@pytest.mark.parametrize("argv", [["--no-such-flag"], ["local", "status", "--bogus"], ["local", "sideways"]])
def test_usage_errors_exit_64(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_USAGE == 64
    assert capsys.readouterr().err.strip()


@pytest.mark.parametrize(("argv", "code"), [(["--version"], 0), (["--no-such-flag"], 64)])
def test_console_script_exit_codes(argv: list[str], code: int) -> None:
    assert KAFKACTL.exists(), f"console script missing next to {sys.executable}"
    done = subprocess.run([str(KAFKACTL), *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
