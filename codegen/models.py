"""Per-type code: the schema's $defs become msgspec Structs through datamodel-code-generator.

The library does the schema parsing (refs, unions, constraints, nullability, docstrings); our custom
templates in templates/models/ add what it does not emit for msgspec (Struct options, open enums).
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import datamodel_code_generator as dcg
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter, PythonVersion
from datamodel_code_generator.parser import LiteralType

from .ir import API, REF_PREFIX

MODEL_TEMPLATES = Path(__file__).resolve().parent / "templates" / "models"

# Fixed here rather than left to the library's defaults, which it announces will change: the output
# must not move when datamodel-code-generator is upgraded without us deciding so.
OPTIONS: dict[str, Any] = {
    "input_file_type": InputFileType.JsonSchema,
    "output_model_type": DataModelType.MsgspecStruct,
    "target_python_version": PythonVersion.PY_310,
    "disable_timestamp": True,
    "use_msgspec_tagged_unions": True,
    "use_msgspec_nullable_enum_alias": True,
    "use_annotated": True,
    "field_constraints": True,
    "keyword_only": True,
    "use_double_quotes": True,
    "use_exact_imports": True,
    "use_schema_description": True,
    "use_field_description": True,
    "enum_field_as_literal": LiteralType.All,
    "use_typed_nullable_map_values": True,
    "formatters": [Formatter.RUFF_FORMAT],
    "custom_template_dir": MODEL_TEMPLATES,
    "skip_root_model": True,
    # With ir.py's `nullable` on every optional response property: `X | None = None`, not `X | UnsetType`.
    # Request properties never carry `nullable` (ir.py adds it on the response side only), so they keep
    # `X | UnsetType = UNSET` (only what the caller set is sent) and `X | None | UnsetType` where null is valid.
    "strict_nullable": True,
    # A required property with a default (the response side's `choices: []`) is written `X = default`.
    "apply_default_values_for_required_fields": True,
}

# The TypedDict forms of the request types, at the official SDK's paths of its TypedDict params. Same
# schema, no msgspec options; they are plain dicts at run time and type-check like the official ones.
PARAMS_OPTIONS: dict[str, Any] = {
    **{
        key: value
        for key, value in OPTIONS.items()
        if key
        not in (
            "output_model_type",
            "use_msgspec_tagged_unions",
            "use_msgspec_nullable_enum_alias",
            "custom_template_dir",
            "keyword_only",
            "use_annotated",
            "field_constraints",
            "strict_nullable",
            "apply_default_values_for_required_fields",
        )
    },
    "output_model_type": DataModelType.TypingTypedDict,
    # The server refuses unknown keys, but PEP 728's closed=True is not understood by mypy yet.
    "use_closed_typed_dict": False,
    # fastgroq does not depend on typing_extensions (NotRequired is in typing from Python 3.11).
    "import_overrides": {"TypedDict": "typing", "NotRequired": "fastgroq._typing", "Required": "fastgroq._typing"},
}

OPEN_ENUM_IMPORT = "from fastgroq._enums import OpenEnum\n"
FILE_TYPES_PATH = "fastgroq._files.FileTypes"


class GeneratorWarning(Exception):
    """datamodel-code-generator warned; the warning is an error here (it exits 0 on lossy output)."""


def generate_params(api: API) -> dict[str, str]:
    """Return the TypedDict forms of each area's request types (``chat`` -> code of ``_areas/chat_params.py``)."""
    request = set(api.request_defs)
    document = dict(api.models_schema)
    document["$defs"] = {name: spec for name, spec in api.models_schema["$defs"].items() if name in request}
    # An upload's file fields are bytes in the Struct (which validates the form) and FileTypes in the TypedDict,
    # as in the official SDK's params (`file: Required[FileTypes]`).
    for op in api.operations:
        if op.file_fields and op.request_type:
            spec = document["$defs"][op.request_type] = copy.deepcopy(document["$defs"][op.request_type])
            for name in op.file_fields:
                spec["properties"][name]["customTypePath"] = FILE_TYPES_PATH
    suffix = "_params"
    output = _generate(_by_area_module(api, document, suffix), PARAMS_OPTIONS)
    if isinstance(output, str):
        output = {(f"{api.param_areas[0]}{suffix}.py",): output}
    modules: dict[str, str] = {}
    for parts, code in output.items():
        name = "/".join(parts).removesuffix(".py")
        if name == "__init__":
            continue
        area = name.removesuffix(suffix)
        if area not in api.param_areas or not name.endswith(suffix):
            raise GeneratorWarning(f"datamodel-code-generator wrote an unexpected module {name!r}")
        modules[area] = _drop_banner(code)
    return dict(sorted(modules.items()))


