"""Per-operation code and package files through jinja2; the hand-written runtime (``codegen/runtime/``) copied
as it is."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import cast

import jinja2

from .ir import API, AREAS_PACKAGE, ASYNC, SYNC, Flavor, Resource, SchemaError
from .signatures import Param, request_params

CODEGEN = Path(__file__).resolve().parent
TEMPLATES = CODEGEN / "templates"
PACKAGE_TEMPLATES = TEMPLATES / "package"
# The hand-written part of the package (client core, transport, streaming, errors): plain Python, copied as is.
RUNTIME = CODEGEN / "runtime"
# The clients whose resources are generated, each from resources/_resource.py.jinja (``ir.SYNC``, ``ir.ASYNC``).
CLIENT_FLAVORS: tuple[Flavor, ...] = (SYNC, ASYNC)
# What a file argument of an upload accepts (fastgroq._files.FileTypes, the official SDK's groq._types.FileTypes).
FILE_TYPES = "FileTypes"


@dataclass(frozen=True)
class GeneratedFile:
    """A file of the package: its path inside ``fastgroq/``, its content, and what it was made from."""

    path: str
    content: str
    source: str


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE_TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def package_context(api: API, types_code: dict[str, str], package_version: str) -> dict[str, object]:
    """What the package templates read: the API, each operation's keyword and query parameters, the imports."""
    # One module for reading the request Structs back: the areas' bodies side by side.
    types_module = ast.Module(body=[n for code in types_code.values() for n in ast.parse(code).body], type_ignores=[])
    params: dict[str, list[Param]] = {
        op.id: _file_arguments(request_params(types_module, op.request_type), op.file_fields)
        for op in api.operations
        if op.request_type
    }
    query_params: dict[str, list[Param]] = {
        op.id: request_params(types_module, op.query_type) for op in api.operations if op.query_type
    }
    _check_argument_names(api, params, query_params)
    return {
        "api": api,
        "params": params,
        "query_params": query_params,
        "version": package_version,
        "defined_types": _defined_types(types_module),
        "exception_names": _runtime_all("_exceptions.py"),
        "top_level_types": _top_level_types(api),
        "resource_of": {op.id: r for top in api.resources for r in top.walk() for op in r.operations},
        "SYNC": SYNC,
        "ASYNC": ASYNC,
    }


def render_package(
    api: API, types_code: dict[str, str], params_code: dict[str, str], package_version: str
) -> list[GeneratedFile]:
    """Every file of the package; ``types_code`` and ``params_code`` are each area's generated Structs and
    the TypedDict forms of its request types (models.py)."""
    env = environment()
    src = api.source_label
    context = package_context(api, types_code, package_version)
    files = [
        GeneratedFile("types/__init__.py", env.get_template("types/__init__.py.jinja").render(context), src),
        GeneratedFile(
            f"types/{AREAS_PACKAGE}/__init__.py", env.get_template("types/_areas.py.jinja").render(context), src
        ),
    ]
    for area, code in types_code.items():
        seed = [a for a in api.seed_aliases if api.def_areas[a.target] == area]
        aliases = env.get_template("types/seed_aliases.py.jinja").render({**context, "aliases": seed})
        files.append(GeneratedFile(f"types/{AREAS_PACKAGE}/{area}.py", code + aliases, f"schema/{area}.yaml"))
    for area, code in params_code.items():
        files.append(GeneratedFile(f"types/{AREAS_PACKAGE}/{area}_params.py", code, f"schema/{area}.yaml"))
    for module in api.sdk_modules:
        files.append(
            GeneratedFile(
                module.file, env.get_template("types/sdk_module.py.jinja").render({**context, "module": module}), src
            )
        )
    files += [
        GeneratedFile("_version.py", env.get_template("_version.py.jinja").render(context), "pyproject.toml"),
        *(
            GeneratedFile(r.file(f), render_resource(env, context, r, f), src)
            for top in api.resources
            for r in top.walk()
            for f in CLIENT_FLAVORS
        ),
        *render_resource_packages(env, api),
        GeneratedFile("_endpoints.py", env.get_template("_endpoints.py.jinja").render(context), src),
        *(
            GeneratedFile(
                f"{f.groq_module}.py", env.get_template("_client.py.jinja").render({**context, "flavor": f}), src
            )
            for f in CLIENT_FLAVORS
        ),
        GeneratedFile("__init__.py", env.get_template("__init__.py.jinja").render(context), src),
        GeneratedFile("py.typed", "", "codegen/render.py"),
    ]
    for path in sorted(RUNTIME.rglob("*.py")):
        rel = path.relative_to(RUNTIME).as_posix()
        files.append(GeneratedFile(rel, path.read_text(encoding="utf-8"), f"codegen/runtime/{rel}"))
    files.append(GeneratedFile("_manifest.json", manifest(api, package_version), "codegen/render.py"))
    return files


