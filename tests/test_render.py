"""The human plan output, compared as exact text for a fixed scenario."""

from __future__ import annotations

import io
import re

from rich.console import Console

from kafkactl.plan import Action, Applied, Change, ChangeOutcome, FieldChange, Plan
from kafkactl.render import apply_summary, not_shown_warning, render_outcomes, render_plan


def text(plan: Plan, name: str | None = "chat-platform") -> str:
    buf = io.StringIO()
    render_plan(plan, Console(file=buf, width=120, no_color=True, highlight=False, soft_wrap=True), name)
    return buf.getvalue()


PLAN = Plan(
    cluster_id="abc",
    fingerprint="sha256:0",
    changes=(
        Change("topic", "chat.messages.acme", Action.CREATE, None,
               {"partitions": 12, "replication_factor": 3, "configs": {"retention.ms": "2592000000"}}),
        Change("topic", "chat.events", Action.UPDATE, {}, {}, (
            FieldChange("partitions", 6, 12),
            FieldChange("configs.retention.ms", "86400000", "604800000"),
            FieldChange("configs.segment.bytes", "1048576", None),
            FieldChange("configs.cleanup.policy", None, "delete"),
        )),
        Change("topic", "chat.messages.gone", Action.DELETE, {"partitions": 1}, None),
    ),
    warnings=("topic chat.events: adding partitions remaps keys",),
)

EXPECTED = """\
kafkactl will perform the following actions on cluster chat-platform (abc):

  + topic chat.messages.acme
      + partitions: 12
      + replication_factor: 3
      + configs.retention.ms: 2592000000 (30d)

  ~ topic chat.events
      ~ partitions: 6 → 12
      ~ configs.retention.ms: 86400000 (1d) → 604800000 (7d)
      - configs.segment.bytes: 1048576 (1MiB) → (default)
      + configs.cleanup.policy: delete

  - topic chat.messages.gone

Plan: 1 to add, 1 to change, 1 to destroy.

Warnings:
  ! topic chat.events: adding partitions remaps keys
"""


def test_human_plan_exact_text() -> None:
    assert text(PLAN) == EXPECTED


def test_no_changes_text() -> None:
    assert text(Plan("abc", "sha256:0")) == "No changes. The cluster matches the topology.\n"


def test_errors_are_listed_and_say_nothing_applies() -> None:
    out = text(Plan("abc", "sha256:0", errors=("topic t: cannot decrease partitions from 5 to 2",)))
    assert out == "\nErrors (1): nothing will be applied.\n  ✗ topic t: cannot decrease partitions from 5 to 2\n"


def test_outcomes_and_summary() -> None:
    create, update, delete = PLAN.changes
    outcomes = [ChangeOutcome(create), ChangeOutcome(update, "POLICY_VIOLATION: no"), ChangeOutcome(delete)]
    buf = io.StringIO()
    render_outcomes(outcomes, Console(file=buf, width=120, no_color=True))
    assert buf.getvalue() == (
        "  ✓ topic chat.messages.acme: created\n"
        "  ✗ topic chat.events: update failed: POLICY_VIOLATION: no\n"
        "  ✓ topic chat.messages.gone: deleted\n"
    )
    assert apply_summary(outcomes) == "Apply complete! Resources: 1 added, 0 changed, 1 destroyed."


def test_changes_the_brokers_do_not_show_yet_are_reported_not_hidden() -> None:
    outcomes = tuple(ChangeOutcome(c) for c in PLAN.changes)
    assert not_shown_warning(Applied(outcomes, waited_s=0.4)) is None
    warning = not_shown_warning(Applied(outcomes, ("chat.events", "chat.messages.acme"), waited_s=30.2))
    assert warning is not None and "\n" not in warning
    assert warning.startswith("the brokers did not yet show every applied change after 30 s (2 of the topics read")
    assert "e.g. chat.events" in warning and "a plan made now may list them again" in warning


def test_a_colour_terminal_gets_the_same_text_with_styles() -> None:
    # Colourless consoles get the plain text written directly (fast); a terminal gets rich's styled
    # rendering. Both must say exactly the same thing.
    buf = io.StringIO()
    console = Console(file=buf, width=120, force_terminal=True, color_system="truecolor", highlight=False, soft_wrap=True)
    render_plan(PLAN, console, "chat-platform")
    styled = buf.getvalue()
    assert "\x1b[" in styled
    assert re.sub(r"\x1b\[[0-9;]*m", "", styled) == text(PLAN)
