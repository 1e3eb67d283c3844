"""The comparable form of a schema node: equal schemas written differently get equal shapes.

What is folded away: ``$ref`` (followed; the target becomes the shape's identity), ``allOf`` with one member,
OpenAPI 3.0's ``nullable: true`` and 2020-12's ``null`` type (or a ``{type: null}`` member of ``anyOf`` /
``oneOf``, or ``null`` in ``enum``) all become ``nullable``, a union left with one member becomes that
member, ``anyOf: [{type: string}, {type: string, enum: [...]}]`` (an open enum) becomes a string that
suggests values, and key order, ``format``, ``default``, ``example``, ``title`` and constraints are ignored (among
them a ``oneOf`` / ``anyOf`` of members that only list ``required`` properties: "give file or url").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from . import pointer

SCALARS = frozenset({"string", "integer", "number", "boolean"})
_TYPE_OF_VALUE: tuple[tuple[type, str], ...] = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


@dataclass(frozen=True)
class Node:
    """A raw schema node and where it is: ``#/components/...`` upstream, ``schema/chat.yaml#/$defs/...`` here."""

    data: Any
    where: str


Follow = Callable[[str], Node]


@dataclass(frozen=True)
class Shape:
    where: str
    """Where the node is (the property, the array item, the union member)."""
    target: str
    """Where its body is once ``$ref`` and one-member ``allOf`` are followed: the node's identity."""
    description: str = ""
    nullable: bool = False
    types: frozenset[str] | None = None
    """JSON types other than null; None accepts any value."""
    enum: tuple[tuple[int, Any], ...] | None = None
    """A closed set of values other than null, with their index in ``enum``."""
    suggested: tuple[Any, ...] = ()
    """The values an open enum lists; any value of its type is accepted."""
    properties: dict[str, Node] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: Node | None = None
    additional: Node | None = None
    variants: tuple[Shape, ...] = ()
    is_null: bool = False

    @property
    def signature(self) -> frozenset[str] | None:
        """The JSON types the node accepts besides null, over every union member; None for any value."""
        if not self.variants:
            return self.types
        found: set[str] = set()
        for variant in self.variants:
            kinds = variant.signature
            if kinds is None:
                return None
            found |= kinds
        return frozenset(found)


def describe(types: frozenset[str] | None) -> str:
    return "any value" if types is None else " | ".join(sorted(types)) or "nothing"


def shape(node: Node, follow: Follow, _seen: tuple[str, ...] = ()) -> Shape:
    data = node.data
    if not isinstance(data, dict):
        return Shape(where=node.where, target=node.where)
    description = " ".join(str(data.get("description", "")).split())
    nullable = data.get("nullable") is True
    ref = data.get("$ref")
    if isinstance(ref, str):
        target = follow(ref)
        if target.where in _seen:  # a recursive type: its shape is being built further up
            return Shape(where=node.where, target=target.where, description=description, nullable=nullable)
        return _wrap(shape(target, follow, (*_seen, target.where)), node.where, description, nullable)
    all_of = data.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        inner = shape(Node(all_of[0], pointer.join(node.where, "allOf", 0)), follow, _seen)
        return _wrap(inner, node.where, description, nullable)
    for key in ("anyOf", "oneOf"):
        members = data.get(key)
        if isinstance(members, list) and members and not _only_required(members):
            parts = [shape(Node(m, pointer.join(node.where, key, i)), follow, _seen) for i, m in enumerate(members)]
            return _union(node.where, parts, description, nullable)
    return _plain(node, description, nullable)


def _only_required(members: list[Any]) -> bool:
    """``oneOf: [{required: [file]}, {required: [url]}]`` beside an object's properties constrains which must be
    given (a constraint, ignored as the others are): the node is the object itself, none of those required."""
    return all(isinstance(m, dict) and m and set(m) <= {"required", "description"} for m in members)


def _wrap(inner: Shape, where: str, description: str, nullable: bool) -> Shape:
    """``inner`` seen from a node that refers to it: its own place, description and nullability win."""
    return replace(
        inner, where=where, description=description or inner.description, nullable=inner.nullable or nullable
    )


def _union(where: str, parts: list[Shape], description: str, nullable: bool) -> Shape:
    rest = [p for p in parts if not p.is_null]
    nullable = nullable or len(rest) < len(parts) or any(p.nullable for p in rest)
    if not rest:
        return Shape(where=where, target=where, description=description, nullable=True, is_null=True)
    if len(rest) == 1:
        return _wrap(rest[0], where, description, nullable)
    open_enum = _open_enum(rest)
    if open_enum is not None:
        kind, values = open_enum
        return Shape(
            where=where,
            target=where,
            description=description,
            nullable=nullable,
            types=frozenset({kind}),
            suggested=values,
        )
    return Shape(where=where, target=where, description=description, nullable=nullable, variants=tuple(rest))


def _open_enum(parts: list[Shape]) -> tuple[str, tuple[Any, ...]] | None:
    """``anyOf: [{type: string}, {type: string, enum: [a, b]}]`` accepts any string: it only suggests a, b."""
    kinds = {p.types for p in parts}
    if len(kinds) != 1 or any(p.variants or p.properties for p in parts):
        return None
    (kind,) = kinds
    if kind is None or len(kind) != 1 or not kind <= SCALARS:
        return None
    if not any(p.enum is None for p in parts) or all(p.enum is None for p in parts):
        return None
    values = tuple(v for p in parts for _, v in (p.enum or ()))
    return next(iter(kind)), values


def _plain(node: Node, description: str, nullable: bool) -> Shape:
    data: dict[str, Any] = node.data
    declared = data.get("type")
    names = (
        [declared] if isinstance(declared, str) else [str(t) for t in declared] if isinstance(declared, list) else []
    )
    nullable = nullable or "null" in names
    types = {t for t in names if t != "null"}
    raw_enum = [data["const"]] if "const" in data else data.get("enum")
    enum: tuple[tuple[int, Any], ...] | None = None
    if isinstance(raw_enum, list):
        nullable = nullable or None in raw_enum
        enum = tuple((i, v) for i, v in enumerate(raw_enum) if v is not None)
    properties = data.get("properties")
    props = properties if isinstance(properties, dict) else {}
    items = data.get("items")
    additional = data.get("additionalProperties")
    if not types:
        if props or "additionalProperties" in data:
            types = {"object"}
        elif isinstance(items, dict):
            types = {"array"}
        elif enum:
            types = {name for _, v in enum for kind, name in _TYPE_OF_VALUE if _is(v, kind)}
    only_null = (names == ["null"]) or (isinstance(raw_enum, list) and raw_enum == [None])
    return Shape(
        where=node.where,
        target=node.where,
        description=description,
        nullable=nullable or only_null,
        types=frozenset(types) if types or names or enum is not None else None,
        enum=enum,
        properties={name: Node(spec, pointer.join(node.where, "properties", name)) for name, spec in props.items()},
        required=frozenset(str(r) for r in data.get("required", []) if isinstance(r, str)),
        items=Node(items, pointer.join(node.where, "items")) if isinstance(items, dict) else None,
        additional=Node(additional, pointer.join(node.where, "additionalProperties"))
        if isinstance(additional, dict) and additional
        else None,
        is_null=only_null,
    )


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, float)
    return isinstance(value, kind)
