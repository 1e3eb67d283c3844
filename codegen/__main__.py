"""Command line: ``python -m codegen generate`` writes generated/; ``python -m codegen check`` compares;
``python -m codegen upstream-diff PATH`` compares an upstream OpenAPI document with schema/."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import tomllib

from . import ir, load, models, render, upstream, write

ROOT = load.ROOT
GENERATED = ROOT / "generated"
PYPROJECT = ROOT / "pyproject.toml"


def build(dest: Path, schema_dir: Path = load.SCHEMA_DIR) -> None:
    """Run the whole pipeline into ``dest`` (a folder that will hold ``fastgroq/``)."""
    api = ir.build(load.read_schema(schema_dir))
    types_code = models.generate_types(api)
    params_code = models.generate_params(api)
    package_version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    files = render.render_package(api, types_code, params_code, package_version)
    write.write_tree(files, dest, PYPROJECT)


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
    upstream.cli.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == upstream.cli.NAME:
        return upstream.cli.run(args)
    try:
        with tempfile.TemporaryDirectory(prefix="fastgroq-gen-") as tmp:
            fresh = Path(tmp)
            build(fresh, args.schema)
            if args.command == "generate":
                args.out.mkdir(parents=True, exist_ok=True)
                changes = write.sync(fresh, args.out)
                print("\n".join(changes) if changes else f"{args.out.name}/ is up to date")
                return 0
            problems = write.compare(fresh, args.out)
    except (load.SchemaError, models.GeneratorWarning, write.EmittedCodeError) as exc:
        print(f"codegen: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"drift: {args.out.name}/ is not what the generator produces from the schema:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        print(
            "run `make generate`, review the diff, and commit the schema and generated code together", file=sys.stderr
        )
        return 1
    print(f"{args.out.name}/ matches the schema and the generator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
