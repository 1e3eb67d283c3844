"""Repairing a JSON response that the typed decode refused, so that a good response never fails.

The fast path is one typed msgspec decode and knows nothing of this module: it is only imported and run
after that decode raised ``msgspec.ValidationError`` (the body is JSON, but a value does not match the
schema). Then the body is decoded untyped and walked alongside its type, and exactly the values that do
not match are replaced:

* an optional field (one with a default) is dropped, so it reads as its default (``None``);
* a required field gets the empty value of its type: ``[]``, ``{}``, ``""``, ``0``, ``0.0``, ``False``,
  ``None`` if the type allows null, an object built the same way for a Struct;
* an item of an array or a value of a map that cannot be repaired (an unknown union tag, say) is removed;
* a missing required field is added with the empty value of its type.

What is repaired is decided by the types alone (``msgspec.structs.fields`` and the annotations), and
msgspec itself (``msgspec.convert``) decides whether a value matches its type, so the repair follows the
decoder's rules exactly. The repaired tree is then encoded and decoded by the same typed decoder as the fast
path. Every repair is returned as a ``Repair`` and logged once per process at WARNING on the ``fastgroq``
logger.

Only a body whose *envelope* is broken is refused: one that is not an object, or that lacks (or has an
unrepairable value in) one of the fields the schema marks with ``x-envelope`` (``choices`` of a chat
completion): without them there is no result to give. ``Unrepairable`` says so, and the caller raises
``APIResponseValidationError``.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

__all__ = ["Repair", "Unrepairable", "decode_repaired", "repairs"]

_MAX_LOGGED = 512
_VALUE_SNIPPET = 60
_MAX_DEPTH = 64
_GC_PAUSE_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Repair:
    """One value of a response that did not match the schema, and what fastgroq did about it.

    Attributes:
        path: Where the value was, as a JSON path (``$.usage_breakdown.models``, ``$.choices[0].delta.content``).
        expected: The type the schema declares there (``list[UsageBreakdownModel]``, ``str | None``).
        got: What arrived (``null``, ``string "abc"``, ``object with keys a, b``, ``nothing`` for a missing field).
        action: What was done (``set to []``, ``dropped, reads as None``, ``removed from the array``).
        chunk_index: For a stream, the 0-based position of the repaired chunk among the stream's chunks.
    """

    path: str
    expected: str
    got: str
    action: str
    chunk_index: int | None = None

    def __str__(self) -> str:
        where = f"chunk {self.chunk_index} " if self.chunk_index is not None else ""
        return f"{where}{self.path}: expected {self.expected}, got {self.got}; {self.action}"


class Unrepairable(msgspec.ValidationError):
    """The body is JSON but its envelope cannot be decoded (not an object, or an envelope field is missing)."""


def repairs(result: object) -> tuple[Repair, ...]:
    """The repairs made while decoding ``result``: a response, a ``Stream``, or a completion it folded.

    Empty for a response that matched the schema (nearly always). A chunk cannot carry them (chunks are
    slotted for speed): a stream lists its chunks' repairs, each with its ``chunk_index``.
    """
    if isinstance(result, msgspec.Struct):
        return tuple(getattr(result, "_repairs", ()))
    return tuple(getattr(result, "repairs", ()))


# -- the walk ---------------------------------------------------------------------------------------------

_FAIL: Any = object()
_NOTHING = "nothing (the field is missing)"


def _strip(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _constrained(tp: Any) -> bool:
    """Whether ``tp`` carries constraints of its own (``Annotated[list[X], Meta(max_length=4)]``)."""
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        for meta in args[1:]:
            if isinstance(meta, msgspec.Meta) and any(
                getattr(meta, name) is not None
                for name in ("min_length", "max_length", "gt", "ge", "lt", "le", "multiple_of", "pattern")
            ):
                return True
        tp = args[0]
    return False


def _is_union(tp: Any) -> bool:
    origin = get_origin(tp)
    return origin is Union or origin is types.UnionType


def _members(tp: Any) -> list[Any]:
    """The members of a union, flattened through Annotated and nested unions."""
    out: list[Any] = []
    for arg in get_args(tp):
        inner = _strip(arg)
        if _is_union(inner):
            out.extend(_members(inner))
        else:
            out.append(arg)
    return out


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


_ARRAYS = (list, tuple, set, frozenset)


class _Field:
    __slots__ = ("default", "name", "required", "type")

    def __init__(self, info: msgspec.structs.FieldInfo) -> None:
        self.name = info.encode_name
        self.type = info.type
        self.required = info.required
        default = info.default
        if default is msgspec.NODEFAULT and info.default_factory is not msgspec.NODEFAULT:
            default = info.default_factory()
        self.default = default


class _StructPlan:
    __slots__ = ("fields", "forbid_unknown", "names", "tag", "tag_field")

    def __init__(self, cls: type[msgspec.Struct]) -> None:
        self.fields = [_Field(info) for info in msgspec.structs.fields(cls)]
        self.names = {f.name for f in self.fields}
        config = cls.__struct_config__
        self.tag_field = config.tag_field
        self.tag = config.tag
        self.forbid_unknown = config.forbid_unknown_fields
        if self.tag_field is not None:
            self.names.add(self.tag_field)


_plans: dict[type, _StructPlan] = {}


def _struct_plan(cls: type[msgspec.Struct]) -> _StructPlan:
    plan = _plans.get(cls)
    if plan is None:
        plan = _plans[cls] = _StructPlan(cls)
    return plan


def _ok(value: Any, tp: Any) -> bool:
    """Whether msgspec accepts ``value`` (untyped JSON) as ``tp``, by the JSON decoder's rules."""
    try:
        msgspec.convert(value, tp, str_keys=True)
    except msgspec.ValidationError:
        return False
    return True


