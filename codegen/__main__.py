"""Command line: ``python -m codegen generate`` writes generated/ and docs/; ``python -m codegen check`` compares;
``python -m codegen upstream-diff PATH`` compares an upstream OpenAPI document with schema/."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import tomllib

from . import docs as api_docs, ir, load, models, render, upstream, write

ROOT = load.ROOT
GENERATED = ROOT / "generated"
DOCS = ROOT / "docs"
PYPROJECT = ROOT / "pyproject.toml"


def build(dest: Path, schema_dir: Path = load.SCHEMA_DIR, docs: Path | None = None) -> None:
    """Run the whole pipeline into ``dest`` (a folder that will hold ``fastgroq/``), and the API reference
    into ``docs`` when given (it reads the package as written)."""
    api = ir.build(load.read_schema(schema_dir))
    types_code = models.generate_types(api)
    params_code = models.generate_params(api)
    package_version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    files = render.render_package(api, types_code, params_code, package_version)
    write.write_tree(files, dest, PYPROJECT)
    if docs is not None:
        api_docs.write_docs(api_docs.render_docs(api, dest / write.PACKAGE, package_version), docs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, purpose in (
        ("generate", "write generated/ from schema/"),
        ("check", "compare generated/ with what the generator produces from schema/ (the drift check)"),
    ):
        command = commands.add_parser(name, help=purpose, description=purpose)
        command.add_argument("--schema", type=Path, default=load.SCHEMA_DIR, help="schema folder (default: schema/)")
        command.add_argument("--out", type=Path, default=GENERATED, help="generated folder (default: generated/)")
        command.add_argument(
            "--docs", type=Path, default=None, help="API reference folder (default: docs/ beside the generated folder)"
        )
    upstream.cli.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == upstream.cli.NAME:
        return upstream.cli.run(args)
    # Each generated folder: what the generator writes into it (a temporary twin) and the folder itself.
    folders: list[tuple[Path, Path]] = []
    problems: list[tuple[Path, list[str]]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="fastgroq-gen-") as tmp:
            fresh, fresh_docs = Path(tmp) / "package", Path(tmp) / "docs"
            build(fresh, args.schema, fresh_docs)
            # docs/ sits beside generated/: a run on a copy of the project never touches this checkout's docs.
            folders = [(fresh, args.out), (fresh_docs, args.docs or args.out.parent / DOCS.name)]
            if args.command == "generate":
                for new, committed in folders:
                    committed.mkdir(parents=True, exist_ok=True)
                    changes = write.sync(new, committed)
                    print("\n".join(changes) if changes else f"{committed.name}/ is up to date")
                return 0
            problems = [(committed, write.compare(new, committed)) for new, committed in folders]
    except (load.SchemaError, models.GeneratorWarning, write.EmittedCodeError) as exc:
        print(f"codegen: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    for committed, found in problems:
        if found:
            print(f"drift: {committed.name}/ is not what the generator produces from the schema:", file=sys.stderr)
            print("\n".join(found), file=sys.stderr)
    if any(found for _, found in problems):
        print(
            "run `make generate`, review the diff, and commit the schema and generated code together", file=sys.stderr
        )
        return 1
    print(" and ".join(f"{committed.name}/" for _, committed in folders) + " match the schema and the generator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
