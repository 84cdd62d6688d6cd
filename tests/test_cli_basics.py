"""CLI basics: help lists the command groups, --version, and usage errors exit 64 (CONTRACT section 4)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from kafkactl import __version__
from kafkactl.cli.main import COMMANDS, EXIT_USAGE, main

KAFKACTL = Path(sys.executable).parent / "kafkactl"


def test_help_lists_every_command_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    present = [name for name, module in COMMANDS.items() if importlib.util.find_spec(module) is not None]
    assert "local" in present and "validate" in present
    for name in present:
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
