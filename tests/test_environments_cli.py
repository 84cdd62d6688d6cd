"""Environments through the CLI, offline: --env selection, validate --all-envs, show, the saved-plan
environment check (before any connection), and shell completion of env names, tenants and targets."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kafkactl.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
KAFKACTL = str(Path(sys.executable).parent / "kafkactl")


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "topology", tmp_path / "topology")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KAFKACTL_ENV", raising=False)
    for path in (tmp_path / "topology").glob("*.yaml"):  # the example's SCRAM users need their password variables to load
        for variable in re.findall(r"password_env:\s*([A-Za-z_][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")):
            monkeypatch.setenv(variable, "not-a-real-password")
    return tmp_path / "topology"


def test_without_env_every_topology_command_is_a_usage_error_listing_them(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["validate"], ["plan"], ["apply", "--auto-approve"], ["drift"], ["show"], ["tenant", "list"]):
        assert main(args) == 64, args
        err = capsys.readouterr().err
        assert "topology/ has environments (dev, prod, staging): choose one with --env NAME" in err, args
    assert main(["validate", "--env", "qa"]) == 64
    assert "unknown environment 'qa': topology/ has dev, prod, staging" in capsys.readouterr().err


def test_validate_all_envs_checks_each_and_reports_every_broken_one(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--all-envs"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "✓ topology (environment dev) is valid: 13 topics (6 from 1 tenant), 7 subjects",
        "✓ topology (environment prod) is valid: 25 topics (18 from 3 tenants), 9 subjects",
        "✓ topology (environment staging) is valid: 19 topics (12 from 2 tenants), 8 subjects",
    ]
    (example / "environments" / "qa.yaml").write_text("topics:\n  chat.evnts: {partitions: 1}\n")
    assert main(["validate", "--all-envs"]) == 1
    err = capsys.readouterr().err
    assert "topology/environments/qa.yaml:2: topic 'chat.evnts' is not defined in the base topology" in err
    assert "1 of 4 environments are invalid: qa" in err


def test_validate_explain_names_the_file_that_set_each_value(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--env", "dev", "--explain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"  defaults.replication_factor = 1  (topology/environments/dev.yaml:{_line(example / 'environments/dev.yaml', 'replication_factor: 1')})" in lines
    assert f"  defaults.partitions = 6  (topology/cluster.yaml:{_line(example / 'cluster.yaml', 'partitions: 6')})" in lines


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_show_prints_the_final_topology_and_the_differences(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--env", "dev"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc["environment"] == "dev" and doc["tenants"] == ["acme"]
    assert doc["topics"]["chat.messages.acme"] == {
        "partitions": 12, "replication_factor": 1, "configs": {"min.insync.replicas": "1", "retention.ms": "2592000000"},
        "template": "chat.messages.{tenant}", "tenant": "acme",
    }
    assert main(["show", "--env", "prod", "--json"]) == 0
    text = capsys.readouterr().out
    assert "not-a-real-password" not in text  # the example's SCRAM users are shown without their passwords
    prod = json.loads(text)
    assert prod["connection"]["bootstrap_servers"] == "${PROD_BOOTSTRAP}"  # as written: never a secret
    assert prod["topics"]["analytics.events"]["configs"]["retention.ms"] == "31536000000"
    assert main(["show", "--diff-env", "dev", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert '  ~ topics["chat.events"].replication_factor: 1 (dev) → 3 (prod)' in lines
    assert '  + topics["chat.messages.globex"]: only in prod' in lines
    assert main(["show", "--diff-env", "dev", "prod", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["differences"]
    assert {"path": "cluster.brokers", "dev": 1, "prod": 3} in rows


def test_a_saved_plan_of_another_environment_is_refused_before_connecting(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "prod.plan.json"
    saved.write_text(json.dumps({"format_version": "1", "cluster_id": "c", "environment": "prod",
                                 "fingerprint": "sha256:0", "changes": []}))
    # Nothing listens on port 1: a connection attempt would fail differently (and slowly).
    args = ["apply", "--plan", str(saved), "--bootstrap-servers", "127.0.0.1:1", "--timeout", "1"]
    assert main([*args, "--env", "dev"]) == 1
    assert "the plan was made for environment prod, not environment dev; nothing was applied" in capsys.readouterr().err


def _complete(words: str, cwd: Path) -> list[str]:
    env = {**os.environ, "_KAFKACTL_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split(" ")) - 1)}
    env.pop("KAFKACTL_ENV", None)
    done = subprocess.run([KAFKACTL], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.split()


def test_completion_offers_environments_tenants_and_targets(example: Path) -> None:
    cwd = example.parent
    assert _complete("kafkactl plan --env ", cwd) == ["dev", "prod", "staging"]
    assert _complete("kafkactl show topology --diff-env ", cwd) == ["dev", "prod", "staging"]
    assert _complete("kafkactl tenant remove ", cwd) == ["acme"]  # the first environment's, without --env
    assert _complete("kafkactl tenant remove --env prod ", cwd) == ["acme", "globex", "initech"]
    assert _complete("kafkactl plan --env staging --target tenant:", cwd) == ["tenant:acme", "tenant:globex"]
    assert _complete("kafkactl apply --env prod --target chat.ev", cwd) == ["chat.events"]


def test_completion_of_a_broken_or_missing_topology_is_empty(tmp_path: Path) -> None:
    assert _complete("kafkactl plan --target ", tmp_path) == []
    (tmp_path / "topology").mkdir()
    (tmp_path / "topology" / "x.yaml").write_text("topics: [")
    assert _complete("kafkactl plan --target ", tmp_path) == []


def test_install_completion_is_offered() -> None:
    out = subprocess.run([KAFKACTL, "--help"], capture_output=True, text=True, timeout=60, check=True).stdout
    assert "--install-completion" in out


def test_all_envs_ignores_the_shell_environment_but_not_the_flag(
    example: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKACTL_ENV", "dev")
    assert main(["validate", "--all-envs"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["validate", "--all-envs", "--env", "dev"]) == 64
    assert "--all-envs and --env cannot be combined" in capsys.readouterr().err
