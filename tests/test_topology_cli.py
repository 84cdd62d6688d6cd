"""`kafkactl validate`: the example passes; broken topologies fail with every problem; --print-schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kafkactl.cli.main import main
from kafkactl.topology import schema_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "topologies"


def test_validate_passes_on_the_example(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["validate", "topology/", "--env", "prod"]) == 0
    out, err = capsys.readouterr()
    assert out == "✓ topology (environment prod) is valid: 25 topics (18 from 3 tenants), 9 subjects\n"
    assert err == ""


def test_validate_defaults_to_the_topology_directory(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("KAFKACTL_ENV", "dev")
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("✓ topology (environment dev) is valid: ")


def test_validate_prints_every_problem_on_stderr_and_exits_1(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert main(["validate", "glob-owns-internal"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "Error: glob-owns-internal/ is invalid: 4 problems"
    expected = (FIXTURES / "glob-owns-internal" / "expect.txt").read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [f"  {line}" for line in expected]


def test_validate_prints_warnings_on_stderr(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert main(["validate", "warn-unknown-config"]) == 0
    out, err = capsys.readouterr()
    assert out == "✓ warn-unknown-config is valid: 1 topic (0 from 0 tenants), 0 subjects\n"
    assert err.count("warning: ") == 3
    assert "did you mean 'retention.ms'?" in err


def test_validate_on_a_missing_directory_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_print_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--print-schema"]) == 0
    out = capsys.readouterr().out
    assert out == schema_text()
    assert json.loads(out)["title"] == "kafkactl topology file"


def test_an_unknown_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--nope"]) == 64
