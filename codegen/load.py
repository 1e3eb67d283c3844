"""Read the hand-written schema files, bundle them into one namespace, and fingerprint them for the manifest.

The schema is JSON Schema 2020-12 written as YAML, one file per API area (``schema/<area>.yaml``). Each file
holds the ``$defs`` of its area and the operations of its area (``x-operations``); ``common.yaml`` is the root:
its ``title``/``description`` describe the API, its ``x-error`` is the error body of every operation, and its
``$defs`` are the types several areas use.

A ``$ref`` is either local (``#/$defs/Name``) or names another area file (``common.yaml#/$defs/Name``).
Bundling checks that every reference resolves, that no two files define the same name (all types share one
Python namespace), and rewrites every reference to the local form, so the later stages see one document
whose ``$defs`` hold every type, and ``def_area`` / ``operation_area`` say which file each came from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader  # libyaml: ten times faster on the schema
except ImportError:  # a PyYAML built without libyaml: same results, pure Python
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
SUFFIX = ".yaml"
ROOT_FILE = "common.yaml"
LOCAL_REF = "#/$defs/"
_REF = re.compile(r"(?P<file>[a-z][a-z0-9_]*\.yaml)?#/\$defs/(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
# Keys that are for maintainers only: never handed to the code generator, so never in a docstring.
MAINTAINER_KEYS = frozenset({"$comment", "x-upstream", "x-deviation"})
# Under these keys a mapping's keys are names chosen by the schema's author, not JSON Schema keywords.
_NAME_MAPS = frozenset({"properties", "$defs", "x-operations", "parameters"})


class SchemaError(Exception):
    """The schema breaks a rule the generator relies on; the message says which and where."""


@dataclass(frozen=True)
class SchemaSource:
    """One schema file: its path relative to the repository, its text and parsed data."""

    relpath: str
    text: str
    data: dict[str, Any]

    @property
    def name(self) -> str:
        """The file name, e.g. ``chat.yaml``; what a cross-file ``$ref`` names."""
        return self.relpath.rsplit("/", 1)[-1]

    @property
    def area(self) -> str:
        """The API area the file describes, e.g. ``chat``."""
        return self.name.removesuffix(SUFFIX)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Schema:
    """Every schema file bundled: one namespace of ``$defs`` and operations, ``$ref`` rewritten to ``#/$defs/``."""

    sources: tuple[SchemaSource, ...]
    title: str
    description: str
    defs: dict[str, Any]
    def_area: dict[str, str]
    operations: dict[str, Any]
    operation_area: dict[str, str]
    error: dict[str, Any]

    @property
    def label(self) -> str:
        """How generated files name what they came from: ``schema/*.yaml``."""
        folder = self.sources[0].relpath.rsplit("/", 1)[0]
        return f"{folder}/*{SUFFIX}"

    def generator_document(self) -> dict[str, Any]:
        """One JSON Schema document holding every type, without the maintainers' keys."""
        return {
            "$schema": self.sources[0].data.get("$schema", ""),
            "title": self.title,
            "description": self.description,
            "$defs": strip_maintainer_keys(self.defs),
        }


def read_schema(schema_dir: Path = SCHEMA_DIR) -> Schema:
    """Read and bundle every ``*.yaml`` file of ``schema_dir``, in file-name order."""
    paths = sorted(schema_dir.glob(f"*{SUFFIX}"))
    if not paths:
        raise SchemaError(f"{schema_dir}: no *{SUFFIX} schema files")
    return bundle(read_file(path) for path in paths)


def read_file(path: Path) -> SchemaSource:
    relpath = f"{path.parent.name}/{path.name}"
    text = path.read_text(encoding="utf-8")
    data = parse_yaml(text, relpath)
    if not isinstance(data, dict):
        raise SchemaError(f"{relpath}: a schema file must be a mapping")
    _check_json_compatible(data, relpath)
    return SchemaSource(relpath=relpath, text=text, data=data)


