"""The only schema-registry HTTP code: the Confluent-compatible REST API (Confluent, Karapace, Redpanda, Apicurio ccompat).

Rules:
- Planning only reads: GETs, the normalised lookup (``POST /subjects/{s}``), the
  compatibility check (``POST /compatibility/...``) and Apicurio's ``dryRun``
  change nothing. Writes happen only in the ``apply_*`` methods.
- No subjects in scope, no calls: with nothing declared, no templates and no
  ``cluster.owns``, ``read_subjects`` returns the state as given (``registry_read``
  False), so a topics-only topology plans with the registry down. With templates or
  owns globs it reads (owned subjects may be left to delete), and an unreachable
  registry becomes ``registry_warning`` instead of an error.
- One keep-alive ``httpx.Client`` serves a bounded pool of ``POOL_SIZE`` threads
  for per-subject calls. Which reads answer the latest versions and levels, and how
  each bulk answer is checked before it is used, is kafkactl.registry_read's rule.
- Every call is bounded by the connection timeout. Failures are ``RegistryError``
  with one line naming the URL; credentials never appear (auth travels in a
  header, userinfo in the URL is redacted).
- Registration always sends ``normalize=true``, as the lookup does, so a schema
  equal after normalisation is found again and the plan after apply is empty.
- Each write returns one ``Outcome`` per subject and never raises for one subject's failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from kafkactl.connection import Connection
from kafkactl.errors import RegistryError
from kafkactl.model import LiveState, LiveSubject, Outcome, Reference, Referrer, SubjectSpec, Topology
from kafkactl.plan import Action, Change, Plan
from kafkactl.registry_read import Current, View, read, view
from kafkactl.subject_rules import (
    avro_incompatibility,
    direction,
    level_to_set,
    purges,
    ref_subjects,
    refs_of,
    registers,
    same_schema,
    schema_body,
    waves,
)

POOL_SIZE = 16
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
APICURIO_CCOMPAT = "/apis/ccompat/v7"
_JAVA_EXCEPTION = re.compile(r"^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error): ")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Checked:
    """The compatibility pre-check's findings: errors stop the plan, warnings are shown."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class Registry:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.url = safe_url(conn.schema_registry_url)
        self._http: httpx.Client | None = None

    # --- HTTP -----------------------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        """Created on first use, so a plan that never needs the registry never connects."""
        if self._http is None:
            limits = httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE)
            self._http = httpx.Client(
                base_url=self.conn.schema_registry_url.rstrip("/") + "/",
                auth=self.conn.registry_auth,
                timeout=httpx.Timeout(self.conn.timeout_s),
                limits=limits,
                headers={"Accept": f"{CONTENT_TYPE}, application/json", "Content-Type": CONTENT_TYPE},
            )
        return self._http

    def call(self, method: str, path: str, body: Any = None, params: Mapping[str, str] | None = None,
             missing_ok: bool = False) -> Any:
        """The JSON answer; None for a 404 when ``missing_ok``; a one-line RegistryError otherwise."""
        r = self._send(method, path, body, params)
        if r.status_code == 404 and missing_ok:
            return None
        if r.status_code in (401, 403):
            raise RegistryError(
                f"the schema registry at {self.url} refused the request (HTTP {r.status_code})",
                hint="set KAFKACTL_SCHEMA_REGISTRY_AUTH=user:password for a registry that needs credentials",
            )
        if r.is_error:
            raise RegistryError(f"{method} {path}: HTTP {r.status_code}: {error_message(r)}")
        return _json(r, self.url)

    def _send(self, method: str, path: str, body: Any, params: Mapping[str, str] | None) -> httpx.Response:
        try:
            try:
                return self.http.request(method, path, json=body, params=params)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                # A server may close a keep-alive connection just as a request goes out (Karapace
                # does after an answer of 500); every call here is idempotent in effect, so it is
                # sent once more on a fresh connection.
                return self.http.request(method, path, json=body, params=params)
        except httpx.TransportError as e:
            raise RegistryError(
                f"cannot reach the schema registry at {self.url}: {transport_reason(e)}",
                hint="check --schema-registry-url / KAFKACTL_SCHEMA_REGISTRY_URL, or start the local cluster "
                "with 'kafkactl local up'",
            ) from None

    def get_raw(self, path: str, params: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        """Status and body of a GET; a RegistryError only when the registry can't be reached."""
        r = self._send("GET", path, None, params)
        return r.status_code, r.content

    def native_url(self, path: str) -> str | None:
        """Apicurio's native API (``/apis/registry/v3...``) beside its ccompat URL; None for any other URL."""
        base = self.conn.schema_registry_url.rstrip("/")
        return base[: -len(APICURIO_CCOMPAT)] + path if base.endswith(APICURIO_CCOMPAT) else None

    def pool(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return self._pool(fn, items)

    def _pool(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` over ``items`` on the bounded pool, results in order; the first error propagates."""
        todo = list(items)
        if len(todo) <= 1:
            return [fn(i) for i in todo]
        with ThreadPoolExecutor(max_workers=min(POOL_SIZE, len(todo))) as pool:
            return list(pool.map(fn, todo))

    # --- reads (plan) -------------------------------------------------------------------------

    def read_subjects(self, topology: Topology, state: LiveState) -> LiveState:
        """Latest versions, levels and normalised lookups of the subjects in scope: declared, plus owned live ones."""
        if not topology.subjects:
            if not (topology.templates or topology.cluster.owns):
                return state
            # Nothing declared, yet templates or owns globs may own live subjects (the last
            # tenant was removed, say): read them, so their deletes are planned. The registry
            # is optional here, as for a topics-only topology: unreachable is a warning.
            try:
                return self._read_subjects(topology, state)
            except RegistryError as e:
                return replace(state, registry_warning=f"subjects not read, so none are planned: {e.summary}")
        return self._read_subjects(topology, state)

    def _read_subjects(self, topology: Topology, state: LiveState) -> LiveState:
        # The listing (and Apicurio's export) finds owned, undeclared subjects; the listing
        # may be capped (Apicurio's apicurio.ccompat.max-subjects, 1000 by default), so
        # declared and referenced subjects are read whether it lists them or not.
        referenced = {r.subject for spec in topology.subjects.values() for r in spec.references}
        seen = view(self, topology.owns_subject, set(topology.subjects) | referenced)
        owned = {s for s in seen.names if topology.owns_subject(s)}
        global_level = self.call("GET", "config").get("compatibilityLevel")
        current = self.current(set(topology.subjects) | owned | referenced, seen)
        latest = current.latest
        existing = sorted(s for s in set(topology.subjects) | owned if s in latest)
        ref_versions = {s: latest[s].version for s in referenced if s in latest}
        declared = [topology.subjects[s] for s in existing if s in topology.subjects]
        matches = self._pool(lambda spec: self.lookup(spec, ref_versions, latest[spec.subject]), declared)
        return replace(
            state,
            subjects=MappingProxyType({s: latest[s] for s in existing}),
            subject_compatibility=MappingProxyType(subject_levels(current.levels, existing, global_level)),
            global_compatibility=global_level,
            schema_matches=MappingProxyType({d.subject: v for d, v in zip(declared, matches, strict=True) if v}),
            reference_versions=MappingProxyType(ref_versions),
            registry_read=True,
        )

    def read_referrers(self, topology: Topology, state: LiveState) -> LiveState:
        """Who references the subjects a plan may delete (owned, live, undeclared), soft-deleted versions included.

        Per version ``GET .../referencedby`` gives schema ids; ``GET /schemas/ids/{id}/versions``
        with and without ``deleted=true`` names the subject versions holding each id and
        tells live from soft-deleted. Only these few subjects are read, never the rest.
        """
        doomed = sorted(s for s in state.subjects if s not in topology.subjects and topology.owns_subject(s))
        if not state.registry_read or not doomed:
            return state
        found = self._pool(self._referrers, doomed)
        return replace(state, subject_referrers=MappingProxyType({s: r for s, r in zip(doomed, found, strict=True) if r}))

    def _referrers(self, subject: str) -> tuple[Referrer, ...]:
        ids: set[int] = set()
        for version in self.call("GET", f"subjects/{q(subject)}/versions", missing_ok=True) or []:
            path = f"subjects/{q(subject)}/versions/{int(version)}/referencedby"
            ids.update(int(i) for i in self.call("GET", path, missing_ok=True) or [])
        out: set[Referrer] = set()
        for schema_id in ids:
            live = {(d["subject"], int(d["version"]))
                    for d in self.call("GET", f"schemas/ids/{schema_id}/versions", missing_ok=True) or []}
            every = self.call("GET", f"schemas/ids/{schema_id}/versions", params={"deleted": "true"}, missing_ok=True)
            for d in every or []:
                key = (str(d["subject"]), int(d["version"]))
                if key[0] != subject:
                    out.add(Referrer(key[0], key[1], deleted=key not in live))
        return tuple(sorted(out))

    def view(self, in_scope: Callable[[str], bool] = lambda _: True, also: Iterable[str] = ()) -> View:
        """The live subjects: ``GET /subjects``, plus Apicurio's export where it answers and pays for this scope."""
        return view(self, in_scope, set(also))

    def current(self, subjects: Iterable[str], seen: View | None = None) -> Current:
        """Latest live versions and subject levels of ``subjects`` (absent: not live), by registry_read's rules."""
        return read(self, seen or view(self), set(subjects))

    def lookup(self, spec: SubjectSpec, ref_versions: Mapping[str, int], latest: LiveSubject | None = None) -> int | None:
        """The version under which the registry holds the desired schema after normalisation; None if none.

        A desired schema the same as the latest (equal canonical forms, ``same_schema``) with
        the same references is that version without asking. This rule, not the lookup, keeps
        Protobuf comments and formatting from counting: Apicurio 3.3.3 and Karapace 5.0.3
        both answer "not found" for a text whose comments changed. Only other texts are
        looked up, which saves one call per unchanged subject.
        """
        refs = tuple(Reference(r.name, r.subject, r.version or ref_versions.get(r.subject)) for r in spec.references)
        if any(r.version is None for r in refs):
            return None  # it references a subject not registered yet: it can't be registered here either
        if latest is not None and latest.references == refs and same_schema(spec, latest):
            return latest.version
        doc = self.call("POST", f"subjects/{q(spec.subject)}", schema_body(spec.schema_type, spec.schema, refs),
                        params={"normalize": "true"}, missing_ok=True)
        return None if doc is None else int(doc["version"])

    # --- compatibility pre-check (plan) --------------------------------------------------------

    def check_compatibility(self, plan: Plan) -> Checked:
        """Ask the registry whether every new version of an existing subject is compatible at its level after apply.

        The registry checks with the level the subject has now. When the plan keeps the
        direction (BACKWARD, FORWARD, FULL) that is exact: a transitive level is checked
        against every version one by one, a non-transitive one against the latest. When the
        plan changes the direction, the registry can't be asked without writing: Avro
        schemas without references are checked here with Avro's own checker, the others
        get a warning and are checked by the registry when apply registers them.
        """
        todo = [c for c in plan.changes if c.kind == "subject" and c.action is Action.UPDATE and registers(c)]
        found = self._pool(self._check_one, todo) + self._refusals(plan)
        return Checked(tuple(e for e, _ in found if e), tuple(w for _, w in found if w))

    def _refusals(self, plan: Plan) -> list[tuple[str | None, str | None]]:
        """Registrations with references that the registry would refuse (Karapace 5.0.3 takes them for PROTOBUF only).

        Read-only: a normalised lookup under a live subject parses the schema with its
        references and stores nothing (a 404 means "parsed, not registered"; 422 means
        refused). A lookup under a subject that does not exist answers 404 before parsing,
        so it goes to the subject itself if live, else to a live subject it references,
        else to any live subject. A reference this plan registers first is sent as
        ``-1`` (latest): a refusal then counts only when the registry says references of
        that type are unsupported, since the referenced version does not exist yet.
        """
        todo = [c for c in plan.changes if c.kind == "subject" and registers(c) and (c.after or {}).get("references")]
        if not todo:
            return []
        live = sorted(self.call("GET", "subjects"))
        return self._pool(lambda c: self._refusal(c, live), todo)

    def _refusal(self, c: Change, live: Sequence[str]) -> tuple[str | None, str | None]:
        after = c.after or {}
        refs = refs_of(after["references"])
        anchor = lookup_anchor(c.name, [r.subject for r in refs], live)
        if anchor is None:
            return None, (f"subject {c.name}: the registry holds no subject yet, so it can't check this schema's "
                          "references before apply; it checks them when apply registers it")
        sent = [Reference(r.name, r.subject, r.version if r.version is not None else -1) for r in refs]
        r = self._send("POST", f"subjects/{q(anchor)}", schema_body(after["schema_type"], after["schema"], sent),
                       {"normalize": "true"})
        if r.status_code != 422 and r.status_code < 500:
            return None, None
        # Karapace 5.0.3 answers 500 when a reference names a subject not registered yet.
        message = error_message(r)
        if r.status_code == 422 and (all(ref.version is not None for ref in refs) or references_unsupported(r)):
            return f"subject {c.name}: the registry refuses this schema, so apply could not register it: {message}", None
        return None, (f"subject {c.name}: the registry could not check this schema before the subjects it references "
                      f"are registered ({message}); it checks it when apply registers it")

    def _check_one(self, c: Change) -> tuple[str | None, str | None]:
        before, after = c.before or {}, c.after or {}
        target, current = after.get("compatibility"), before.get("compatibility")
        if target in (None, "NONE"):
            return None, None
        if any(r.get("version") is None for r in after.get("references", [])):
            return None, (f"subject {c.name}: not pre-checked for {target} compatibility, it references a version "
                          "this apply registers; the registry checks it when apply registers it")
        local = direction(target) != direction(current)
        if local and (after["schema_type"] != "AVRO" or after.get("references")):
            return None, (f"subject {c.name}: compatibility changes from {current} to {target} in this plan; the "
                          f"registry can't check {target} before apply, it checks it when apply registers the schema")
        for version in self._versions_to_check(c.name, target):
            reason = (self._avro_incompatibility(c.name, version, after, target) if local
                      else self._incompatibility(c.name, version, after, target == current))
            if reason is not None:
                which = "the latest version" if version == "latest" else f"version {version}"
                return f"subject {c.name}: the new schema is incompatible with {which} under {target}: {reason}", None
        return None, None

    def _avro_incompatibility(self, subject: str, version: str, after: Mapping[str, Any], level: str) -> str | None:
        """A level whose direction changes in this plan: Apache Avro's reader/writer check, run here.

        The registry checks only with the level a subject has now; Avro's checker is the
        algorithm registries run for Avro, so the verdict is the one apply would get.
        """
        old = str(self.call("GET", f"subjects/{q(subject)}/versions/{version}")["schema"])
        return avro_incompatibility(str(after["schema"]), old, level)

    def _versions_to_check(self, subject: str, level: str) -> list[str]:
        if not level.endswith("_TRANSITIVE"):
            return ["latest"]
        return [str(v) for v in sorted(self.call("GET", f"subjects/{q(subject)}/versions"), reverse=True)]

    def _incompatibility(self, subject: str, version: str, after: Mapping[str, Any], same_level: bool) -> str | None:
        """None when compatible, else the registry's reason (``verbose=true``; Apicurio's dry run when it has none)."""
        body = schema_body(after["schema_type"], after["schema"], refs_of(after.get("references", [])))
        doc = self.call("POST", f"compatibility/subjects/{q(subject)}/versions/{version}", body,
                        params={"verbose": "true"})
        if doc.get("is_compatible", True):
            return None
        messages = [str(m) for m in doc.get("messages") or []]
        reason = "; ".join(messages) or (self._apicurio_reason(subject, after) if same_level else None)
        return reason or "the registry gives no reason"

    def _apicurio_reason(self, subject: str, after: Mapping[str, Any]) -> str | None:
        """Apicurio's ccompat gives no reasons; its own API's ``dryRun`` registration does (and writes nothing)."""
        if not self.conn.schema_registry_url.endswith(APICURIO_CCOMPAT) or after.get("references"):
            return None
        content_type = "application/x-protobuf" if after["schema_type"] == "PROTOBUF" else "application/json"
        native = self.conn.schema_registry_url[: -len(APICURIO_CCOMPAT)] + "/apis/registry/v3"
        body = {"content": {"content": after["schema"], "contentType": content_type}}
        try:
            r = self.http.post(f"{native}/groups/default/artifacts/{q(subject)}/versions", json=body,
                               params={"dryRun": "true"}, headers={"Content-Type": "application/json"})
            doc = r.json() if r.is_error else None
        except (httpx.HTTPError, ValueError):
            return None
        return str(doc.get("title") or doc.get("detail")) if isinstance(doc, dict) else None

    # --- writes (apply) -----------------------------------------------------------------------

    def apply_compatibility(self, changes: Sequence[Change]) -> list[Outcome]:
        """``PUT /config/{s}`` for every subject whose level the plan sets (new subjects included)."""
        todo = [(c.name, lv) for c in changes if (lv := level_to_set(c)) is not None]
        return self._each(todo, lambda name, level: self.call("PUT", f"config/{q(name)}", {"compatibility": level}))

    def apply_schemas(self, changes: Sequence[Change]) -> list[Outcome]:
        """Rollbacks, then registrations in waves: a subject after the subjects it references."""
        outcomes = self._each([(c.name, c) for c in changes if c.field_change("version")], self._rollback)
        regs = {c.name: c for c in changes if registers(c)}
        failed: set[str] = set()
        for wave in waves({n: {r["subject"] for r in (c.after or {}).get("references", [])} for n, c in regs.items()}):
            blocked = {n: sorted(ref_subjects(regs[n]) & failed) for n in wave}
            outcomes += [Outcome(n, f"not registered: referenced subject {', '.join(b)} failed")
                         for n, b in blocked.items() if b]
            done = self._each([(n, regs[n]) for n in wave if not blocked[n]], self._register)
            failed |= {o.name for o in done if o.error} | {n for n, b in blocked.items() if b}
            outcomes += done
        return outcomes

    def apply_deletes(self, changes: Sequence[Change]) -> list[Outcome]:
        """Soft deletes (``DELETE /subjects/{s}``), referrers before the subjects they reference; a delete with a
        ``purge`` first deletes those referrer versions permanently (soft, then ``permanent=true``)."""
        doomed = {c.name: c for c in changes if c.action is Action.DELETE}
        waits: dict[str, set[str]] = {n: set() for n in doomed}
        for name, c in doomed.items():
            for ref in ref_subjects(c, "before") & doomed.keys():
                waits[ref].add(name)
            waits[name] |= {s for s, _ in purges(c)} & doomed.keys()
        outcomes: list[Outcome] = []
        for wave in waves(waits):
            outcomes += self._each([(n, doomed[n]) for n in wave], self._delete)
        return outcomes

    def _delete(self, name: str, c: Change) -> None:
        for subject, version in purges(c):
            path = f"subjects/{q(subject)}/versions/{version}"
            soft = self._send("DELETE", path, None, None)
            # Already soft-deleted: Karapace answers 404, Apicurio 409; either way the permanent delete follows.
            if soft.is_error and soft.status_code not in (404, 409):
                raise RegistryError(f"DELETE {path}: HTTP {soft.status_code}: {error_message(soft)}")
            self.call("DELETE", path, params={"permanent": "true"}, missing_ok=True)
        self.call("DELETE", f"subjects/{q(name)}")

    def _register(self, _: str, c: Change) -> None:
        after = c.after or {}
        refs = [Reference(r.name, r.subject, r.version or self._latest_version(r.subject))
                for r in refs_of(after.get("references", []))]
        self.call("POST", f"subjects/{q(c.name)}/versions", schema_body(after["schema_type"], after["schema"], refs),
                  params={"normalize": "true"})

    def _latest_version(self, subject: str) -> int:
        return int(self.call("GET", f"subjects/{q(subject)}/versions/latest")["version"])

    def _rollback(self, _: str, c: Change) -> None:
        """Make version ``after`` the latest again: soft-delete every version after it, newest first."""
        change = c.field_change("version")
        target = int(change.after) if change else 0
        for version in sorted(self.call("GET", f"subjects/{q(c.name)}/versions"), reverse=True):
            if int(version) > target:
                self.call("DELETE", f"subjects/{q(c.name)}/versions/{int(version)}")

    def _each(self, items: Sequence[tuple[str, T]], fn: Callable[[str, T], object]) -> list[Outcome]:
        """``fn(name, item)`` for each pair, concurrently: one Outcome per name, a RegistryError its error."""

        def run(item: tuple[str, T]) -> Outcome:
            try:
                fn(*item)
            except RegistryError as e:
                return Outcome(item[0], e.summary)
            return Outcome(item[0])

        return self._pool(run, items)


# --- pure helpers ---------------------------------------------------------------------------------


def q(subject: str) -> str:
    """A subject as one URL path segment ('/' and all)."""
    return quote(subject, safe="")


def safe_url(url: str) -> str:
    """The URL without ``user:password@``, for messages."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def transport_reason(e: httpx.TransportError) -> str:
    if isinstance(e, httpx.TimeoutException):
        return f"no answer within the timeout ({type(e).__name__})"
    return str(e) or type(e).__name__


def error_message(r: httpx.Response) -> str:
    """The registry's ``message`` on one line, without a leading Java exception class name."""
    try:
        doc = r.json()
        text = str(doc.get("message") or doc.get("detail") or doc) if isinstance(doc, dict) else str(doc)
    except ValueError:
        text = r.text[:300] or r.reason_phrase
    return _JAVA_EXCEPTION.sub("", " ".join(text.split()))


def _json(r: httpx.Response, url: str) -> Any:
    try:
        return r.json()
    except ValueError:
        raise RegistryError(
            f"the schema registry at {url} did not answer with JSON (HTTP {r.status_code}) for {r.request.url.path}",
            hint="point --schema-registry-url at the Confluent-compatible API, e.g. http://host:8081 or "
            "http://host:8080/apis/ccompat/v7 for Apicurio",
        ) from None


def lookup_anchor(subject: str, referenced: Sequence[str], live: Sequence[str]) -> str | None:
    """A live subject to parse a schema under: the subject itself, else one it references, else any; None if none."""
    present = set(live)
    return next((s for s in (subject, *referenced) if s in present), live[0] if live else None)


def references_unsupported(r: httpx.Response) -> bool:
    """Karapace's REFERENCES_SUPPORT_NOT_IMPLEMENTED (error 44302): references refused for the schema type as such."""
    try:
        doc = r.json()
    except ValueError:
        return False
    return isinstance(doc, dict) and (doc.get("error_code") == 44302
                                      or "references are not supported" in str(doc.get("message", "")).lower())


def subject_levels(levels: Mapping[str, str], subjects: Iterable[str], global_level: str | None) -> dict[str, str]:
    """Levels set on the subjects, without those equal to the global level.

    Apicurio's per-subject read answers the global level for a subject without its own,
    its export nothing: both mean the same effective level, and so record the same.
    """
    return {s: lv for s in subjects if (lv := levels.get(s)) and lv != global_level}
