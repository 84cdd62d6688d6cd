"""The round-trip edit of tenants.members: only the member's own lines change. Pure text, no cluster."""

from __future__ import annotations

import difflib
import textwrap
from pathlib import Path

import pytest

from kafkactl.cli.main import main
from kafkactl.errors import KafkactlError, TopologyError
from kafkactl.tenants import add, add_member_text, remove_member_text

COMMENTED = textwrap.dedent("""\
    # Chat platform tenants.  Keep   odd   spacing, 'quotes' and "quotes".
    tenants:
        templates:                              # four-space indentation on purpose
            "chat.messages.{tenant}":
                partitions: 12
                configs: {retention.ms: 30d, cleanup.policy: [delete]}   # flow style stays flow style
        members:   # one per customer
            acme:       # first customer
            # globex pays for more partitions
            globex:
                "chat.messages.{tenant}": {partitions: 24}
            initech:
        # trailing comment of the tenants section

    topics:
      chat.events: {partitions: 6}
    """)


def added_and_removed(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    return [d[2:] for d in diff if d.startswith("+ ")], [d[2:] for d in diff if d.startswith("- ")]


@pytest.mark.parametrize(
    ("tenant", "after_line"),
    [
        ("aaa", 7),  # first, before acme
        ("beta", 8),  # before globex *and* its comment line
        ("hooli", 11),  # between globex's overrides and initech
        ("zeta", 12),  # last, after initech, before the section's trailing comment
    ],
)
def test_add_inserts_one_line_in_sorted_position(tenant: str, after_line: int) -> None:
    out = add_member_text(COMMENTED, tenant)
    added, removed = added_and_removed(COMMENTED, out)
    assert added == [f"        {tenant}:\n"]
    assert removed == []
    assert out.splitlines()[after_line] == f"        {tenant}:"


def test_add_to_unsorted_members_appends_after_last_block() -> None:
    text = "tenants:\n  templates: {}\n  members:\n    zed:\n    abc:\n      t: {partitions: 3}\n# end\n"
    out = add_member_text(text, "mmm")
    assert out == "tenants:\n  templates: {}\n  members:\n    zed:\n    abc:\n      t: {partitions: 3}\n    mmm:\n# end\n"


def test_add_without_trailing_newline() -> None:
    assert add_member_text("tenants:\n  members:\n    acme:", "beta") == "tenants:\n  members:\n    acme:\n    beta:\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tenants:\n  members:\n", "tenants:\n  members:\n    acme:\n"),
        ("tenants:\n   members: {}  # none yet\nx: 1\n", "tenants:\n   members: # none yet\n      acme:\nx: 1\n"),
        ("tenants:\n  templates:\n    t.{tenant}: {}\n\ntopics: {}\n",
         "tenants:\n  templates:\n    t.{tenant}: {}\n  members:\n    acme:\n\ntopics: {}\n"),
    ],
    ids=["empty", "empty-flow", "no-members-key"],
)
def test_add_to_empty_or_missing_members(text: str, expected: str) -> None:
    assert add_member_text(text, "acme") == expected


def test_ids_yaml_would_misread_are_quoted() -> None:
    for tenant in ("123", "yes", "null", "0x1f"):
        assert f'\n    "{tenant}":\n' in add_member_text("tenants:\n  members:\n    acme:\n", tenant)
    assert "\n    a-1:\n" in add_member_text("tenants:\n  members:\n    acme:\n", "a-1")


def test_flow_style_members_are_refused() -> None:
    with pytest.raises(TopologyError, match="flow style"):
        add_member_text("tenants:\n  members: {acme: }\n", "beta")


def test_no_tenants_section_is_an_error() -> None:
    with pytest.raises(TopologyError, match="no tenants section"):
        add_member_text("topics: {}\n", "acme")


@pytest.mark.parametrize(
    ("tenant", "gone"),
    [
        ("acme", ["        acme:       # first customer\n"]),
        ("globex", ["        globex:\n", '            "chat.messages.{tenant}": {partitions: 24}\n']),
        ("initech", ["        initech:\n"]),
    ],
)
def test_remove_deletes_only_the_members_lines(tenant: str, gone: list[str]) -> None:
    out = remove_member_text(COMMENTED, tenant)
    added, removed = added_and_removed(COMMENTED, out)
    assert added == []
    assert removed == gone


def test_add_then_remove_is_the_identity() -> None:
    assert remove_member_text(add_member_text(COMMENTED, "hooli"), "hooli") == COMMENTED


def test_removing_the_last_member_leaves_an_empty_mapping() -> None:
    text = "tenants:\n  members:   # customers\n    acme:\n      t.{tenant}: {partitions: 3}\ntopics: {}\n"
    assert remove_member_text(text, "acme") == "tenants:\n  members: {}  # customers\ntopics: {}\n"


def test_remove_unknown_member_is_an_error() -> None:
    with pytest.raises(KafkactlError, match=r"not in tenants\.members"):
        remove_member_text(COMMENTED, "nobody")


# ---- the command's checks that run before any cluster call ----------------------------------------


def topology_dir(tmp_path: Path, template: str = "chat.messages.{tenant}") -> Path:
    d = tmp_path / "topology"
    d.mkdir()
    (d / "tenants.yaml").write_text(textwrap.dedent(f"""\
        defaults: {{partitions: 1, replication_factor: 3}}
        tenants:
          templates:
            "{template}": {{}}
          members:
            acme:   # first
        """), encoding="utf-8")
    return d


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", "Not_Valid"], 64, "invalid tenant id"),
        (["add", "acme"], 1, "tenant acme already exists"),
        (["remove", "globex"], 1, "tenant globex is not a member"),
    ],
)
def test_tenant_command_refuses_without_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    d = topology_dir(tmp_path)
    before = (d / "tenants.yaml").read_bytes()
    assert main(["tenant", *args, str(d)]) == code
    assert message in capsys.readouterr().err
    assert (d / "tenants.yaml").read_bytes() == before


def test_an_edit_that_breaks_the_topology_is_put_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = topology_dir(tmp_path, template="t" * 200 + ".{tenant}")  # names over Kafka's 249 characters
    before = (d / "tenants.yaml").read_bytes()
    with pytest.raises(KafkactlError):
        add(d, "x" * 60)
    assert (d / "tenants.yaml").read_bytes() == before
    assert [p.name for p in d.iterdir()] == ["tenants.yaml"]  # no temp file left
