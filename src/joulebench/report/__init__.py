"""Views of results: one self-contained HTML file, Markdown tables, JSON, CSV.

Data first, templates second: :func:`~joulebench.report.build.build_report` turns run
records into a :class:`~joulebench.report.model.Report` through ``joulebench.analysis``;
each view renders that model. :func:`write_report` writes atomically (temporary file,
then rename), so a failed run never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError
from .model import SCHEMA_VERSION, Report

FORMATS = ("html", "md", "json", "csv")
DEFAULT_NAMES = {f: f"joulebench-report.{f}" for f in FORMATS}

__all__ = ["DEFAULT_NAMES", "FORMATS", "SCHEMA_VERSION", "Report", "render", "write_report"]


def _renderer(fmt: str) -> Callable[[Report], str]:
    if fmt == "html":
        from .html import render_html

        return render_html
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown
    if fmt == "json":
        from .json_view import render_json

        return render_json
    if fmt == "csv":
        from .json_view import render_csv

        return render_csv
    raise UsageError(f"unknown report format {fmt!r}", hint="formats: " + ", ".join(FORMATS))


def render(report: Report, fmt: str) -> str:
    """The report as text in ``fmt`` (html, md, json or csv)."""
    return _renderer(fmt)(report)


def write_report(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` to ``path`` atomically; the file appears whole or not at all."""
    target = Path(path)
    parent = target.absolute().parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {str(target)!r}: directory {str(parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write report {str(target)!r}: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
