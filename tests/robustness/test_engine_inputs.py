"""Hostile and absurd build files through the real engine: always a result or a clear error, never a crash.

Mutations of a real build: absurd numbers, Lua-looking strings in attributes and item text, unknown names,
truncations. After each one the same host must still compute the untouched build exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pob_ls.engine.host.host import BuildLoadError, PobHost
from pob_ls.engine.provisioning.layout import EngineLayout

pytestmark = pytest.mark.engine

BASE = "067-exsanguinate-trickster-3-28.xml"
CANARY = Path("/tmp/pob-ls-canary")

LUA_PAYLOADS = [
    ']] os.execute("touch /tmp/pob-ls-canary") [[',
    '"); io.open("/tmp/pob-ls-canary","w"); --',
    "${os.exit(1)}",
    "\\\\0\\x00%s%s%s%n",
    "return python.eval('1')",
    "require('ffi').C.system('touch /tmp/pob-ls-canary')",
    "{range:0.5}{crafted}" + "A" * 5000,
]
NUMBERS = ["1000000000", "-5", "nan", "inf", "-inf", "1e308", "0x10", "", "  7  ", "3.5"]
ATTRS = [
    "level",
    "quality",
    "mainSocketGroup",
    "number",
    "classId",
    "ascendClassId",
    "activeSpec",
    "itemId",
    "count",
]


@pytest.fixture(scope="module")
def host(engine: EngineLayout) -> Iterator[PobHost]:
    yield PobHost(engine)


@pytest.fixture(scope="module")
def base(shared_builds: Path) -> str:
    return (shared_builds / BASE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def baseline(host: PobHost, base: str) -> dict[str, object]:
    handle = host.load_build(base)
    out = dict(host.result(handle).output)
    host.free(handle)
    return out


def _mutate_numbers(xml: str, attr: str, value: str) -> str:
    return re.sub(rf'(\s{attr}=")[^"]*(")', lambda m: m.group(1) + value + m.group(2), xml)


def _mutate_strings(xml: str, payload: str) -> str:
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    xml = re.sub(r'(nameSpec=")[^"]*(")', lambda m: m.group(1) + escaped + m.group(2), xml, count=3)
    xml = re.sub(r'(<Input name=")[^"]*(")', lambda m: m.group(1) + escaped + m.group(2), xml, count=3)
    return xml.replace("Rarity: RARE\n", "Rarity: RARE\n" + escaped + "\n", 2)


def _survives(host: PobHost, xml: str, base: str, baseline: dict[str, object]) -> None:
    try:
        handle = host.load_build(xml)
    except BuildLoadError as exc:
        assert str(exc)  # a clear message, never an empty one
    else:
        result = host.result(handle)
        assert isinstance(result.output, dict)
        host.free(handle)
    assert not CANARY.exists()
    again = host.load_build(base)
    assert host.result(again).output == baseline
    host.free(again)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attr=st.sampled_from(ATTRS), value=st.sampled_from(NUMBERS))
def test_absurd_numbers(host: PobHost, base: str, baseline: dict[str, object], attr: str, value: str) -> None:
    _survives(host, _mutate_numbers(base, attr, value), base, baseline)


@pytest.mark.parametrize("payload", LUA_PAYLOADS)
def test_lua_looking_strings(host: PobHost, base: str, baseline: dict[str, object], payload: str) -> None:
    _survives(host, _mutate_strings(base, payload), base, baseline)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncations(host: PobHost, base: str, baseline: dict[str, object], cut: float) -> None:
    _survives(host, base[: int(len(base) * cut)], base, baseline)
