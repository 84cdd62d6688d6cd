"""Protobuf subjects for confluent-kafka's serdes, on registries that store schema text.

confluent-kafka's Protobuf serdes ask the registry for a schema with
``format=serialized`` (a base64 ``FileDescriptorProto``). Apicurio's ccompat API answers
with the ``.proto`` text instead. ``ProtoTextRegistry`` turns such text into the
serialized descriptor (parsed with proto-schema-parser, no protoc), so the serdes work
on every registry; a registry that serves descriptors is passed through untouched.

Rules:
- The descriptor carries messages, nested messages, enums, fields (scalars, messages,
  enums; repeated, optional), maps and oneofs. Type names are left for the
  descriptor pool to resolve with protobuf's own scoping rules.
- A dict value is parsed into the message type of the subject's latest version (its
  first message); decoded values are dicts with the .proto field names.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any

import attrs
from confluent_kafka.schema_registry import RegisteredSchema, Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from google.protobuf import descriptor_pb2, json_format
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from proto_schema_parser import ast
from proto_schema_parser.parser import Parser

from kafkactl.clients.serde import Field, SchemaCodec, SerdeError, serde_conf

FDP = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    "double": FDP.TYPE_DOUBLE, "float": FDP.TYPE_FLOAT, "int64": FDP.TYPE_INT64, "uint64": FDP.TYPE_UINT64,
    "int32": FDP.TYPE_INT32, "fixed64": FDP.TYPE_FIXED64, "fixed32": FDP.TYPE_FIXED32, "bool": FDP.TYPE_BOOL,
    "string": FDP.TYPE_STRING, "bytes": FDP.TYPE_BYTES, "uint32": FDP.TYPE_UINT32, "sfixed32": FDP.TYPE_SFIXED32,
    "sfixed64": FDP.TYPE_SFIXED64, "sint32": FDP.TYPE_SINT32, "sint64": FDP.TYPE_SINT64,
}
LABELS = {"repeated": FDP.LABEL_REPEATED, "required": FDP.LABEL_REQUIRED}


@functools.lru_cache(maxsize=256)
def descriptor_of(text: str, name: str = "default") -> descriptor_pb2.FileDescriptorProto:
    """The FileDescriptorProto of ``.proto`` text."""
    try:
        parsed = Parser().parse(text)
    except Exception as e:  # the ANTLR parser raises its own exception types
        raise SerdeError(f"cannot parse Protobuf schema: {e}") from None
    fd = descriptor_pb2.FileDescriptorProto(name=name, syntax=parsed.syntax or "proto2")
    for el in parsed.file_elements:
        if isinstance(el, ast.Package):
            fd.package = el.name
        elif isinstance(el, ast.Import):
            fd.dependency.append(el.name)
        elif isinstance(el, ast.Message):
            _message(fd.message_type.add(), el, fd.syntax == "proto3")
        elif isinstance(el, ast.Enum):
            _enum(fd.enum_type.add(), el)
    return fd


def _message(out: descriptor_pb2.DescriptorProto, msg: ast.Message, proto3: bool) -> None:
    out.name = msg.name
    for el in msg.elements:
        if isinstance(el, ast.Field):
            _field(out, el, proto3)
        elif isinstance(el, ast.MapField):
            _map_field(out, el)
        elif isinstance(el, ast.OneOf):
            out.oneof_decl.add(name=el.name)
            for f in el.elements:
                if isinstance(f, ast.Field):
                    _field(out, f, proto3).oneof_index = len(out.oneof_decl) - 1
        elif isinstance(el, ast.Message):
            _message(out.nested_type.add(), el, proto3)
        elif isinstance(el, ast.Enum):
            _enum(out.enum_type.add(), el)


def _field(out: descriptor_pb2.DescriptorProto, f: ast.Field, proto3: bool) -> descriptor_pb2.FieldDescriptorProto:
    cardinality = f.cardinality.value.lower() if f.cardinality else ""
    field = out.field.add(name=f.name, number=f.number, label=LABELS.get(cardinality, FDP.LABEL_OPTIONAL),
                          json_name=_json_name(f.name))
    _set_type(field, f.type)
    if proto3 and cardinality == "optional":  # proto3 optional: a synthetic oneof of its own
        field.proto3_optional = True
        out.oneof_decl.add(name=f"_{f.name}")
        field.oneof_index = len(out.oneof_decl) - 1
    return field


def _map_field(out: descriptor_pb2.DescriptorProto, f: ast.MapField) -> None:
    entry = out.nested_type.add(name="".join(p[:1].upper() + p[1:] for p in f.name.split("_")) + "Entry")
    entry.options.map_entry = True
    _set_type(entry.field.add(name="key", number=1, label=FDP.LABEL_OPTIONAL, json_name="key"), f.key_type)
    _set_type(entry.field.add(name="value", number=2, label=FDP.LABEL_OPTIONAL, json_name="value"), f.value_type)
    out.field.add(name=f.name, number=f.number, label=FDP.LABEL_REPEATED, type_name=entry.name,
                  type=FDP.TYPE_MESSAGE, json_name=_json_name(f.name))


def _set_type(field: descriptor_pb2.FieldDescriptorProto, name: str) -> None:
    if name in SCALARS:
        field.type = SCALARS[name]
    else:
        field.type_name = name  # message or enum: the pool resolves it (protobuf's scoping rules)


def _enum(out: descriptor_pb2.EnumDescriptorProto, enum: ast.Enum) -> None:
    out.name = enum.name
    for v in enum.elements:
        if isinstance(v, ast.EnumValue):
            out.value.add(name=v.name, number=v.number)


def _json_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _serialized(schema: Schema) -> Schema:
    """The schema with its text replaced by a base64 FileDescriptorProto, unless it is one already."""
    text = schema.schema_str or ""
    if schema.schema_type != "PROTOBUF" or _is_base64_descriptor(text):
        return schema
    encoded = base64.standard_b64encode(descriptor_of(text).SerializeToString()).decode()
    return attrs.evolve(schema, schema_str=encoded)


def _is_base64_descriptor(text: str) -> bool:
    try:
        descriptor_pb2.FileDescriptorProto().ParseFromString(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError, Exception):
        return False
    return True


class ProtoTextRegistry(SchemaRegistryClient):
    """A registry client that serves ``format=serialized`` Protobuf schemas even where the registry keeps text."""

    def get_schema(self, schema_id: int, subject_name: str | None = None, fmt: str | None = None,
                   reference_format: str | None = None) -> Schema:
        schema = super().get_schema(schema_id, subject_name, fmt, reference_format)
        return _serialized(schema) if fmt == "serialized" else schema

    def get_latest_version(self, subject_name: str, fmt: str | None = None) -> RegisteredSchema:
        return self._fix(super().get_latest_version(subject_name, fmt), fmt)

    def get_version(self, subject_name: str, version: Any = "latest", deleted: bool = False,
                    fmt: str | None = None) -> RegisteredSchema:
        return self._fix(super().get_version(subject_name, version, deleted, fmt), fmt)

    @staticmethod
    def _fix(registered: RegisteredSchema, fmt: str | None) -> RegisteredSchema:
        if fmt != "serialized" or registered.schema is None:
            return registered
        return attrs.evolve(registered, schema=_serialized(registered.schema))


def message_class(client: SchemaRegistryClient, subject: str) -> type[Message]:
    """The message type of ``subject``'s latest version: its first top-level message."""
    latest = client.get_latest_version(subject)
    pool = DescriptorPool()
    for ref in latest.schema.references or ():
        if ref.subject and ref.version is not None and ref.name:
            text = client.get_version(ref.subject, ref.version).schema.schema_str or ""
            pool.Add(descriptor_of(text, ref.name))
    fd = descriptor_of(latest.schema.schema_str or "")
    try:
        pool.Add(fd)
        first = fd.message_type[0].name
    except (TypeError, IndexError) as e:
        raise SerdeError(f"subject {subject}: the latest version declares no usable message: {e}") from None
    full = f"{fd.package}.{first}" if fd.package else first
    cls: type[Message] = GetMessageClass(pool.FindMessageTypeByName(full))
    return cls


def codec(subject: str, field: Field, client: SchemaRegistryClient) -> SchemaCodec:
    client = client if isinstance(client, ProtoTextRegistry) else ProtoTextRegistry(client.config())  # type: ignore[no-untyped-call]
    cls = message_class(client, subject)
    serializer = ProtobufSerializer(cls, client, conf={**serde_conf(subject), "use.deprecated.format": False})
    deserializer = ProtobufDeserializer(cls, conf={"use.deprecated.format": False})

    def to_message(value: Any) -> Any:
        return json_format.ParseDict(value, cls()) if isinstance(value, dict) else value

    def decode(data: bytes, ctx: Any) -> Any:
        return json_format.MessageToDict(deserializer(data, ctx), preserving_proto_field_name=True)

    decode_fn: Callable[..., Any] = decode
    return SchemaCodec(subject, field, serializer, decode_fn, to_message)
