"""The base class of every response type: the official SDK's ``to_dict()`` / ``model_dump()`` habits on Structs.

Response types are msgspec Structs generated from the schema (``fastgroq.types``); each derives from
:class:`BaseModel`, which adds what code written for the official ``groq`` package calls on a response:
``to_dict()``, ``to_json()``, ``model_dump()``, ``model_dump_json()``, ``model_copy()`` and
``model_validate()``. Equality and ``repr`` are msgspec's: two responses are equal when their types and
fields are, and the ``repr`` shows the fields that are not ``None`` (``repr_omit_defaults``).

Absent and null are both ``None`` on a response, so "fields the server did not set" (``exclude_unset``,
which ``to_dict()`` and ``to_json()`` apply by default) are the fields that are ``None``; a field the
server sent as an explicit ``null`` is left out too, where the official SDK keeps it as ``None``.

Adding methods to a Struct base class does not change decoding: msgspec builds instances of the
generated subclasses in C without calling any Python code.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import msgspec

__all__ = ["BaseModel"]

_M = TypeVar("_M", bound="BaseModel")

# What include= / exclude= take, as in pydantic: a set of field names, or a mapping from a field name
# (or, inside a list, an index or "__all__") to True or to the same shape for the nested value.
IncEx = set[str] | set[int] | Mapping[str, Any] | Mapping[int, Any]

_NO_DEFAULT = object()


class BaseModel(msgspec.Struct):
    """Base class of the response types; see the module docstring for how it differs from pydantic's."""

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> dict[str, object]:
        """The response as plain dicts, lists and JSON values, keyed as the API sends them.

        As in the official SDK, fields the server did not set are left out by default
        (``exclude_unset=True``): here, the fields that are ``None``. ``mode`` makes no difference
        (every value is already a JSON value); ``warnings`` is accepted for compatibility.
        """
        return _dump_struct(self, use_api_names, exclude_unset or exclude_none, exclude_defaults, None, None)

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """The response as a JSON string (indented by 2 by default, compact with ``indent=None``).

        Fields that are ``None`` are left out by default, as ``to_dict()`` does.
        """
        drop_none = exclude_unset or exclude_none
        if drop_none and not exclude_defaults and _only_none_defaults(type(self)):
            return _json(self, indent, ensure_ascii=False)  # msgspec encodes the Struct as to_dict() would give it
        return _json(
            _dump_struct(self, use_api_names, drop_none, exclude_defaults, None, None), indent, ensure_ascii=False
        )

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] | str = "python",
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_computed_fields: bool = False,
        round_trip: bool = False,
        warnings: bool | Literal["none", "warn", "error"] = True,
        fallback: Any | None = None,
        serialize_as_any: bool = False,
    ) -> dict[str, Any]:
        """pydantic's ``model_dump()``: every field by default, ``None`` ones included.

        ``exclude_unset`` and ``exclude_none`` leave out the fields that are ``None``; ``exclude_defaults``
        also the fields equal to their default (an empty ``choices`` of a chunk); ``include`` and
        ``exclude`` take field names or nested mappings as in pydantic. ``mode`` makes no difference, and
        ``context``, ``exclude_computed_fields``, ``round_trip``, ``warnings``, ``fallback`` and
        ``serialize_as_any`` are accepted for compatibility and have no effect.
        """
        if mode not in ("python", "json"):
            raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
        return _dump_struct(self, bool(by_alias), exclude_unset or exclude_none, exclude_defaults, include, exclude)

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        ensure_ascii: bool = False,
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_computed_fields: bool = False,
        round_trip: bool = False,
        warnings: bool | Literal["none", "warn", "error"] = True,
        fallback: Any | None = None,
        serialize_as_any: bool = False,
    ) -> str:
        """pydantic's ``model_dump_json()``: compact by default, every field included; see ``model_dump()``."""
        data = _dump_struct(self, bool(by_alias), exclude_unset or exclude_none, exclude_defaults, include, exclude)
        return _json(data, indent, ensure_ascii=ensure_ascii)

    def model_copy(self: _M, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> _M:
        """A copy, with the fields in ``update`` replaced (not validated, as in pydantic)."""
        if deep:
            copy: _M = msgspec.convert(msgspec.to_builtins(self), type(self))
        else:
            copy = msgspec.structs.replace(self)
        if update:
            copy = msgspec.structs.replace(copy, **update)
        return copy

    @classmethod
    def model_validate(cls: type[_M], obj: Any) -> _M:
        """Build an instance from a dict (as ``to_dict()`` gives) or another instance, checking types."""
        if isinstance(obj, cls):
            return obj
        return msgspec.convert(obj, cls)

    @classmethod
    def model_validate_json(cls: type[_M], data: str | bytes) -> _M:
        """Decode an instance from JSON, as the client decodes a response body."""
        return msgspec.json.decode(data, type=cls)


def _fields(cls: type[msgspec.Struct]) -> tuple[tuple[str, str, Any], ...]:
    """Per Struct class: (attribute name, API name, default or _NO_DEFAULT) for every field, cached."""
    cached: tuple[tuple[str, str, Any], ...] | None = cls.__dict__.get("_fastgroq_fields")
    if cached is not None:
        return cached
    names = cls.__struct_fields__
    defaults = cls.__struct_defaults__
    first_default = len(names) - len(defaults)
    rows = []
    for i, (name, api_name) in enumerate(zip(names, cls.__struct_encode_fields__, strict=True)):
        default: Any = _NO_DEFAULT
        if i >= first_default:
            default = defaults[i - first_default]
            factory = getattr(default, "factory", None)
            if factory is not None:
                default = factory()
        rows.append((name, api_name, default))
    result = tuple(rows)
    # A plain class attribute on the generated subclass (not a Struct field): set once, read by _dump.
    type.__setattr__(cls, "_fastgroq_fields", result)
    return result


def _only_none_defaults(cls: type[msgspec.Struct], seen: set[type] | None = None) -> bool:
    """Whether ``msgspec.to_builtins`` on a ``cls`` gives what ``to_dict()`` gives: every Struct it can hold
    omits its defaults when encoded, and every default is None. Cached per class."""
    cached: bool | None = cls.__dict__.get("_fastgroq_only_none_defaults")
    if cached is not None:
        return cached
    seen = set() if seen is None else seen
    seen.add(cls)
    result = bool(cls.__struct_config__.omit_defaults) and all(
        name == api_name and default in (None, _NO_DEFAULT) for name, api_name, default in _fields(cls)
    )
    if result:
        todo: list[Any] = list(typing.get_type_hints(cls).values())
        while todo and result:
            tp = todo.pop()
            if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
                result = tp in seen or _only_none_defaults(tp, seen)
            else:
                todo.extend(typing.get_args(tp))
    type.__setattr__(cls, "_fastgroq_only_none_defaults", result)
    return result


def _dump_struct(
    value: msgspec.Struct, api_names: bool, drop_none: bool, drop_defaults: bool, include: Any, exclude: Any
) -> dict[str, Any]:
    if drop_none and include is None and exclude is None and _only_none_defaults(type(value)):
        # The common case (to_dict(), to_json(), exclude_none=True) in C: msgspec leaves out the fields
        # equal to their default, which is None for every field of every Struct reachable from this one.
        result: dict[str, Any] = msgspec.to_builtins(value)
        return result
    if include is None and exclude is None:
        return _plain(value, api_names, drop_none, drop_defaults)
    out: dict[str, Any] = {}
    for name, api_name, default in _fields(type(value)):
        if include is not None and not _selected(include, name):
            continue
        sub_exclude = _sub(exclude, name)
        if sub_exclude is True:
            continue
        item = getattr(value, name)
        if item is None and drop_none:
            continue
        if drop_defaults and default is not _NO_DEFAULT and item == default:
            continue
        sub_include = _sub(include, name) if include is not None else None
        out[api_name if api_names else name] = _dump(
            item, api_names, drop_none, drop_defaults, None if sub_include is True else sub_include, sub_exclude
        )
    return out


def _plain(value: msgspec.Struct, api_names: bool, drop_none: bool, drop_defaults: bool) -> dict[str, Any]:
    """``_dump_struct`` without include/exclude: the tight loop of ``model_dump()`` with its defaults."""
    out: dict[str, Any] = {}
    for name, api_name, default in _fields(type(value)):
        item = getattr(value, name)
        if item is None:
            if not drop_none:
                out[api_name if api_names else name] = None
            continue
        if drop_defaults and default is not _NO_DEFAULT and item == default:
            continue
        if type(item) in _SCALARS:
            out[api_name if api_names else name] = item
        elif isinstance(item, msgspec.Struct):
            out[api_name if api_names else name] = _plain(item, api_names, drop_none, drop_defaults)
        else:
            out[api_name if api_names else name] = _dump(item, api_names, drop_none, drop_defaults, None, None)
    return out


_SCALARS = frozenset((str, int, float, bool))


def _dump(value: Any, api_names: bool, drop_none: bool, drop_defaults: bool, include: Any, exclude: Any) -> Any:
    if isinstance(value, msgspec.Struct):
        return _dump_struct(value, api_names, drop_none, drop_defaults, include, exclude)
    if isinstance(value, list):
        if include is None and exclude is None:
            return [
                item if type(item) in _SCALARS else _dump(item, api_names, drop_none, drop_defaults, None, None)
                for item in value
            ]
        result = []
        for index, item in enumerate(value):
            if include is not None and not _selected(include, index):
                continue
            sub_exclude = _sub(exclude, index)
            if sub_exclude is True:
                continue
            sub_include = _sub(include, index) if include is not None else None
            result.append(
                _dump(
                    item,
                    api_names,
                    drop_none,
                    drop_defaults,
                    None if sub_include is True else sub_include,
                    sub_exclude,
                )
            )
        return result
    if isinstance(value, str):
        # An open enum member is a str subclass: give back the plain string the API sent.
        return value if type(value) is str else str.__str__(value)
    if isinstance(value, dict):
        return {k: _dump(v, api_names, drop_none, drop_defaults, None, None) for k, v in value.items()}
    return value


def _selected(include: Any, key: str | int) -> bool:
    if isinstance(include, Mapping):
        return key in include or "__all__" in include
    return key in include


def _sub(spec: Any, key: str | int) -> Any:
    """The include/exclude spec for one field or item: True (all of it), a nested spec, or None."""
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        sub = spec.get(key, spec.get("__all__"))
        if sub is None or sub is False:
            return None
        return True if sub is True or sub is ... else sub
    return True if key in spec else None


def _json(data: Any, indent: int | None, *, ensure_ascii: bool) -> str:
    if ensure_ascii:
        import json  # only this rare path pays for the stdlib json module

        separators = (",", ": ") if indent is not None else (",", ":")
        return json.dumps(data, ensure_ascii=True, indent=indent, separators=separators)
    encoded = msgspec.json.encode(data)
    if indent is not None:
        encoded = msgspec.json.format(encoded, indent=indent)
    return encoded.decode("utf-8")
