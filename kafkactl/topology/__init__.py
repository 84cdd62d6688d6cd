"""Topology as code: a directory of YAML files -> the frozen ``Topology`` (CONTRACT section 1).

``load(path) -> LoadResult(topology, warnings)`` raises ``TopologyError`` listing every problem.
Pipeline: ``files`` (YAML with positions, duplicate keys) -> ``structure`` (schema.json)
-> ``merge`` (sections across files) -> ``overlay`` (an environment's, see ``environments``) -> ``expand`` (defaults, tenants, DLQs, subjects, with
``schemas`` checking schema files) -> ``check`` (semantic rules).
"""

from kafkactl.topology.load import Base, LoadResult, load, load_each, read_base
from kafkactl.topology.structure import schema_text

__all__ = ["Base", "LoadResult", "load", "load_each", "read_base", "schema_text"]
