"""The structural comparison of an upstream node with a schema node.

Both sides are reduced to shapes (``shape.py``) and compared: nullability, then the JSON types, then the
body (enum values, properties and which are required, array items, map values, union members). Where the
schema refers to a type whose ``x-upstream`` names the upstream node being compared, the two meet: the body
is compared once, from that type (``types()``), not again at every place that uses it. Anywhere else a
``$ref`` and an inlined copy are compared by content, so one side may inline what the other refers to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import pointer
from .document import UpstreamDocument
from .finding import Finding
from .mapping import SchemaSide
from .shape import Node, Shape, describe, shape

# Properties whose single-valued enum tells the members of a union apart.
TAG_PROPERTIES = ("type", "role", "object")


@dataclass
class Comparison:
    upstream: UpstreamDocument
    side: SchemaSide
    descriptions: bool = False
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _meets: dict[str, str] = field(default_factory=dict)
    _done: set[tuple[str, str]] = field(default_factory=set)
    _tag_values: dict[str, set[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, where in self.side.def_upstream.items():
            node = self.upstream.at(where) if where else None
            if where and node is not None:
                self._meets[self.side.def_location(name)] = self.up(Node(node, where)).target

    # -- entry points ------------------------------------------------------------------------------------------

    def types(self) -> None:
        """Compare every type with the upstream node its ``x-upstream`` names."""
        for name, where in self.side.def_upstream.items():
            if where is None:
                continue
            node = self.upstream.at(where)
            if node is None:
                continue  # an older document: the property that uses the type says what is missing
            schema_node = self.side.follow(f"#/$defs/{name}")
            self.shapes(self.up(Node(node, where)), self.sc(schema_node), root=True)

    def nodes(self, upstream: Node, schema: Node) -> None:
        self.shapes(self.up(upstream), self.sc(schema))

    # -- the comparison ------------------------------------------------------------------------------------------

    def up(self, node: Node) -> Shape:
        return shape(node, self._follow_upstream)

    def sc(self, node: Node) -> Shape:
        return shape(node, self.side.follow)

    def _follow_upstream(self, ref: str) -> Node:
        data, where = self.upstream.follow(ref)
        return Node(data, where)

    def add(self, kind: str, upstream: str, schema: str | None, detail: str) -> None:
        self.findings.append(Finding(kind, upstream, schema, detail))

    def shapes(self, u: Shape, s: Shape, *, root: bool = False, nullability: bool = True) -> None:
        if self.descriptions:
            self._description(u, s)
        if nullability and not root and u.nullable != s.nullable:
            said = "may be null" if u.nullable else "is never null"
            self.add("nullable-changed", u.where, s.where, f"upstream: {said}; the schema says the opposite")
        if u.signature != s.signature:
            self.add(
                "type-changed", u.where, s.where, f"upstream: {describe(u.signature)}; schema: {describe(s.signature)}"
            )
            return
        if not root and self._meets.get(s.target) == u.target:
            return
        if (u.target, s.target) in self._done:
            return
        self._done.add((u.target, s.target))
        if u.variants or s.variants:
            self._variants(u, s)
            return
        self._enum(u, s)
        self._object(u, s)
        if u.items is not None and s.items is not None:
            self.nodes(u.items, s.items)
        if u.additional is not None and s.additional is not None:
            self.nodes(u.additional, s.additional)

    def _enum(self, u: Shape, s: Shape) -> None:
        if u.enum is None or s.enum is None:
            return
        known = [v for _, v in s.enum]
        shared = self._tag_values.get(u.target, set())
        for index, value in u.enum:
            if value not in known and value not in shared:
                self.add(
                    "missing-enum-value",
                    pointer.join(u.target, "enum", index),
                    pointer.join(s.target, "enum"),
                    f"{json.dumps(value)} is not among the schema's values ({', '.join(json.dumps(v) for v in known)})",
                )

    def _object(self, u: Shape, s: Shape) -> None:
        for name, node in u.properties.items():
            if name not in s.properties:
                self.add(
                    "missing-property", node.where, pointer.join(s.target, "properties", name), _what(self.up(node))
                )
                continue
            mine = s.properties[name]
            if (name in u.required) != (name in s.required):
                said = "requires it" if name in u.required else "does not require it"
                self.add("required-changed", node.where, mine.where, f"upstream {said}; the schema says the opposite")
            self.nodes(node, mine)
        if u.properties or "object" in (u.types or ()):
            for name, node in s.properties.items():
                if name not in u.properties:
                    self.add(
                        "removed-property",
                        pointer.join(u.target, "properties", name),
                        node.where,
                        f"upstream has no property `{name}` here",
                    )

    def _variants(self, u: Shape, s: Shape) -> None:
        theirs = u.variants or (u,)
        ours = s.variants or (s,)
        for member in theirs:
            if any(self._meets.get(mine.target) == member.target for mine in ours):
                continue  # they meet where the type is compared with its x-upstream
            tags = _tags(member, self.up)
            matches = _by_tag(tags, ours, self) if tags else _by_type(member, ours)
            if not matches:
                self.add("missing-schema", member.where, s.target, f"union member {_name(member)} has no counterpart")
            if len(matches) > 1:
                self._share_tags(member, matches)
            for mine in matches:
                self.shapes(member, mine, nullability=False)

    def _share_tags(self, member: Shape, matches: list[Shape]) -> None:
        """One upstream member split into several of ours by tag (``type: text | json_object`` into one type
        per value): each of ours has one of the values, and together they have them all."""
        for name in TAG_PROPERTIES:
            if name in member.properties:
                values = {v for mine in matches for v in _tags(mine, self.sc).get(name, set())}
                self._tag_values.setdefault(self.up(member.properties[name]).target, set()).update(values)

    def _description(self, u: Shape, s: Shape) -> None:
        if u.description and _plain(u.description) not in _plain(s.description):
            self.add("description-changed", u.where, s.where, f"upstream: {u.description}")
        missing = [v for v in u.suggested if str(v) not in s.description]
        if missing:
            listed = ", ".join(json.dumps(v) for v in missing)
            self.add("description-changed", u.where, s.where, f"upstream lists {listed}; the description does not")


def _plain(text: str) -> str:
    return " ".join(text.split()).rstrip(".").lower()


def _what(s: Shape) -> str:
    """A property upstream has, for a missing-property finding: its type, and the schema it refers to."""
    kinds = describe(s.signature) + (" | null" if s.nullable else "")
    name = _component(s)
    return f"{kinds} ({name})" if name else kinds


def _name(s: Shape) -> str:
    return _component(s) or describe(s.signature)


def _component(s: Shape) -> str:
    """The name of the upstream component a shape is, if it is one (``#/components/schemas/Name``)."""
    prefix = "#/components/schemas/"
    rest = s.target.removeprefix(prefix)
    return pointer.unescape(rest) if s.target.startswith(prefix) and "/" not in rest else ""


def _tags(s: Shape, shaper: Callable[[Node], Shape]) -> dict[str, set[Any]]:
    tags: dict[str, set[Any]] = {}
    for name in TAG_PROPERTIES:
        enum = shaper(s.properties[name]).enum if name in s.properties else None
        if enum:
            tags[name] = {v for _, v in enum}
    return tags


def _by_tag(theirs: dict[str, set[Any]], ours: tuple[Shape, ...], comparison: Comparison) -> list[Shape]:
    found = []
    for mine in ours:
        tags = _tags(mine, comparison.sc)
        if any(tags.get(name, set()) & values for name, values in theirs.items()):
            found.append(mine)
    return found


def _by_type(member: Shape, ours: tuple[Shape, ...]) -> list[Shape]:
    same = [mine for mine in ours if mine.signature == member.signature]
    if len(same) <= 1:
        return same
    # Several members of one JSON type: the one sharing the most property names.
    return [max(same, key=lambda mine: len(set(mine.properties) & set(member.properties)))]