def _generate(document: dict[str, Any], options: dict[str, Any]) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        output = dcg.generate(json.dumps(document, indent=2, sort_keys=True), **options, treat_dot_as_module=True)
    problems = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    if problems:
        raise GeneratorWarning("\n".join(f"{w.category.__name__}: {w.message}" for w in problems))
    if output is None:
        raise GeneratorWarning("datamodel-code-generator wrote nothing")
    return output


def generate_types(api: API) -> dict[str, str]:
    """Return the source of each area's private types module (``chat`` -> code of ``types/_areas/chat.py``).

    The library writes one module per area when a $def's name is ``<module>.<Name>``
    (``treat_dot_as_module``), importing what one area uses from another by name
    (``from .common import ErrorObject``); so each $def is named after its area here.
    """
    output = _generate(_by_area_module(api, api.models_schema), OPTIONS)
    if isinstance(output, str):  # one area: the library writes one module, whatever its name
        output = {(f"{api.areas[0]}.py",): output}
    modules: dict[str, str] = {}
    for parts, code in output.items():
        area = "/".join(parts).removesuffix(".py")
        if area == "__init__":
            continue  # the package's __init__ is ours, rendered from templates/package
        if area not in api.areas:
            raise GeneratorWarning(f"datamodel-code-generator wrote an unexpected module {area!r}")
        code = _drop_banner(code)
        if ": ClassVar[" in code:
            code = _import_from_typing(code, ("ClassVar", "Literal"))
        if "(OpenEnum)" in code:
            # The template names the runtime base class; the library only imports what field types use.
            code = code.replace(
                "from __future__ import annotations\n", "from __future__ import annotations\n" + OPEN_ENUM_IMPORT, 1
            )
        modules[area] = code
    return dict(sorted(modules.items()))


def _import_from_typing(code: str, names: tuple[str, ...]) -> str:
    """``code`` with ``names`` added to its ``from typing import ...`` (the template uses them on its own)."""
    import re

    match = re.search(r"^from typing import ([^\n(]+)$", code, re.MULTILINE)
    if match is None:
        return code.replace(
            "from __future__ import annotations\n",
            f"from __future__ import annotations\nfrom typing import {', '.join(names)}\n",
            1,
        )
    present = [n.strip() for n in match.group(1).split(",")]
    merged = ", ".join(sorted(set(present) | set(names)))
    return code[: match.start(1)] + merged + code[match.end(1) :]


def _by_area_module(api: API, schema: dict[str, Any], suffix: str = "") -> dict[str, Any]:
    """``schema`` with every $def renamed ``<area><suffix>.<Name>`` and every $ref following."""
    qualified = {name: f"{area}{suffix}.{name}" for name, area in api.def_areas.items()}

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: REF_PREFIX + qualified[value[len(REF_PREFIX) :]]
                if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX)
                else rename(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [rename(item) for item in node]
        return node

    document = dict(schema)
    document["$defs"] = {qualified[name]: rename(spec) for name, spec in schema["$defs"].items()}
    return document


def _drop_banner(code: str) -> str:
    """The library's banner names '<stdin>'; our header names the real schema file instead."""
    lines = code.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines).lstrip("\n")