def describe(tp: Any) -> str:
    """A short, Python-style name for a type: ``list[UsageBreakdownModel]``, ``str | None``."""
    tp = _strip(tp)
    if tp is Any:
        return "Any"
    if tp is None or tp is type(None):
        return "None"
    if _is_union(tp):
        names = [describe(m) for m in _members(tp) if _strip(m) is not msgspec.UnsetType]
        return " | ".join(dict.fromkeys(names))
    origin = get_origin(tp)
    if origin is Literal:
        return "Literal[" + ", ".join(repr(a) for a in get_args(tp)) + "]"
    if origin is not None:
        args = ", ".join(describe(a) for a in get_args(tp))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    return getattr(tp, "__name__", str(tp))


def _got(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        text = value if len(value) <= _VALUE_SNIPPET else value[:_VALUE_SNIPPET] + "..."
        return f"string {msgspec.json.encode(text).decode()}"
    if isinstance(value, list):
        return f"array of {len(value)} items"
    if isinstance(value, dict):
        keys = list(value)
        shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
        return f"object with keys {shown}" if keys else "empty object"
    return type(value).__name__


def _show(value: Any) -> str:
    text = msgspec.json.encode(value).decode()
    return text if len(text) <= _VALUE_SNIPPET else text[:_VALUE_SNIPPET] + "..."


def _empty(tp: Any, depth: int = 0) -> Any:
    """The empty value of ``tp`` (see the module docstring), or _FAIL when there is none."""
    if depth > _MAX_DEPTH:
        return _FAIL
    inner = _strip(tp)
    candidates: list[Any]
    if inner is Any:
        candidates = [None]
    elif _is_union(inner):
        return _empty_union(inner, tp, depth)
    elif _is_struct(inner):
        obj = _empty_struct(inner, depth)
        if obj is _FAIL:
            return _FAIL
        candidates = [obj]
    else:
        candidates = _empty_candidates(inner)
    for value in candidates:
        if _ok(value, tp):
            return value
    return _FAIL


def _empty_union(inner: Any, tp: Any, depth: int) -> Any:
    members = [m for m in _members(inner) if _strip(m) is not msgspec.UnsetType]
    if any(_strip(m) in (None, type(None)) for m in members):
        return None
    for member in members:
        value = _empty(member, depth + 1)
        if value is not _FAIL and _ok(value, tp):
            return value
    return _FAIL


def _empty_struct(inner: Any, depth: int) -> Any:
    plan = _struct_plan(inner)
    obj: dict[str, Any] = {} if plan.tag_field is None else {plan.tag_field: plan.tag}
    for f in plan.fields:
        if f.required:
            value = _empty(f.type, depth + 1)
            if value is _FAIL:
                return _FAIL
            obj[f.name] = value
    return obj


def _empty_candidates(inner: Any) -> list[Any]:
    """The values tried, in order, as the empty value of a type that is neither a union nor a Struct."""
    origin = get_origin(inner)
    if origin is Literal:
        return list(get_args(inner))[:1]
    if inner in _ARRAYS or origin in _ARRAYS:
        return [[]]
    if inner is dict or origin is dict:
        return [{}]
    if isinstance(inner, type) and issubclass(inner, Enum):
        # An open enum takes "" (an unknown value); a closed one its first member.
        return ["", *(m.value for m in inner)][:2]
    return ["", 0, 0.0, False, None]


class _Walk:
    """One repair of one decoded body: the list of repairs grows as values are fixed."""

    __slots__ = ("found",)

    def __init__(self) -> None:
        self.found: list[Repair] = []

    def fix(self, value: Any, tp: Any, path: str, depth: int = 0) -> Any:
        """``value``, repaired in place so that it matches ``tp``; _FAIL if that cannot be done here.

        Called only for a value already known not to match.
        """
        if depth > _MAX_DEPTH:
            return _FAIL
        inner = _strip(tp)
        mark = len(self.found)
        if _is_union(inner):
            result = self._fix_union(value, inner, path, depth)
        elif _is_struct(inner):
            result = self._fix_struct(value, inner, path, depth) if isinstance(value, dict) else _FAIL
        elif isinstance(value, list) and (inner in _ARRAYS or get_origin(inner) in _ARRAYS):
            args = get_args(inner)
            result = self._fix_items(value, args[0] if args else Any, path, depth)
        elif isinstance(value, dict) and (inner is dict or get_origin(inner) is dict):
            args = get_args(inner)
            result = self._fix_values(value, args[1] if len(args) == 2 else Any, path, depth)
        else:
            result = _FAIL  # a scalar of the wrong kind, or a container constraint: the caller replaces it
        # Every part of a repaired container matches, so only its own constraints (lengths) are left to
        # check; nested repairs of a value that is replaced anyway are not reported.
        if result is not _FAIL and _constrained(tp) and not _ok(result, tp):
            result = _FAIL
        if result is _FAIL:
            del self.found[mark:]
        return result

    def _fix_union(self, value: Any, tp: Any, path: str, depth: int) -> Any:
        # msgspec picks a union member by the JSON kind of the value (and a Struct by its tag): so does this.
        for member in _members(tp):
            inner = _strip(member)
            if isinstance(value, dict):
                if _is_struct(inner):
                    plan = _struct_plan(inner)
                    if plan.tag_field is not None and value.get(plan.tag_field) != plan.tag:
                        continue
                elif not (inner is dict or get_origin(inner) is dict):
                    continue
            elif isinstance(value, list):
                if not (inner in _ARRAYS or get_origin(inner) in _ARRAYS):
                    continue
            else:
                continue
            result = self.fix(value, member, path, depth + 1)
            if result is not _FAIL:
                return result
        return _FAIL

    def _fix_struct(self, value: dict[str, Any], cls: type[msgspec.Struct], path: str, depth: int) -> Any:
        return self.fix_fields(value, _struct_plan(cls), path, depth, ())

    def fix_fields(
        self, value: dict[str, Any], plan: _StructPlan, path: str, depth: int, envelope: Collection[str]
    ) -> Any:
        prefix = "$" if path == "$" else path
        if plan.tag_field is not None and plan.tag_field in value and value[plan.tag_field] != plan.tag:
            # A tagged Struct met outside a union: its tag can only have one value.
            self.found.append(
                Repair(
                    f"{prefix}.{plan.tag_field}", repr(plan.tag), _got(value[plan.tag_field]), f"set to {plan.tag!r}"
                )
            )
            value[plan.tag_field] = plan.tag
        for f in plan.fields:
            name = f.name
            where = f"{prefix}.{name}"
            if name not in value:
                if not f.required:
                    continue
                if name in envelope:
                    raise Unrepairable(f"the response has no `{name}`, which it cannot do without - at `{where}`")
                empty = _empty(f.type)
                if empty is _FAIL:
                    return _FAIL
                value[name] = empty
                self.found.append(Repair(where, describe(f.type), _NOTHING, f"set to {_show(empty)}"))
                continue
            item = value[name]
            if _ok(item, f.type):
                continue
            fixed = self.fix(item, f.type, where, depth + 1)
            if fixed is not _FAIL:
                value[name] = fixed
                continue
            if name in envelope:
                raise Unrepairable(
                    f"`{name}` is {_got(item)} where {describe(f.type)} is needed, and the response cannot "
                    f"do without it - at `{where}`"
                )
            if not f.required:
                del value[name]
                self.found.append(Repair(where, describe(f.type), _got(item), f"dropped, reads as {f.default!r}"))
                continue
            empty = _empty(f.type)
            if empty is _FAIL:
                return _FAIL
            value[name] = empty
            self.found.append(Repair(where, describe(f.type), _got(item), f"set to {_show(empty)}"))
        if plan.forbid_unknown:
            for name in [k for k in value if k not in plan.names]:
                self.found.append(Repair(f"{prefix}.{name}", "no such field", _got(value[name]), "dropped"))
                del value[name]
        return value

    def _fix_items(self, value: list[Any], item_tp: Any, path: str, depth: int) -> Any:
        kept: list[Any] = []
        for i, item in enumerate(value):
            if _ok(item, item_tp):
                kept.append(item)
                continue
            where = f"{path}[{i}]"
            fixed = self.fix(item, item_tp, where, depth + 1)
            if fixed is _FAIL:
                self.found.append(Repair(where, describe(item_tp), _got(item), "removed from the array"))
            else:
                kept.append(fixed)
        value[:] = kept
        return value

    def _fix_values(self, value: dict[str, Any], value_tp: Any, path: str, depth: int) -> Any:
        for key in list(value):
            item = value[key]
            if _ok(item, value_tp):
                continue
            where = f"{path}[{msgspec.json.encode(key).decode()}]"
            fixed = self.fix(item, value_tp, where, depth + 1)
            if fixed is _FAIL:
                self.found.append(Repair(where, describe(value_tp), _got(item), "removed from the object"))
                del value[key]
            else:
                value[key] = fixed
        return value


def repair_object(obj: Any, tp: type, envelope: Collection[str] = ()) -> list[Repair]:
    """Repair ``obj`` (an untyped decoded body) in place so that it matches the Struct ``tp``.

    Returns the repairs made; raises ``Unrepairable`` when the envelope is broken.
    """
    if not isinstance(obj, dict):
        raise Unrepairable(f"the response is {_got(obj)}, not an object")
    walk = _Walk()
    if walk.fix_fields(obj, _struct_plan(tp), "$", 0, envelope) is _FAIL:
        raise Unrepairable("the response cannot be repaired to match its type")
    return walk.found


def decode_repaired(
    decode: Callable[[bytes], Any], tp: type, data: bytes, envelope: Collection[str] = ()
) -> tuple[Any, list[Repair]]:
    """Decode ``data`` (which the typed decode refused) after repairing it: (result, repairs).

    Raises:
        msgspec.DecodeError: ``data`` is not JSON.
        Unrepairable: the envelope is broken (see the module docstring).
        msgspec.ValidationError: the repaired body still does not decode (a case the walk does not know).
    """
    # A big body decoded untyped is a tree of hundreds of thousands of dicts and lists that the cyclic GC
    # would traverse again and again while the walk allocates (8,000 logprobs: 2.9 s -> 0.3 s with it
    # paused); none of them can be part of a cycle, so the collector is paused as for the typed decode.
    pause = len(data) >= _GC_PAUSE_BYTES and gc.isenabled()
    if pause:
        gc.disable()
    try:
        obj = msgspec.json.decode(data)
        found = repair_object(obj, tp, envelope)
        repaired = msgspec.json.encode(obj)
        del obj
    finally:
        if pause:
            gc.enable()
    return decode(repaired), found


# -- logging ----------------------------------------------------------------------------------------------

_logged: set[tuple[str, str, str, str, str]] = set()


def log_repairs(found: Iterable[Repair], where: str, *, context: str = "") -> None:
    """Log each kind of repair once per process at WARNING on the ``fastgroq`` logger.

    A kind is ``where`` (what was decoded: ``the 200 response to createChatCompletion``), the path with
    its array indices left out, the expected type, the JSON type that arrived and the action; so a server
    that sends the same wrong value in every chunk or every choice produces one line, not thousands.
    ``context`` (request id, event index) is shown but does not make a kind.
    """
    import logging
    import re

    log = logging.getLogger("fastgroq")
    for repair in found:
        key = (
            where,
            re.sub(r"\[\d+\]", "[]", repair.path),
            repair.expected,
            repair.got.split(" ", 1)[0],
            repair.action,
        )
        if key in _logged:
            continue
        if len(_logged) >= _MAX_LOGGED:
            _logged.clear()
        _logged.add(key)
        log.warning(
            "%s%s: repaired %s: expected %s, got %s; %s (each kind of repair is logged once; "
            "fastgroq.repairs(result) lists them all)",
            where,
            f" ({context})" if context else "",
            repair.path,
            repair.expected,
            repair.got,
            repair.action,
        )
