"""Subjects: desired schemas against the registry's latest versions. Pure: no I/O, deterministic order.

Rules (ARCHITECTURE section 4, "Subjects"):
- Schemas compare by the registry's own normalisation, never by our text: the
  reader looks every desired schema up under its subject with ``normalize=true``
  (``LiveState.schema_matches``), and the match must be the *latest* version:
  - no match: UPDATE that registers the desired schema as a new version;
  - a match older than the latest: UPDATE that rolls back to it (field ``version``).
    Registries never add a version for a schema the subject already holds (they
    return the old id; confluentinc/schema-registry#1685), so a rollback
    soft-deletes the newer versions, and like any delete needs ``--allow-delete``.
- Compatibility: the desired level (the subject's, else ``defaults.compatibility``;
  None means not managed) against the *effective* live level, the subject's or
  else the global one. Apicurio reports the global level for a subject that has
  none, so comparing subject-level settings alone would never converge.
- A reference without a version means the latest: the referenced subject's live
  latest version or, when this plan registers a new version of it, "latest at
  apply" (None), and then the referrer is re-registered against it too.
- Changes come in dependency order: referenced subjects before their referrers.
- Only owned, undeclared live subjects are deleted (a soft delete); the subjects of
  protected topics, and names matching ``cluster.protect``, are plan errors instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from kafkactl.model import LiveState, LiveSubject, Reference, SubjectSpec, Topology
from kafkactl.plan import Action, Change, FieldChange
from kafkactl.schema_forms import canonical
from kafkactl.subject_rules import purge_text

LATEST_AT_APPLY = None  # a reference version resolved when apply registers the referenced subject


@dataclass
class SubjectPlan:
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # subject -> its latest version once this plan is applied; None when apply registers a new one
    new_latest: dict[str, int | None] = field(default_factory=dict)


def diff_subjects(desired: Topology, live: LiveState) -> SubjectPlan:
    out = SubjectPlan()
    if not live.registry_read:
        if live.registry_warning:
            out.warnings.append(live.registry_warning)
        return out
    for subject in dependency_order(desired.subjects, out.errors):
        spec = desired.subjects[subject]
        refs = _resolve(spec, desired, live, out)
        if refs is None:
            continue
        current = live.subjects.get(subject)
        if current is None:
            _create(spec, _level(spec, desired), refs, out)
        else:
            _update(spec, _level(spec, desired), refs, current, live, out)
    _deletes(desired, live, out)
    return out


def dependency_order(specs: Mapping[str, SubjectSpec], errors: list[str]) -> list[str]:
    """Declared subjects, referenced ones first, otherwise by name; a reference cycle is an error."""
    graph: TopologicalSorter[str] = TopologicalSorter()
    for name in sorted(specs):
        graph.add(name, *sorted({r.subject for r in specs[name].references if r.subject in specs}))
    try:
        return list(graph.static_order())
    except CycleError as e:
        cycle = " -> ".join(e.args[1]) if len(e.args) > 1 else "?"
        errors.append(f"subjects reference each other in a cycle: {cycle}")
        return []


def subject_dict(
    schema_type: str, schema: str, compatibility: str | None, refs: Sequence[Reference]
) -> dict[str, Any]:
    """The ``before``/``after`` shape of a subject change (see ``kafkactl.plan``)."""
    return {"schema_type": schema_type, "schema": schema, "compatibility": compatibility, "references": refs_json(refs)}


def refs_json(refs: Sequence[Reference]) -> list[dict[str, Any]]:
    return [{"name": r.name, "subject": r.subject, "version": r.version} for r in refs]


def effective_level(subject: str, live: LiveState) -> str | None:
    return live.subject_compatibility.get(subject) or live.global_compatibility


def topic_of(subject: str) -> str | None:
    """``chat.events-value`` -> ``chat.events`` (TopicNameStrategy); None for other subjects.

    Kept apart from ``kafkactl.targets.subject_topic``: the diff layer may not import targets.
    """
    for suffix in ("-key", "-value"):
        if subject.endswith(suffix):
            return subject[: -len(suffix)]
    return None


def _level(spec: SubjectSpec, desired: Topology) -> str | None:
    return spec.compatibility or desired.default_compatibility


def _resolve(spec: SubjectSpec, desired: Topology, live: LiveState, out: SubjectPlan) -> tuple[Reference, ...] | None:
    """References with ``latest`` made concrete where it is known now; None (and an error) when one can't resolve."""
    resolved: list[Reference] = []
    for ref in spec.references:
        if ref.version is not None:
            resolved.append(ref)
        elif ref.subject in out.new_latest:
            resolved.append(Reference(ref.name, ref.subject, out.new_latest[ref.subject]))
        elif ref.subject in live.reference_versions:
            resolved.append(Reference(ref.name, ref.subject, live.reference_versions[ref.subject]))
        elif ref.subject not in desired.subjects:
            out.errors.append(
                f"subject {spec.subject}: references subject {ref.subject}, which is neither registered nor declared"
            )
            return None
        else:  # declared but failed to plan (an error already says why)
            return None
    return tuple(resolved)