def parse_yaml(text: str, where: str) -> Any:
    """``yaml.safe_load`` that also refuses a key written twice in one mapping (PyYAML keeps the last)."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: plain data only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise SchemaError(f"{where}: not valid YAML: {exc.problem}{at}") from exc
    except yaml.YAMLError as exc:
        raise SchemaError(f"{where}: not valid YAML: {' '.join(str(exc).split())}") from exc


class _StrictLoader(_SafeLoader):
    """``yaml.safe_load``'s loader (plain data only, no Python objects), strict about duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str | int | float | bool) or key is None:
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_json_compatible(node: Any, where: str) -> None:
    """YAML has dates, sets and non-string keys; a JSON Schema has none of them."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise SchemaError(f"{where}: key {key!r} is not a string (quote it)")
            _check_json_compatible(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_json_compatible(value, f"{where}/{i}")
    elif not (node is None or isinstance(node, str | int | float | bool)):
        raise SchemaError(f"{where}: {type(node).__name__} value {node!r} is not JSON (quote it)")


def bundle(sources: Iterable[SchemaSource]) -> Schema:
    """Check the cross-file references of ``sources`` and merge them into one namespace."""
    files = {source.name: source for source in sources}
    if ROOT_FILE not in files:
        raise SchemaError(f"schema/{ROOT_FILE} is missing: it holds the title and x-error")
    owner: dict[str, str] = {}
    for source in files.values():
        for name in source.data.get("$defs", {}):
            if name in owner:
                raise SchemaError(f"$defs/{name} is defined in both {owner[name]} and {source.name}")
            owner[name] = source.name
    defs: dict[str, Any] = {}
    def_area: dict[str, str] = {}
    operations: dict[str, Any] = {}
    operation_area: dict[str, str] = {}
    for source in files.values():
        data = _localize(source.data, source.name, owner)
        for name, spec in data.get("$defs", {}).items():
            defs[name] = spec
            def_area[name] = source.area
        for op_id, spec in data.get("x-operations", {}).items():
            if op_id in operations:
                raise SchemaError(
                    f"x-operations.{op_id} is defined in both {operation_area[op_id]}.yaml and {source.name}"
                )
            operations[op_id] = spec
            operation_area[op_id] = source.area
    root = _localize(files[ROOT_FILE].data, ROOT_FILE, owner)
    if "x-error" not in root:
        raise SchemaError(f"{ROOT_FILE}: no x-error (the body of every error response)")
    return Schema(
        sources=tuple(files.values()),
        title=str(root.get("title", "fastgroq")),
        description=str(root.get("description", "")),
        defs=defs,
        def_area=def_area,
        operations=operations,
        operation_area=operation_area,
        error=root["x-error"],
    )


def _localize(node: Any, here: str, owner: dict[str, str], where: str = "") -> Any:
    """A copy of ``node`` with every ``$ref`` checked and rewritten to ``#/$defs/Name``."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = LOCAL_REF + _resolve(value, here, owner, f"{here}{where}")
            else:
                out[key] = _localize(value, here, owner, f"{where}/{key}")
        return out
    if isinstance(node, list):
        return [_localize(value, here, owner, f"{where}/{i}") for i, value in enumerate(node)]
    return node


def _resolve(ref: str, here: str, owner: dict[str, str], where: str) -> str:
    match = _REF.fullmatch(ref)
    if match is None:
        raise SchemaError(f"{where}: $ref {ref!r} is neither '#/$defs/Name' nor 'area.yaml#/$defs/Name'")
    target_file, name = match.group("file") or here, match.group("name")
    if owner.get(name) != target_file:
        found = f" (it is in {owner[name]})" if name in owner else ""
        raise SchemaError(f"{where}: $ref {ref!r}: {target_file} defines no $defs/{name}{found}")
    return name


def strip_maintainer_keys(node: Any, in_names: bool = False) -> Any:
    """A copy of ``node`` without ``$comment``, ``x-upstream`` and ``x-deviation`` where they are keywords."""
    if isinstance(node, dict):
        return {
            key: strip_maintainer_keys(value, not in_names and key in _NAME_MAPS)
            for key, value in node.items()
            if in_names or key not in MAINTAINER_KEYS
        }
    if isinstance(node, list):
        return [strip_maintainer_keys(value) for value in node]
    return node
