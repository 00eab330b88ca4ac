"""The documented one-liners type-check: ``joulebench.measure(...)`` is a typed call."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import joulebench

SNIPPET = """
import joulebench
from joulebench.measure import Measurement
from joulebench.measure.meter import Meter

m: Meter = joulebench.measure(idle_s=1.0, scope="process")
with joulebench.measure() as window:
    with window.phase("query"):
        pass
result: Measurement | None = window.result

@joulebench.track
def predict(x: int) -> int:
    return x

y: int = predict(1)
"""


def test_measure_is_a_typed_callable_to_mypy(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    script = tmp_path / "use_joulebench.py"
    script.write_text(textwrap.dedent(SNIPPET))
    out, err, rc = api.run(
        [str(script), "--no-incremental", "--follow-imports=silent", "--ignore-missing-imports"]
    )
    assert rc == 0, out + err


def test_measure_attribute_is_callable_and_a_package_view() -> None:
    import joulebench.measure.meter as meter_module

    assert callable(joulebench.measure)
    assert joulebench.measure.Meter is meter_module.Meter
    assert joulebench.measure.discovery.shared is not None  # submodules through it
    assert (Path(joulebench.__file__).parent / "py.typed").exists()