def _file_arguments(params: list[Param], file_fields: tuple[str, ...]) -> list[Param]:
    """A multipart request's file fields are ``bytes`` in the request Struct (so it can be validated) and take
    any ``FileTypes`` as arguments (bytes, a path, an open binary file, a tuple), as in the official SDK."""
    return [
        replace(p, annotation=re.sub(r"\bbytes\b", FILE_TYPES, p.annotation)) if p.name in file_fields else p
        for p in params
    ]


def _check_argument_names(api: API, params: dict[str, list[Param]], query_params: dict[str, list[Param]]) -> None:
    """A method's path parameters, body fields and query parameters share one argument list: no name twice."""
    for op in api.operations:
        names = [p.name for p in op.path_params]
        names += [p.name for p in params.get(op.id, [])] + [p.name for p in query_params.get(op.id, [])]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise SchemaError(f"x-operations.{op.id}: {', '.join(twice)} named twice among path, body and query")


def render_resource(env: jinja2.Environment, context: dict[str, object], r: Resource, flavor: Flavor) -> str:
    """The module of one resource for one client (``resources/chat/completions.py``, or
    ``resources/chat/_async_completions.py`` for ``ir.ASYNC``), from the one template of both."""
    params = cast("dict[str, list[Param]]", context["params"])
    query_params = cast("dict[str, list[Param]]", context["query_params"])
    used = {t for op in r.operations for t in (op.request_type, op.response_type, op.stream_event_type, op.query_type)}
    for op in r.operations:
        for p in params.get(op.id, []) + query_params.get(op.id, []):
            used |= {n.id for n in ast.walk(ast.parse(p.annotation, mode="eval")) if isinstance(n, ast.Name)}
    *_, sync_leaf = r.module(SYNC).split(".")
    *_, async_leaf = r.module(ASYNC).split(".")
    return env.get_template("resources/_resource.py.jinja").render(
        {
            **context,
            "r": r,
            "flavor": flavor,
            "up": r.up,
            "type_imports": sorted(used & cast("set[str]", context["defined_types"])),
            "uses_files": any(op.file_fields for op in r.operations),
            "children": [(r.relative(child, flavor), child) for child in r.children.values()],
            "sync_module": "." + sync_leaf,
            "async_module": "." + async_leaf,
        }
    )


def render_resource_packages(env: jinja2.Environment, api: API) -> list[GeneratedFile]:
    """``resources/__init__.py`` (every client resource's classes, as ``groq.resources`` has them) and one
    package per resource with resources below it (``resources/chat/__init__.py``: ``Chat``, ``Completions``),
    each importing a name's module only when the name is first used."""
    template = env.get_template("resources/__init__.py.jinja")
    packages: list[tuple[str, str, list[Resource]]] = [
        ("resources", "The client's resources at the official SDK's module paths.", api.resources)
    ]
    for top in api.resources:
        packages += [
            (
                "resources." + ".".join(r.path),
                f"``client.{'.'.join(r.path)}`` and the resources below it.",
                [r, *r.children.values()],
            )
            for r in top.walk()
            if r.children
        ]
    files = []
    for package, doc, members in packages:
        exports = [
            ("." + r.module(f).removeprefix(package + "."), r.family(f)) for r in members for f in CLIENT_FLAVORS
        ]
        submodules = sorted({r.module(SYNC).removeprefix(package + ".").split(".")[0] for r in members})
        content = template.render({"doc": doc, "exports": exports, "submodules": submodules})
        files.append(GeneratedFile(package.replace(".", "/") + "/__init__.py", content, api.source_label))
    return files


def _defined_types(types_module: ast.Module) -> set[str]:
    """The names the areas' type modules define, which a resource module may import from ``fastgroq.types``."""
    defined = set()
    for node in types_module.body:
        if isinstance(node, ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    return defined


def _top_level_types(api: API) -> list[str]:
    """The types ``fastgroq`` itself exports: each operation's and the error body's."""
    names = {t for op in api.operations for t in (op.response_type, op.request_type, op.stream_event_type) if t}
    names.add(api.error_type)
    return sorted(names)


def _runtime_all(module: str) -> list[str]:
    """A runtime module's ``__all__``, read without importing it (it is not a package yet)."""
    tree = ast.parse((RUNTIME / module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return sorted(ast.literal_eval(node.value))
    raise KeyError(f"{module} has no __all__")


def manifest(api: API, package_version: str) -> str:
    """Like Stainless's .stats.yml: what this package was generated from, to the byte."""
    templates = _files(TEMPLATES)
    data = {
        "package": "fastgroq",
        "version": package_version,
        "schema": {s.relpath: s.sha256 for s in api.sources},
        "generator": {
            "datamodel-code-generator": version("datamodel-code-generator"),
            "jinja2": version("jinja2"),
            "ruff": version("ruff"),
        },
        "templates_sha256": _tree_hash(TEMPLATES, templates),
        "runtime_sha256": _tree_hash(RUNTIME, _files(RUNTIME)),
        "operations": [op.id for op in api.operations],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _tree_hash(root: Path, paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
