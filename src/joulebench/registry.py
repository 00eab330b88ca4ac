"""One registry for everything that plugs in: tasks, sensors, executors, report views.

A :class:`Registry` maps names to *lazy targets*: ``"package.module:attr"`` (or a bare
``"package.module"``, the module itself) is stored as text and imported on the first
:meth:`Registry.get` of that name, so registering costs nothing. Built-ins register with
:meth:`Registry.add` in the module that owns their kind; other packages register through
entry points in their ``pyproject.toml``::

    [project.entry-points."joulebench.tasks"]
    my-task = "my_package.my_task"

Entry points of the registry's group are read once, on the first lookup (``get``,
``names``, ``in``). Bad input answers with one line each (:class:`UsageError`): a name
registered twice names both registrants; an unknown name lists the valid ones and the
closest; a target that cannot be imported or fails the kind's ``check`` says which plugin
and why.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from importlib import metadata

from .errors import JoulebenchError, UsageError, closest

T = TypeVar("T")

BUILT_IN = "joulebench (built-in)"


@dataclass(frozen=True)
class Entry:
    """One registration: the name, its lazy target (text) and who registered it."""

    name: str
    target: str
    origin: str  # BUILT_IN, or "entry point NAME = TARGET of distribution DIST"


def import_target(target: str) -> Any:
    """The object ``"package.module:attr"`` (dotted attributes allowed) or a module names."""
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


@functools.lru_cache(maxsize=1)
def declared_groups() -> frozenset[str]:
    """The ``joulebench.*`` entry-point groups any installed distribution declares.

    A cheap pre-scan of the ``entry_points.txt`` files of the distributions on
    ``sys.path`` (about 2 ms), so that the common case — no plugin installed — never
    imports :mod:`importlib.metadata` (about 40 ms with the ``email`` package it pulls)
    nor parses every distribution's metadata (20 ms more): the first
    ``joulebench.measure()`` stays cheap. Where a group is declared, the real
    :func:`importlib.metadata.entry_points` reads it.
    """
    groups: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(folder or ".", name, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                continue
            if "joulebench." not in text:
                continue
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("[joulebench.") and line.endswith("]"):
                    groups.add(line[1:-1].strip())
    return frozenset(groups)


def _entry_points(group: str) -> Iterable[metadata.EntryPoint]:
    if group not in declared_groups():
        return ()
    from importlib import metadata

    return metadata.entry_points(group=group)


def _origin(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    where = f" of distribution {dist.name} {dist.version}" if dist is not None else ""
    return f"entry point {ep.name} = {ep.value}{where}"


class Registry(Generic[T]):
    """Names → lazy targets of one kind (``kind`` names it in messages: "task", "sensor").

    ``group``: the entry-point group other packages register in (None: built-ins only).
    ``check(name, obj) -> T`` validates a loaded target (raise :class:`UsageError` or
    ``TypeError``/``ValueError`` to refuse it). ``entry_points(group)`` replaces
    :func:`importlib.metadata.entry_points` (tests).
    """

    def __init__(
        self,
        kind: str,
        *,
        group: str | None = None,
        check: Callable[[str, Any], T] | None = None,
        entry_points: Callable[[str], Iterable[metadata.EntryPoint]] = _entry_points,
    ) -> None:
        self.kind = kind
        self.group = group
        self._check = check
        self._entry_points = entry_points
        self._entries: dict[str, Entry] = {}
        self._loaded: dict[str, T] = {}
        self._plugins_read = group is None
        self._lock = threading.RLock()

    # --- registering ---------------------------------------------------------------

    def add(self, name: str, target: str, *, origin: str = BUILT_IN) -> None:
        """Register ``name`` → ``target`` (``"module:attr"``; nothing is imported now)."""
        with self._lock:
            self._add(self._entries, Entry(name, target, origin))

    def _add(self, entries: dict[str, Entry], entry: Entry) -> None:
        if not entry.name or not isinstance(entry.name, str):
            raise UsageError(f"{self.kind} name {entry.name!r} ({entry.origin}) is empty")
        if not entry.target or not entry.target.partition(":")[0]:
            raise UsageError(f"{self.kind} {entry.name!r} ({entry.origin}) has no target",
                             hint="targets look like package.module:attribute")
        first = entries.get(entry.name)
        if first is not None:
            if first == entry:  # the same distribution found twice on sys.path
                return
            raise UsageError(
                f"{self.kind} {entry.name!r} is registered twice: by {first.origin} "
                f"and by {entry.origin}",
                hint="uninstall one of the two packages, or rename one registration",
            )
        entries[entry.name] = entry

    def _read_plugins(self) -> None:
        """Add the group's entry points, once; all or none (a duplicate refuses them all)."""
        if self._plugins_read:
            return
        with self._lock:
            if self._plugins_read:
                return
            assert self.group is not None
            entries = dict(self._entries)
            found = sorted(self._entry_points(self.group), key=lambda ep: (ep.name, ep.value))
            for ep in found:
                self._add(entries, Entry(ep.name, ep.value, _origin(ep)))
            self._entries = entries
            self._plugins_read = True

    # --- looking up ----------------------------------------------------------------

    def get(self, name: str) -> T:
        """The object registered as ``name``, imported (and checked) on first use."""
        entry = self.entry(name)
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            obj = self._load(entry)
            self._loaded[name] = obj
            return obj

    def _load(self, entry: Entry) -> T:
        where = f"{self.kind} {entry.name!r} ({entry.origin})"
        try:
            obj = import_target(entry.target)
        except JoulebenchError as exc:  # e.g. a task declaring an option of unknown type
            raise UsageError(f"{where}: {exc}", hint=exc.hint) from exc
        except Exception as exc:
            raise UsageError(
                f"{where} cannot be loaded from {entry.target}: {type(exc).__name__}: {exc}",
                hint="reinstall the package that provides it, or uninstall it",
            ) from exc
        if self._check is None:
            return cast(T, obj)
        try:
            return self._check(entry.name, obj)
        except UsageError as exc:
            raise UsageError(f"{where}: {exc}", hint=exc.hint) from exc
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{where} is not a valid {self.kind}: {exc}") from exc

    def entry(self, name: str) -> Entry:
        """The registration of ``name`` (nothing imported); unknown names raise UsageError."""
        self._read_plugins()
        try:
            return self._entries[name]
        except KeyError:
            raise self.unknown(name) from None

    def unknown(self, name: str) -> UsageError:
        """The error for an unknown ``name``: the closest names, then every valid one."""
        names = self.names()
        return UsageError(
            f"unknown {self.kind} {name!r}{closest(name, names)}",
            hint=f"valid {self.kind}s: {', '.join(names) or '(none)'}",
        )

    def names(self) -> list[str]:
        """Every registered name: built-ins in registration order, then plugins by name."""
        self._read_plugins()
        return list(self._entries)

    def entries(self) -> list[Entry]:
        self._read_plugins()
        return list(self._entries.values())

    def built_ins(self) -> list[Entry]:
        """The registrations made with :meth:`add` by joulebench (entry points not read)."""
        with self._lock:
            return [e for e in self._entries.values() if e.origin == BUILT_IN]

    def load_all(self) -> list[tuple[str, T]]:
        """Every (name, object), in :meth:`names` order (imports them all)."""
        return [(name, self.get(name)) for name in self.names()]

    def __contains__(self, name: object) -> bool:
        self._read_plugins()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, group={self.group!r}, {len(self._entries)} entries)"


__all__ = ["BUILT_IN", "Entry", "Registry", "import_target"]
