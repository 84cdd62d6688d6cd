"""Human rendering of plans and apply results. Writes only to the Console it is given.

Rules:
- Terraform's shape: ``+`` create, ``~`` update with ``before → after`` per field,
  ``-`` delete, then the ``Plan:`` summary line, then warnings and errors.
- Raw values are shown with a human form beside them: ``604800000 (7d)``.
- Nothing here decides anything; the same Plan always renders the same text.
- Sensitive values arrive already masked (see ``kafkactl.plan``).
- All user-supplied text is printed with markup off, so a name can't inject styles.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from kafkactl.kinds.acl.spec import Binding
from kafkactl.plan import Action, Applied, Change, ChangeOutcome, FieldChange, Plan
from kafkactl.subject_rules import purge_text
from kafkactl.units import human

SYMBOL = {Action.CREATE: ("+", "green"), Action.UPDATE: ("~", "yellow"), Action.DELETE: ("-", "red")}
VERB = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}
UNSET = "(default)"


def value_text(key: str, value: Any) -> str:
    """``604800000 (7d)``; ``(default)`` for an unset config."""
    if value is None:
        return UNSET
    raw = str(value)
    nice = human(key, raw) if key else None
    return f"{raw} ({nice})" if nice and nice != raw else raw


def render_plan(plan: Plan, console: Console, cluster_name: str | None = None) -> None:
    out = _Lines()
    label = f"{cluster_name} ({plan.cluster_id})" if cluster_name else plan.cluster_id
    if plan.environment is not None:
        label += f", environment {plan.environment}"
    if plan.changes:
        out.add(f"kafkactl will perform the following actions on cluster {label}:")
        out.add()
        for change in plan.changes:
            _render_change(change, out)
        s = plan.summary()
        out.add((f"Plan: {s['create']} to add, {s['update']} to change, {s['delete']} to destroy.", "bold"))
    elif not plan.errors:
        where = f" of environment {plan.environment}" if plan.environment is not None else ""
        out.add((f"No changes. The cluster matches the topology{where}.", "bold green"))
    _render_notes(plan.warnings, plan.errors, out)
    out.flush(console)


Part = str | tuple[str, str]  # plain text, or (text, rich style)


class _Lines:
    """Collects lines as parts and prints them with one write: rich costs ~1 ms per ``print``,
    which at 10,000 changes was most of an apply's run time, and a line is built as a rich
    ``Text`` only when there is colour to show."""

    def __init__(self) -> None:
        self.lines: list[tuple[Part, ...]] = []

    def add(self, *parts: Part) -> None:
        self.lines.append(parts)

    def flush(self, console: Console) -> None:
        if not self.lines:
            return
        if console.color_system is None:
            # No styles to show (a pipe, a file, NO_COLOR): rich would write exactly the plain
            # text (no markup, no highlighting, soft wrap), at ~0.6 ms a line for 10,000 lines.
            console.file.write("".join(f"{_plain(parts)}\n" for parts in self.lines))
            console.file.flush()
        else:
            console.print(Text("\n").join(Text.assemble(*parts) for parts in self.lines))
        self.lines = []


def _plain(parts: tuple[Part, ...]) -> str:
    return "".join(p if isinstance(p, str) else p[0] for p in parts)


def _render_change(change: Change, out: _Lines) -> None:
    symbol, style = SYMBOL[change.action]
    out.add((f"  {symbol} ", style), (f"{change.kind} ", "bold"), (change.name, "bold"))
    if change.kind == "acl":  # every action lists exactly the bindings it adds or removes
        for f in change.fields:
            _render_binding(f, out)
    elif change.action is Action.CREATE:
        _render_mapping(change.after or {}, out, "+", style)
    elif change.action is Action.UPDATE:
        for f in change.fields:
            _render_field(f, out)
    elif purge := change.field_change("purge"):
        out.add(("      ! ", "red"), f"first deletes permanently: {purge_text(purge.after)}")
    out.add()


def _render_mapping(values: Mapping[str, Any], out: _Lines, symbol: str, style: str) -> None:
    for key, value in _flatten(values):
        if key == "schema":
            _render_schema_block(str(value), out)
            continue
        out.add((f"      {symbol} ", style), f"{key}: {value_text(_config_key(key), value)}")


def _render_field(f: FieldChange, out: _Lines) -> None:
    if f.path == "schema":
        _render_schema_diff(str(f.before or ""), str(f.after or ""), out)
        return
    key = _config_key(f.path)
    if isinstance(f.before, list) or isinstance(f.after, list):  # schema references
        f = FieldChange(f.path, _list_text(f.before or []), _list_text(f.after or []))
    if f.before is None:
        out.add(("      + ", "green"), f"{f.path}: {value_text(key, f.after)}")
    elif f.after is None:
        out.add(("      - ", "red"), f"{f.path}: {value_text(key, f.before)} → {UNSET}")
    else:
        out.add(("      ~ ", "yellow"), f"{f.path}: {value_text(key, f.before)} → {value_text(key, f.after)}")


def _render_binding(f: FieldChange, out: _Lines) -> None:
    if f.after is not None:
        out.add(("      + ", "green"), Binding.from_json(f.after).text())
    else:
        out.add(("      - ", "red"), Binding.from_json(f.before).text())


def _render_schema_block(schema: str, out: _Lines) -> None:
    out.add(("      + ", "green"), "schema:")
    for line in schema.splitlines():
        out.add(f"          {line}")


def _render_schema_diff(before: str, after: str, out: _Lines) -> None:
    out.add(("      ~ ", "yellow"), "schema:")
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "registered", "declared", lineterm="", n=2)
    for line in lines:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@") else ""
        out.add((f"          {line}", style))


def _flatten(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in values.items():
        if isinstance(v, Mapping):
            out += _flatten(v, f"{prefix}{k}.")
        elif isinstance(v, list | tuple):
            out.append((f"{prefix}{k}", _list_text(v)))
        else:
            out.append((f"{prefix}{k}", v))
    return out


def _list_text(values: Sequence[Any]) -> str:
    """A list on one line; a schema reference as ``name=subject@version`` (``latest``: resolved at apply)."""
    return ", ".join(_ref_text(v) if isinstance(v, Mapping) else str(v) for v in values) if values else "[]"


def _ref_text(ref: Mapping[str, Any]) -> str:
    version = ref.get("version")
    return f"{ref.get('name')}={ref.get('subject')}@{'latest' if version is None else version}"


def _config_key(path: str) -> str:
    return path[len("configs.") :] if path.startswith("configs.") else ""


def _render_notes(warnings: Sequence[str], errors: Sequence[str], out: _Lines) -> None:
    if warnings:
        out.add()
        out.add(("Warnings:", "bold yellow"))
        for w in warnings:
            out.add(("  ! ", "yellow"), w)
    if errors:
        out.add()
        out.add((f"Errors ({len(errors)}): nothing will be applied.", "bold red"))
        for e in errors:
            out.add(("  ✗ ", "red"), e)


def render_outcomes(outcomes: Iterable[ChangeOutcome], console: Console) -> None:
    out = _Lines()
    for o in outcomes:
        c = o.change
        if o.error is None:
            out.add(("  ✓ ", "green"), f"{c.kind} {c.name}: {VERB[c.action]}")
        elif not o.attempted:
            out.add(("  ○ ", "dim"), f"{c.kind} {c.name}: {c.action.value} {o.error}")
        else:
            out.add(("  ✗ ", "red"), f"{c.kind} {c.name}: {c.action.value} failed: {o.error}")
    out.flush(console)


def stopped_summary(applied: Applied) -> str:
    """One line for an apply that stopped before the end: why, and how many changes were applied, failed
    (outcome unknown included) and not started. The outcome lines above name each of them."""
    outcomes = applied.outcomes
    done = sum(1 for o in outcomes if o.error is None)
    skipped = sum(1 for o in outcomes if not o.attempted)
    why = "interrupted" if applied.stopped == "interrupted" else f"apply stopped: {applied.stopped}"
    return (f"{why}: {done} of {len(outcomes)} changes applied, {len(outcomes) - done - skipped} failed, "
            f"{skipped} not started (each listed above)")


def unconfirmed_warning(applied: Applied) -> str | None:
    """One line when the read that confirms the writes failed: the writes themselves were acknowledged."""
    if applied.unconfirmed is None:
        return None
    return (f"the changes above were applied, but reading them back to confirm failed: {applied.unconfirmed}; "
            "a plan made now may list some of them again until every broker shows them")


def apply_summary(outcomes: Sequence[ChangeOutcome]) -> str:
    ok = [o.change.action for o in outcomes if o.error is None]
    return (
        f"Apply complete! Resources: {ok.count(Action.CREATE)} added, {ok.count(Action.UPDATE)} changed, "
        f"{ok.count(Action.DELETE)} destroyed."
    )


def not_shown_warning(applied: Applied) -> str | None:
    """One line when apply returned before the brokers showed every change (see ``Applied``)."""
    if not applied.not_shown:
        return None
    first = applied.not_shown[0]
    return (
        f"the brokers did not yet show every applied change after {applied.waited_s:.0f} s "
        f"({len(applied.not_shown)} of the topics read to confirm were still as before, e.g. {first}); "
        "the controller accepted them, so a plan made now may list them again until the brokers catch up, "
        "and applying them again is harmless"
    )
