"""Shared fixtures: the real builds in ../shared/builds (tests skip when the folder is absent)."""

from __future__ import annotations

import pytest

from pob_ls.document import PobDocument, parse_document

from .real_builds import read_build


@pytest.fixture
def guardian() -> tuple[str, PobDocument]:
    """A 3.28 build with minion stats, overrides, mastery effects and one skill/config set."""
    text = read_build("065-dominating-blow-of-inspiring-guardian-3-28.xml")
    return text, parse_document(text)
