"""Hypothesis strategies for JSON values valid against a JSON Schema / OpenAPI 3.0 schema node: the offline
equivalent of ``prism mock -d`` (Prism answers each operation with a random value of its response schema).

Enough of the language for Groq's OpenAPI document and ``schema/``: ``$ref`` (``#/...`` pointers), ``type`` (one
or a list), ``nullable``, ``enum``, ``const``, ``anyOf`` / ``oneOf`` (one member; a member that only lists
``required`` properties constrains, it adds nothing), ``allOf`` (members merged), ``properties`` / ``required``
(optional properties drawn or left out), ``additionalProperties`` (a few extra keys when allowed), ``items`` with
``minItems`` / ``maxItems``, ``minimum`` / ``maximum``, ``minLength`` / ``maxLength``. Formats are ignored (a
string is a string). Recursion is cut at a depth, where only the required parts of an object are drawn.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

_MAX_DEPTH = 6
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


class Strategies:
    """Strategies for the nodes of one document (its ``$ref`` pointers resolve against ``root``)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, ref: str) -> Any:
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def of(self, node: Any, depth: int = 0) -> st.SearchStrategy[Any]:
        """Values valid against ``node``."""
        if not isinstance(node, dict) or not node:
            return _JSON
        if "$ref" in node:
            target = self.resolve(node["$ref"])
            inner = self.of(target, depth + 1)
            return st.one_of(st.none(), inner) if node.get("nullable") is True else inner
        nullable = node.get("nullable") is True
        strategy = self._of(node, depth)
        return st.one_of(st.none(), strategy) if nullable else strategy

    def _of(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        for key in ("anyOf", "oneOf"):
            members = [m for m in node.get(key, []) if not _only_required(m)]
            if members:
                variants = [
                    {**{k: v for k, v in node.items() if k not in ("anyOf", "oneOf", "discriminator")}, **m}
                    if "properties" in node
                    else m
                    for m in members
                ]
                return st.one_of([self.of(m, depth + 1) for m in variants])
        if "allOf" in node:
            merged: dict[str, Any] = {}
            for member in node["allOf"]:
                member = self.resolve(member["$ref"]) if "$ref" in member else member
                for key, value in member.items():
                    if key in ("properties",):
                        merged.setdefault(key, {}).update(value)
                    elif key == "required":
                        merged[key] = [*merged.get(key, []), *value]
                    else:
                        merged.setdefault(key, value)
            return self._of({**{k: v for k, v in node.items() if k != "allOf"}, **merged}, depth)
        kinds = node.get("type")
        if isinstance(kinds, list):
            return st.one_of([self._of({**node, "type": kind}, depth) for kind in kinds])
        if kinds is None:
            kinds = (
                "object"
                if "properties" in node or "additionalProperties" in node
                else "array"
                if "items" in node
                else None
            )
        return self._typed(str(kinds), node, depth) if kinds else _JSON

    def _typed(self, kind: str, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return st.integers(int(node.get("minimum", -(2**31))), int(node.get("maximum", 2**31)))
        if kind == "number":
            low, high = node.get("minimum", -1e6), node.get("maximum", 1e6)
            return st.floats(low, high, allow_nan=False, allow_infinity=False) | st.integers(int(low), int(high))
        if kind == "string":
            return st.text(min_size=int(node.get("minLength", 0)), max_size=min(int(node.get("maxLength", 12)), 12))
        if kind == "array":
            low = int(node.get("minItems", 0))
            high = max(low, min(int(node.get("maxItems", 3)), 3 if depth < _MAX_DEPTH else low))
            return st.lists(self.of(node.get("items", {}), depth + 1), min_size=low, max_size=high)
        if kind == "object":
            return self._object(node, depth)
        return _JSON

    def _object(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        properties: dict[str, Any] = node.get("properties", {})
        required = [name for name in node.get("required", []) if name in properties]
        optional = [name for name in properties if name not in required] if depth < _MAX_DEPTH else []
        extra = node.get("additionalProperties", not properties)
        base = st.fixed_dictionaries(
            {name: self.of(properties[name], depth + 1) for name in required},
            optional={name: self.of(properties[name], depth + 1) for name in optional},
        )
        if extra is False or depth >= _MAX_DEPTH or (properties and extra is True):
            return base
        values = self.of(extra, depth + 1) if isinstance(extra, dict) and extra else _JSON
        keys = st.text(min_size=1, max_size=6).filter(lambda k: k not in properties)
        return st.tuples(base, st.dictionaries(keys, values, max_size=2)).map(lambda pair: {**pair[1], **pair[0]})


def _only_required(member: Any) -> bool:
    return isinstance(member, dict) and bool(member) and set(member) <= {"required", "description"}
