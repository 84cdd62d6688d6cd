"""Schema diffs and sameness through the CLI, on every registry the suite runs (Apicurio 3.3.3, Karapace 5.0.3).

Karapace stores normalised text (Avro and JSON compact with sorted keys, Protobuf re-rendered),
so a diff of the stored text against the declared one showed every key move (issue 12, defect 3).
Both registries' normalised lookups call a Protobuf text with other comments or formatting a new
schema, so a comment-only change planned a new version (defect 5). The registry is checked with
plain HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.test_schemas_cli import (
    Run,
    apply_ok,
    assert_converged,
    changes,
    kctl,
    latest,
    plan_json,
    sr,
    topic_yaml,
    versions,
    write,
)

__all__ = ["kctl", "sr"]  # fixtures used here by name

PROTO_V1 = """\
syntax = "proto3";
package shop.v1;

// An order, as the shop writes it.
message Order {
  string id = 1; // never empty
  /* the amount in cents */
  int64 cents = 2;
  oneof payer { string card = 3; string account = 4; }
  enum State { STATE_UNSPECIFIED = 0; PAID = 1; }
  State state = 5;
}
"""
PROTO_COMMENTS_CHANGED = """\
syntax = "proto3";
package shop.v1;

// An order. Comments and layout changed, declarations did not.
message Order {
  string   id    = 1;
  int64 cents = 2;   // in cents
  oneof payer {
    string card = 3;
    string account = 4;
  }
  enum State {
    STATE_UNSPECIFIED = 0;
    PAID = 1;
  }
  State state = 5;
}
"""


def diff_lines(out: str) -> list[str]:
    """The added and removed lines of the plan's schema diffs (indented 10), less the file headers and indentation."""
    lines = [line[10:] for line in out.splitlines() if line.startswith(" " * 10 + "+") or line.startswith(" " * 10 + "-")]
    return [line[0] + line[1:].strip() for line in lines if not line.startswith(("+++", "---"))]


def avro_ev(*fields: dict[str, object]) -> str:
    """Record ``x.Ev`` as a person writes it: type first, then name and namespace, indented."""
    return json.dumps({"type": "record", "name": "Ev", "namespace": "x", "doc": "An event", "fields": list(fields)},
                      indent=2)


ID = {"name": "id", "type": "string", "doc": "the id"}
AT = {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
NOTE = {"name": "note", "type": ["null", "string"], "default": None}


def test_an_added_avro_field_shows_that_field_alone(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = unique_name("sd")
    d = write(tmp_path, topic_yaml(topic), {"v.avsc": avro_ev(ID, AT)})
    apply_ok(kctl, d)
    write(tmp_path, topic_yaml(topic), {"v.avsc": avro_ev(ID, AT, NOTE)})

    assert changes(plan_json(kctl, d)) == [("subject", f"{topic}-value", "update", ["schema"])]
    code, out, err = kctl("plan", d)
    assert code == 0, out + err
    assert diff_lines(out) == [
        "+},",
        "+{",
        '+"name": "note",',
        '+"type": [',
        '+"null",',
        '+"string"',
        "+],",
        '+"default": null',
    ], out
    apply_ok(kctl, d)
    assert versions(sr, f"{topic}-value") == [1, 2]
    assert_converged(kctl, d)


def test_a_comment_only_protobuf_change_plans_no_change_and_a_real_one_its_field(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = unique_name("sp")
    subject = f"{topic}-value"
    d = write(tmp_path, topic_yaml(topic, "v.proto"), {"v.proto": PROTO_V1})
    apply_ok(kctl, d)
    assert_converged(kctl, d)

    write(tmp_path, topic_yaml(topic, "v.proto"), {"v.proto": PROTO_COMMENTS_CHANGED})
    assert_converged(kctl, d)
    assert versions(sr, subject) == [1]
    assert "never empty" in latest(sr, subject)["schema"]  # the registry keeps the text it has

    real = PROTO_COMMENTS_CHANGED.replace("  State state = 5;\n", "  State state = 5;\n  string coupon = 6;\n")
    write(tmp_path, topic_yaml(topic, "v.proto"), {"v.proto": real})
    assert changes(plan_json(kctl, d)) == [("subject", subject, "update", ["schema"])]
    code, out, err = kctl("plan", d)
    assert code == 0, out + err
    assert diff_lines(out) == ["+string coupon = 6;"], out
    apply_ok(kctl, d)
    assert versions(sr, subject) == [1, 2]
    assert_converged(kctl, d)


def test_import_writes_readable_schema_files_that_plan_no_change(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = unique_name("si")
    d = write(tmp_path / "source", topic_yaml(topic), {"v.avsc": avro_ev(ID, AT)})
    apply_ok(kctl, d)
    assert "\n" not in latest(sr, f"{topic}-value")["schema"].strip()  # both registries store it compact

    out_dir = tmp_path / "imported"
    code, out, err = kctl("import", "--include", f"{topic}*", "--out", str(out_dir))
    assert code == 0, out + err
    written = (out_dir / "schemas" / f"{topic}-value.avsc").read_text(encoding="utf-8")
    assert written.startswith('{\n  "name": "Ev",\n  "namespace": "x",\n  "type": "record",\n  "doc": "An event",\n'
                              '  "fields": [\n    {\n      "name": "id",\n'), written
    assert json.loads(written) == json.loads(latest(sr, f"{topic}-value")["schema"])
    assert_converged(kctl, str(out_dir))
