"""The one entry point and error funnel of the ``joulebench`` command.

Each command lives in its own module exposing ``register(subparsers)``; it sets
``func(args) -> int`` on its parser. Heavy imports happen inside ``func`` only, so
``joulebench --help`` and ``joulebench doctor`` start fast.

A :class:`~joulebench.errors.JoulebenchError` prints one line (and its hint) and exits
non-zero; any other exception keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import JoulebenchError

# Command modules, in the order ``--help`` lists them. A module missing here is a bug.
COMMAND_MODULES = (
    "doctor",
    "measure_cmd",
    "run_cmd",
    "runs_cmd",
    "sweep_cmd",
    "endpoint_cmd",
    "agent_cmd",
    "suites_cmd",
    "report_cmd",
    "compare_cmd",
    "breakeven_cmd",
    "import_cmd",
    "export_cmd",
)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so bad arguments go through the funnel."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _ArgError(f"{self.prog}: {message}")


class _ArgError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="joulebench",
        description="Measure, compare and rate the energy and carbon cost of AI inference.",
    )
    parser.add_argument("--version", action="version", version=f"joulebench {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="results store (SQLite); default $JOULEBENCH_DB or ./joulebench.db",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue  # command not built yet
        module.register(sub)
    for command in sub.choices.values():  # `joulebench run --db X` works as well
        command.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _ArgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not getattr(args, "func", None):
        if args.command is None and not argv:
            # `joulebench` alone prints help; `joulebench run` is the main job.
            parser.print_help()
            return 0
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except JoulebenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())
