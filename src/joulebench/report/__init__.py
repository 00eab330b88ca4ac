"""Views of results: one self-contained HTML file, Markdown tables, JSON, CSV.

Data first, templates second: :func:`~joulebench.report.build.build_report` turns run
records into a :class:`~joulebench.report.model.Report` through ``joulebench.analysis``;
each view (a function ``render(report) -> str``, registered by format name in
:data:`VIEWS`) renders that model. :func:`write_report` writes atomically (temporary file,
then rename), so a failed run never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..registry import Registry
from .model import SCHEMA_VERSION, Report

ReportView = Callable[[Report], str]


def _check_view(name: str, obj: Any) -> ReportView:
    if not callable(obj):
        raise TypeError(f"{obj!r} is not a function render(report) -> str")
    return obj


# The report views, by format name (also the default file's suffix). Other packages add
# theirs through the ``joulebench.report_views`` entry-point group (docs/plugins.md).
VIEWS: Registry[ReportView] = Registry(
    "report format", group="joulebench.report_views", check=_check_view
)
VIEWS.add("html", "joulebench.report.html:render_html")
VIEWS.add("md", "joulebench.report.markdown:render_markdown")
VIEWS.add("json", "joulebench.report.json_view:render_json")
VIEWS.add("csv", "joulebench.report.json_view:render_csv")

FORMATS = tuple(e.name for e in VIEWS.built_ins())
DEFAULT_NAMES = {f: f"joulebench-report.{f}" for f in FORMATS}

__all__ = [
    "DEFAULT_NAMES",
    "FORMATS",
    "SCHEMA_VERSION",
    "VIEWS",
    "Report",
    "ReportView",
    "default_name",
    "render",
    "write_report",
]


def default_name(fmt: str) -> str:
    """The default file name of a report in ``fmt``: ``joulebench-report.<fmt>``."""
    return f"joulebench-report.{fmt}"


def render(report: Report, fmt: str) -> str:
    """The report as text in ``fmt`` (html, md, json, csv or a plugin's format)."""
    return VIEWS.get(fmt)(report)


def write_report(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` to ``path`` atomically; the file appears whole or not at all."""
    target = Path(path)
    parent = target.absolute().parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {str(target)!r}: directory {str(parent)!r} does not exist")
    if target.is_dir():
        raise UsageError(f"cannot write report {str(target)!r}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:  # an unwritable folder: nothing was written
        raise UsageError(
            f"cannot write report {str(target)!r}: {exc.strerror or exc} in {str(parent)!r}",
            hint="choose a folder you can write with --output",
        ) from exc
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
