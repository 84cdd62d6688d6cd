"""Environment overlays (CONTRACT section 8): the merge, its errors at file:line, profiles. No cluster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kafkactl import tenants
from kafkactl.connection import resolve
from kafkactl.errors import KafkactlError, TopologyError, UsageError
from kafkactl.topology import load, load_each, read_base
from kafkactl.topology.explain import sources

BASE = {
    "cluster.yaml": """\
cluster:
  name: shop
  brokers: 3
  owns: ["shop.*"]
defaults:
  partitions: 6
  replication_factor: 3
  configs:
    min.insync.replicas: 2
""",
    "topics.yaml": """\
topics:
  shop.orders:
    partitions: 12
    configs:
      retention.ms: 7d
    value_schema: schemas/order.avsc
tenants:
  templates:
    "shop.cart.{tenant}":
      configs: {retention.ms: 1d}
  members:
    acme:
      "shop.cart.{tenant}": {partitions: 3}
    globex:
""",
    "schemas/order.avsc": '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}\n',
    "schemas/order2.avsc": '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}\n',
}
Make = Callable[..., Path]


@pytest.fixture
def make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Make:
    monkeypatch.chdir(tmp_path)

    def _make(**overlays: str) -> Path:
        for name, text in BASE.items():
            (tmp_path / "topo" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "topo" / name).write_text(text)
        for env, text in overlays.items():
            (tmp_path / "topo" / "environments").mkdir(exist_ok=True)
            (tmp_path / "topo" / "environments" / f"{env}.yaml").write_text(text)
        return Path("topo")

    return _make


def details(directory: Path, env: str) -> tuple[str, ...]:
    with pytest.raises(TopologyError) as caught:
        load(directory, env)
    return caught.value.details


def test_overlay_overrides_cluster_defaults_and_fields_and_keeps_the_rest(make: Make) -> None:
    topo = make(dev="""\
cluster: {brokers: 1, owns: ["dev.*"]}
defaults:
  replication_factor: 1
  configs: {min.insync.replicas: 1}
topics:
  shop.orders:
    configs: {retention.ms: 1d, segment.ms: 1h}
tenants:
  templates:
    "shop.cart.{tenant}": {partitions: 2}
""")
    topology = load(topo, "dev").topology
    orders = topology.topics["shop.orders"]
    assert (orders.partitions, orders.replication_factor) == (12, 1)
    assert dict(orders.configs) == {"min.insync.replicas": "1", "retention.ms": "86400000", "segment.ms": "3600000"}
    assert topology.cluster.brokers == 1 and topology.cluster.owns == ("dev.*",) and topology.cluster.name == "shop"
    assert topology.topics["shop.cart.globex"].partitions == 2  # the template's field, overridden
    assert topology.topics["shop.cart.acme"].partitions == 3  # the tenant's own override still wins
    assert dict(topology.topics["shop.cart.acme"].configs)["retention.ms"] == "86400000"


def test_the_base_is_never_changed_by_an_overlay(make: Make) -> None:
    topo = make(dev="topics:\n  shop.orders: {partitions: 1}\n", prod="defaults: {partitions: 9}\n")
    base = read_base(topo)
    assert base.load("dev").topology.topics["shop.orders"].partitions == 1
    prod = base.load("prod").topology
    assert prod.topics["shop.orders"].partitions == 12 and prod.topics["shop.cart.globex"].partitions == 9
    assert base.load("dev").topology.topics["shop.cart.globex"].partitions == 6


def test_member_add_remove_and_full_mapping(make: Make) -> None:
    topo = make(
        edit="tenants:\n  members: {add: [initech], remove: [acme]}\n",
        full="tenants:\n  members:\n    acme:\n    umbrella:\n      \"shop.cart.{tenant}\": {partitions: 5}\n",
    )
    assert load(topo, "edit").topology.tenants == ("globex", "initech")
    full = load(topo, "full").topology
    assert full.tenants == ("acme", "umbrella")
    assert full.topics["shop.cart.acme"].partitions == 3  # a base member keeps its base overrides
    assert full.topics["shop.cart.umbrella"].partitions == 5


def test_a_schema_path_is_relative_to_the_overlay_that_names_it(make: Make) -> None:
    topo = make(dev="topics:\n  shop.orders:\n    value_schema: ../schemas/order2.avsc\n")
    subject = load(topo, "dev").topology.subjects["shop.orders-value"]
    assert '"long"' in subject.schema


def test_naming_what_the_base_lacks_is_an_error_at_the_overlay_line(make: Make) -> None:
    topo = make(dev="""\
