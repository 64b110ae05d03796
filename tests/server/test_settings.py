"""Settings parsing and client capability reading: small pure pieces of the server."""

from __future__ import annotations

import pytest

from pob_ls.server.client_support import ClientSupport
from pob_ls.server.settings import Settings, parse_settings
from tests.server.conftest import available_profiles, capabilities


def test_defaults_for_missing_or_bad_settings() -> None:
    assert parse_settings(None) == Settings()
    assert parse_settings({"debounce": "fast", "hints": 3, "engine": ""}) == Settings()


def test_settings_values_and_nested_section() -> None:
    s = parse_settings(
        {
            "pob": {
                "engine": "2.55.5",
                "debounce": 300,
                "hints": {"stats": False},
                "warnings": {"inactiveConfig": False},
            }
        }
    )
    assert s.engine == "2.55.5" and s.debounce == pytest.approx(0.3)
    assert s.hints == frozenset({"build", "groups"})
    assert s.analysis_settings() == {"warnings": {"unsupportedMods": True, "inactiveConfig": False}}


@pytest.mark.parametrize(
    ("profile", "pull", "progress", "configuration"),
    [
        ("vscode-1.100.3", True, True, True),
        ("neovim-0.11.4", False, True, True),  # pulls, but cannot be asked to pull again
        ("neovim-0.7.2", False, True, False),
        ("eglot-1.9", False, False, True),
    ],
)
def test_client_support(profile: str, pull: bool, progress: bool, configuration: bool) -> None:
    if profile not in available_profiles():
        pytest.skip("captured client profiles are absent")
    support = ClientSupport.from_capabilities(capabilities(profile))
    assert (support.uses_pull, support.work_done_progress, support.configuration) == (
        pull,
        progress,
        configuration,
    )
