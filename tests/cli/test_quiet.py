"""Other libraries' warnings and logs are kept out of the terminal, and counted."""

from __future__ import annotations

import logging
import os
import warnings

import pytest

from joulebench.cli.quiet import QUIET_ENV, library_output


def test_library_warnings_and_logs_are_hidden_and_counted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in QUIET_ENV:
        monkeypatch.delenv(key, raising=False)
    with library_output() as hidden:
        assert os.environ["TRANSFORMERS_VERBOSITY"] == "error"
        warnings.warn_explicit(
            "requires torchvision", UserWarning,
            "/x/site-packages/transformers/image_utils.py", 12,
        )  # fmt: skip
        logging.getLogger("transformers.modeling_utils").warning("some weights were not used")
        logging.getLogger("joulebench.mine").debug("ours stays ours")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert ("transformers", "UserWarning: requires torchvision") in hidden.messages
    assert ("transformers", "some weights were not used") in hidden.messages
    summary = hidden.summary()
    assert summary is not None and "2 message(s) from other libraries hidden" in summary
    assert "TRANSFORMERS_VERBOSITY" not in os.environ  # restored


def test_verbose_lets_everything_through(capsys: pytest.CaptureFixture[str]) -> None:
    with library_output(verbose=True) as hidden, pytest.warns(UserWarning):
        warnings.warn("visible", UserWarning, stacklevel=1)
    assert hidden.summary() is None


def test_user_settings_are_not_overridden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFORMERS_VERBOSITY", "info")
    with library_output():
        assert os.environ["TRANSFORMERS_VERBOSITY"] == "info"