def _create(spec: SubjectSpec, level: str | None, refs: tuple[Reference, ...], out: SubjectPlan) -> None:
    after = subject_dict(spec.schema_type, spec.schema, level, refs)
    out.changes.append(Change("subject", spec.subject, Action.CREATE, None, after))
    out.new_latest[spec.subject] = LATEST_AT_APPLY


def _update(
    spec: SubjectSpec, level: str | None, refs: tuple[Reference, ...], current: LiveSubject, live: LiveState,
    out: SubjectPlan,
) -> None:
    fields: list[FieldChange] = []
    warnings: list[str] = []
    matched = live.schema_matches.get(spec.subject)
    if matched is None or any(r.version is LATEST_AT_APPLY for r in refs):
        fields += _schema_fields(spec, refs, current)
        out.new_latest[spec.subject] = LATEST_AT_APPLY
    elif matched != current.version:
        fields.append(FieldChange("version", current.version, matched))
        warnings.append(_rollback_warning(spec.subject, matched, current.version))
        out.new_latest[spec.subject] = matched
    effective = effective_level(spec.subject, live)
    if level is not None and level != effective:
        fields.append(FieldChange("compatibility", effective, level))
    if not fields:
        return
    before = subject_dict(current.schema_type, current.schema, effective, current.references)
    after = subject_dict(spec.schema_type, spec.schema, level if level is not None else effective, refs)
    out.changes.append(Change("subject", spec.subject, Action.UPDATE, before, after, tuple(fields), tuple(warnings)))
    out.warnings.extend(warnings)


def _schema_fields(spec: SubjectSpec, refs: tuple[Reference, ...], current: LiveSubject) -> list[FieldChange]:
    """What a re-registration changes; ``schema`` (a unified diff) whenever the references don't explain it."""
    fields: list[FieldChange] = []
    if spec.schema_type != current.schema_type:
        fields.append(FieldChange("schema_type", current.schema_type, spec.schema_type))
    before, after = canonical(current.schema_type, current.schema), canonical(spec.schema_type, spec.schema)
    refs_before, refs_after = refs_json(current.references), refs_json(refs)
    if before != after or refs_before == refs_after:
        fields.append(FieldChange("schema", before, after))
    if refs_before != refs_after:
        fields.append(FieldChange("references", refs_before, refs_after))
    return fields


def _rollback_warning(subject: str, matched: int, latest: int) -> str:
    return (
        f"subject {subject}: the declared schema is version {matched}, but version {latest} is the latest; "
        f"registries never register an existing schema again, so apply rolls back by soft-deleting the versions "
        f"after {matched} (their schema ids stay readable; needs --allow-delete)"
    )


def _deletes(desired: Topology, live: LiveState, out: SubjectPlan) -> None:
    doomed = [s for s in sorted(live.subjects) if s not in desired.subjects and desired.owns_subject(s)]
    for subject in _referrers_first(doomed, live):
        if _protected(desired, subject):
            out.errors.append(
                f"subject {subject}: protected, it cannot be deleted (its topic or name matches cluster.protect or "
                "a template with protect: true)"
            )
            continue
        fields = _purge(subject, set(doomed), live, out)
        if fields is None:
            continue
        current = live.subjects[subject]
        before = subject_dict(current.schema_type, current.schema, effective_level(subject, live), current.references)
        out.changes.append(Change("subject", subject, Action.DELETE, before, None, fields))


def _purge(subject: str, doomed: set[str], live: LiveState, out: SubjectPlan) -> tuple[FieldChange, ...] | None:
    """What deleting ``subject`` needs first: registries refuse while any version references it, even a
    soft-deleted one (Apicurio 3.3.3, Karapace 5.0.3, Confluent alike), so those versions are deleted
    permanently (field ``purge``, needs --allow-permanent-delete). A live version of a subject that stays
    is never purged: the delete is a plan error instead. None when the delete can't be planned."""
    referrers = live.subject_referrers.get(subject, ())
    staying = [r for r in referrers if not r.deleted and r.subject not in doomed]
    if staying:
        held = ", ".join(f"{r.subject} version {r.version}" for r in staying)
        out.errors.append(
            f"subject {subject}: {held} references it and stays, so the registry refuses to delete it; declare the "
            "referrer without the reference and delete its versions that hold it, or keep the subject declared"
        )
        return None
    if not referrers:
        return ()
    purge = [{"subject": r.subject, "version": r.version} for r in referrers]
    out.warnings.append(
        f"subject {subject}: referenced by {purge_text(purge)}; the registry deletes it only once no version "
        "references it, soft-deleted ones included, so apply first deletes those versions permanently (their schema "
        "ids are gone for good; needs --allow-permanent-delete)"
    )
    return (FieldChange("purge", None, purge),)


def _referrers_first(subjects: list[str], live: LiveState) -> list[str]:
    """Registries refuse to delete a schema another one references, so referrers go first."""
    graph: TopologicalSorter[str] = TopologicalSorter()
    doomed = set(subjects)
    for s in subjects:
        graph.add(s)
        for r in sorted({r.subject for r in live.subjects[s].references if r.subject in doomed}):
            graph.add(r, s)  # r waits for its referrer s
    try:
        return list(graph.static_order())
    except CycleError:
        return subjects


def _protected(desired: Topology, subject: str) -> bool:
    topic = topic_of(subject)
    return desired.is_protected(subject) or (topic is not None and desired.is_protected(topic))
