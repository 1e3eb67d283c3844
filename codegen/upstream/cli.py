"""``python -m codegen upstream-diff PATH [--json] [--descriptions]``.

Exit status: 0 no findings, 1 findings, 2 bad input (a one-line error on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import load
from . import report
from .diff import diff
from .document import BadInput

NAME = "upstream-diff"
HELP = "compare an upstream OpenAPI 3.x document with schema/"
EXIT_STATUS = "Exit status: 0 no findings, 1 findings, 2 bad input."


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(NAME, help=HELP, description=f"{HELP}. {EXIT_STATUS}")
    parser.add_argument("upstream", type=Path, metavar="PATH", help="the upstream OpenAPI document (YAML or JSON)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the text report")
    parser.add_argument("--descriptions", action="store_true", help="also report descriptions that differ")
    parser.add_argument("--schema", type=Path, default=load.SCHEMA_DIR, help="schema folder (default: schema/)")


def run(args: argparse.Namespace) -> int:
    try:
        result = diff(args.upstream, args.schema, descriptions=args.descriptions)
    except (BadInput, load.SchemaError) as exc:
        print(f"upstream-diff: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    label = f"{args.schema.name}/*{load.SUFFIX}"
    print(report.as_json(result) if args.json else report.as_text(result, label))
    return 1 if result.findings else 0
