"""Unit tests of how a stopped apply is accounted for and reported (issue 14 section 3), no cluster."""

from __future__ import annotations

from kafkactl.executor import INTERRUPTED, _Run
from kafkactl.plan import Action, Applied, Change, ChangeOutcome
from kafkactl.render import stopped_summary, unconfirmed_warning


def _topic(name: str) -> Change:
    return Change("topic", name, Action.CREATE, None, {"partitions": 1, "replication_factor": 1, "configs": {}})


def test_a_stop_before_a_phase_leaves_its_changes_not_started() -> None:
    reasons: list[str | None] = [None, INTERRUPTED]
    run = _Run(lambda n: None, lambda: reasons.pop(0))
    a, b = _topic("a"), _topic("b")
    assert run.starts([a])
    run.finish()
    assert not run.starts([b])  # asked to stop: the phase never starts
    assert run.stopped == INTERRUPTED
    outcomes = [run.outcome(a), run.outcome(b)]
    assert outcomes[0] == ChangeOutcome(a)
    assert outcomes[1].attempted is False and outcomes[1].error == "not started: apply stopped before it (interrupted)"


def test_a_halt_in_flight_makes_the_outcome_unknown_and_keeps_known_errors() -> None:
    run = _Run(lambda n: None, lambda: None)
    a, b, c = _topic("a"), _topic("b"), _topic("c")
    assert run.starts([a, b])
    run.errors[("topic", "a")] = "POLICY_VIOLATION: no"
    run.halt(INTERRUPTED)
    assert run.outcome(a).error == "POLICY_VIOLATION: no"
    assert run.outcome(b).error == "outcome unknown: interrupted while its request was in flight"
    assert run.outcome(c).attempted is False
    assert not run.starts([c])


def test_stopped_summary_and_unconfirmed_warning() -> None:
    a, b, c = _topic("a"), _topic("b"), _topic("c")
    outcomes = (ChangeOutcome(a), ChangeOutcome(b, "x"), ChangeOutcome(c, "not started", attempted=False))
    assert stopped_summary(Applied(outcomes, stopped=INTERRUPTED)) == (
        "interrupted: 1 of 3 changes applied, 1 failed, 1 not started (each listed above)")
    assert stopped_summary(Applied(outcomes, stopped="the apply lock was lost")) == (
        "apply stopped: the apply lock was lost: 1 of 3 changes applied, 1 failed, 1 not started (each listed above)")
    assert unconfirmed_warning(Applied(outcomes)) is None
    assert unconfirmed_warning(Applied(outcomes, unconfirmed="cannot describe topic a: _TIMED_OUT")) == (
        "the changes above were applied, but reading them back to confirm failed: cannot describe topic a: "
        "_TIMED_OUT; a plan made now may list some of them again until every broker shows them")