topics:
  shop.ordres: {partitions: 1}
subjects:
  nope: {compatibility: FULL}
tenants:
  templates:
    "shop.carts.{tenant}": {partitions: 1}
""")
    assert details(topo, "dev") == (
        "topo/environments/dev.yaml:2: topic 'shop.ordres' is not defined in the base topology: an environment "
        "may only change what the base declares (did you mean 'shop.orders'?)",
        "topo/environments/dev.yaml:4: subject 'nope' is not defined in the base topology: an environment "
        "may only change what the base declares",
        "topo/environments/dev.yaml:7: template 'shop.carts.{tenant}' is not defined in the base topology: an "
        "environment may only change what the base declares (did you mean 'shop.cart.{tenant}'?)",
    )


def test_unknown_keys_and_bad_member_edits_are_errors_at_their_lines(make: Make) -> None:
    topo = make(dev="topics:\n  shop.orders: {partitons: 1}\nconection: {}\n",
                twice="tenants:\n  members:\n    remove:\n      - acme\n      - acme\n      - nobody\n    add:\n      - globex\n")
    assert details(topo, "dev") == (
        "topo/environments/dev.yaml:2:17: topics[\"shop.orders\"].partitons: unknown key 'partitons' "
        "(did you mean 'partitions'?)",
        "topo/environments/dev.yaml:3:1: conection: unknown key 'conection' (did you mean 'connection'?)",
    )
    assert details(topo, "twice") == (
        "topo/environments/twice.yaml:5: tenant 'acme' is removed twice: first at topo/environments/twice.yaml:4",
        "topo/environments/twice.yaml:6: tenant 'nobody' cannot be removed: it is not a member of the base topology",
        "topo/environments/twice.yaml:8: tenant 'globex' is already a member of the base topology "
        "(at topo/topics.yaml:14)",
    )


def test_later_errors_point_at_the_file_that_set_the_value(make: Make) -> None:
    topo = make(dev="topics:\n  shop.orders:\n    configs:\n      retention.ms: soon\n")
    assert details(topo, "dev") == (
        "topo/environments/dev.yaml:4: retention.ms: 'soon' is not a duration such as 500ms, 30s, 15m, 12h, 7d, "
        "2w, an integer of ms, or forever",
    )


def test_explain_names_the_file_of_every_value(make: Make) -> None:
    topo = make(dev="defaults: {replication_factor: 2}\ntopics:\n  shop.orders: {partitions: 2}\n")
    found = {s.path: str(s.location) for s in sources(load(topo, "dev").sections)}  # type: ignore[arg-type]
    assert found["defaults.replication_factor"] == "topo/environments/dev.yaml:1"
    assert found["defaults.partitions"] == "topo/cluster.yaml:6"
    assert found['topics["shop.orders"].partitions'] == "topo/environments/dev.yaml:3"
    assert found['topics["shop.orders"].configs["retention.ms"]'] == "topo/topics.yaml:5"


def test_explain_shows_an_overlay_schema_path_as_written(make: Make) -> None:
    topo = make(dev="topics:\n  shop.orders:\n    value_schema: ../schemas/order2.avsc\n")
    found = {s.path: s.value for s in sources(load(topo, "dev").sections)}  # type: ignore[arg-type]
    assert found['topics["shop.orders"].value_schema'] == "../schemas/order2.avsc"


def test_env_is_required_known_and_only_where_there_are_environments(make: Make) -> None:
    topo = make(dev="{}\n", prod="{}\n")
    with pytest.raises(UsageError, match=r"has environments \(dev, prod\): choose one with --env"):
        load(topo)
    with pytest.raises(UsageError, match="unknown environment 'qa'"):
        load(topo, "qa")
    (topo / "environments" / "dev.yaml").unlink()
    (topo / "environments" / "prod.yaml").unlink()
    with pytest.raises(UsageError, match="has no environments"):
        load(topo, "dev")


def test_load_each_reports_every_environment_from_one_read_of_the_base(make: Make) -> None:
    topo = make(bad="topics:\n  nope: {}\n", good="{}\n")
    results = dict(load_each(topo))
    assert isinstance(results["bad"], TopologyError) and not isinstance(results["good"], TopologyError)


def test_connection_profile_expands_variables_only_when_used(make: Make) -> None:
    topo = make(prod="connection:\n  bootstrap_servers: ${PROD_BOOT}\n  schema_registry_url: https://r.example.com/${REG}/x\n")
    profile = load(topo, "prod").connection
    conn = resolve(env={"PROD_BOOT": "b1:9092", "REG": "v7"}, profile=profile)
    assert (conn.bootstrap_servers, conn.schema_registry_url) == ("b1:9092", "https://r.example.com/v7/x")
    flags = resolve("flag:1", "http://flag.example.com", env={}, profile=profile)  # overridden: the variables need not be set
    assert (flags.bootstrap_servers, flags.schema_registry_url) == ("flag:1", "http://flag.example.com")
    assert resolve(env={"KAFKACTL_BOOTSTRAP_SERVERS": "env:1", "REG": "v"}, profile=profile).bootstrap_servers == "env:1"
    with pytest.raises(KafkactlError, match=r"topo/environments/prod.yaml:2: environment variable PROD_BOOT is not set"):
        resolve(env={"REG": "v7"}, profile=profile)


def test_a_malformed_variable_reference_is_an_error_at_its_line(make: Make) -> None:
    topo = make(prod="connection:\n  bootstrap_servers: ${1x}\n  client_config: ${OPEN\n")
    assert details(topo, "prod") == (
        "topo/environments/prod.yaml:2: connection.bootstrap_servers: ${1x} is not a variable reference: "
        "use ${NAME}, NAME of letters, digits and '_'",
        "topo/environments/prod.yaml:3: connection.client_config: unclosed ${ (write ${NAME})",
    )


def test_access_sections_override_by_name_and_never_invent_one(make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_PASSWORD", "not-a-real-one")
    topo = make(dev="users:\n  svc: {iterations: 9000}\nquotas:\n  users:\n    svc: {producer_byte_rate: 1MiB}\n",
                bad="users:\n  other: {iterations: 9000}\n")
    (topo / "access.yaml").write_text("principals:\n  User:svc:\n    produce: [\"shop.orders\"]\n"
                                      "users:\n  svc: {mechanism: SCRAM-SHA-512, password_env: SVC_PASSWORD}\n"
                                      "quotas:\n  users:\n    svc: {consumer_byte_rate: 2MiB}\n")
    dev = load(topo, "dev").topology
    assert dev.users["svc"].iterations == 9000 and dev.users["svc"].mechanism == "SCRAM-SHA-512"
    assert dict(dev.quotas["user=svc"].values) == {"consumer_byte_rate": 2097152, "producer_byte_rate": 1048576}
    assert details(topo, "bad") == ("topo/environments/bad.yaml:2: user 'other' is not defined in the base topology: "
                                    "an environment may only change what the base declares",)


def test_tenant_edits_go_to_the_base_and_are_undone_when_an_environment_breaks(make: Make) -> None:
    topo = make(stg="tenants:\n  members: {remove: [globex]}\n")
    before = (topo / "environments" / "stg.yaml").read_text()
    edit = tenants.add(topo, "initech", env="stg")
    assert edit.path == topo / "topics.yaml" and load(topo, "stg").topology.tenants == ("acme", "initech")
    base = (topo / "topics.yaml").read_text()
    with pytest.raises(TopologyError) as caught:  # stg's overlay would remove a tenant the base no longer has
        tenants.remove(topo, "globex", env="stg")
    assert "tenant 'globex' cannot be removed: it is not a member of the base topology" in "\n".join(caught.value.details)
    assert (topo / "topics.yaml").read_text() == base
    assert (topo / "environments" / "stg.yaml").read_text() == before
