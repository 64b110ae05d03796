"""`engine install latest` / `engine update` against a local releases API (stdlib http.server on 127.0.0.1).

The big test serves an archive made from the installed PoB 2.63.0, relabelled 2.99.0 (a release we hold no
pin for); the others use the tiny fake engines of conftest.py. Every bad reply must give one error line that
names `--from` and leave nothing behind in the engines or download folders.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import tarfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pob_ls.cli.engine import add_engine_subcommands
from pob_ls.engine.provisioning.install import install_engine, read_install_record
from pob_ls.engine.provisioning.manifest import PinSet
from pob_ls.engine.provisioning.paths import cache_dir, engines_dir
from pob_ls.engine.provisioning.updates import install_latest
from tests.engine_install.conftest import make_tar

MakeEngine = Callable[..., Path]
MakePins = Callable[..., PinSet]

#: Resolved at import, before the autouse fixture points the data dir into tmp.
REAL_2_63 = engines_dir() / "2.63.0"
STAND_IN = "2.99.0"


class Routes:
    """What the fake API answers: path -> (status, headers, body)."""

    def __init__(self) -> None:
        self.table: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.base = ""

    def json(self, path: str, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> str:
        body = json.dumps(data).encode()
        self.table[path] = (status, {"Content-Type": "application/json", **(headers or {})}, body)
        return self.base + path

    def file(self, path: str, source: Path) -> str:
        self.table[path] = (200, {"Content-Type": "application/octet-stream"}, source.read_bytes())
        return self.base + path


@pytest.fixture
def api() -> Iterator[Routes]:
    routes = Routes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = routes.table.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    routes.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield routes
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="pob-ls")
    add_engine_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    return code


def release(tag: str, **fields: Any) -> dict[str, Any]:
    return {"tag_name": tag, "name": f"Release {tag}", "published_at": "2026-08-20T12:00:00Z", **fields}


def _leftovers() -> list[str]:
    """Anything an install left in the engines folder or the download staging."""
    found = []
    for root in (engines_dir(), cache_dir() / "downloads"):
        if root.is_dir():
            found.extend(str(p) for p in root.iterdir())
    return found


@pytest.fixture(scope="module")
def stand_in_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GitHub-style source tarball of the installed PoB 2.63.0 whose manifest.xml says 2.99.0."""
    if not (REAL_2_63 / "src" / "Launch.lua").is_file():
        pytest.skip("PoB 2.63.0 is not installed (run `pob-ls engine install`)")
    archive = tmp_path_factory.mktemp("release") / f"v{STAND_IN}.tar.gz"
    top = "PathOfBuildingCommunity-PathOfBuilding-0123abc"
    manifest = (REAL_2_63 / "manifest.xml").read_text(encoding="utf-8")
    relabelled = manifest.replace('number="2.63.0"', f'number="{STAND_IN}"').encode()
    assert relabelled != manifest.encode()
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        for path in sorted(REAL_2_63.rglob("*")):
            rel = path.relative_to(REAL_2_63).as_posix()
            if rel in ("manifest.xml", "pob-ls-engine.json"):
                continue
            tar.add(path, arcname=f"{top}/{rel}", recursive=False)
        info = tarfile.TarInfo(f"{top}/manifest.xml")
        info.size = len(relabelled)
        tar.addfile(info, io.BytesIO(relabelled))
    return archive


@pytest.mark.engine
def test_latest_unpinned_release_installs_unverified_with_its_trees(
    api: Routes, stand_in_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tarball = api.file(f"/tarball/v{STAND_IN}", stand_in_archive)
    url = api.json("/releases/latest", release(f"v{STAND_IN}", tarball_url=tarball, assets=[]))

    assert run("engine", "install", "latest", "--releases-url", url) == 0
    captured = capsys.readouterr()
    assert f"installed PoB {STAND_IN}" in captured.out
    assert "UNVERIFIED: pob-ls has no pin for PoB 2.99.0" in captured.out
    assert "tree versions: 2_6-3_28" in captured.out
    assert "downloading:" in captured.err and "(100%)" in captured.err

    record = read_install_record(engines_dir() / STAND_IN)
    assert record is not None
    assert record["pinned"] is False and record["verified"] == 0 and record["unverified"]
    assert record["tree_range"] == "2_6-3_28" and "3_28" in record["tree_versions"]
    assert record["release"]["tag"] == f"v{STAND_IN}" and record["release"]["archive_url"] == tarball

    assert run("engine", "list") == 0
    (row,) = capsys.readouterr().out.splitlines()
    version, folder, notes = row.split("\t")
    assert (version, folder) == (STAND_IN, str(engines_dir() / STAND_IN))
    assert notes.startswith("trees 2_6-3_28; UNVERIFIED; newest; 0 files checked; unverified ")

    assert run("engine", "update", "--releases-url", url) == 0
    assert (
        "up to date: the newest release is PoB 2.99.0 and PoB 2.99.0 is installed" in capsys.readouterr().out
    )
    assert [p.name for p in engines_dir().iterdir()] == [STAND_IN]


def test_update_installs_a_newer_release_and_list_marks_it_newest(
    api: Routes,
    make_engine: MakeEngine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_engine(None, make_engine("old", "9.1.0"))
    archive = make_tar(make_engine("new", "9.2.0", top="PathOfBuilding-9.2.0"), tmp_path / "new.tar.gz")
    asset = api.file("/download/PathOfBuilding-9.2.0.tar.gz", archive)
    data = release("v9.2.0", assets=[{"name": "PathOfBuilding-9.2.0.tar.gz", "browser_download_url": asset}])
    monkeypatch.setenv("POB_LS_RELEASES_URL", api.json("/releases/latest", data))

    assert run("engine", "update") == 0
    out = capsys.readouterr().out
    assert "updated to PoB 9.2.0 (was PoB 9.1.0)" in out and "UNVERIFIED" in out

    assert run("engine", "list") == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(row[0], row[2].split("; ")[:3]) for row in rows] == [
        ("9.2.0", ["trees 3_1", "UNVERIFIED", "newest"]),
        ("9.1.0", ["trees 3_1", "UNVERIFIED", "0 files checked"]),
    ]


def test_a_pinned_release_comes_from_its_pinned_archive_and_is_verified(
    api: Routes, make_engine: MakeEngine, make_pins: MakePins, tmp_path: Path
) -> None:
    archive = make_tar(make_engine("pinned", "9.1.0", top="PathOfBuilding-9.1.0"), tmp_path / "p.tar.gz")
    pinned_url = api.file("/pinned/v9.1.0.tar.gz", archive)
    url = api.json("/releases/latest", release("v9.1.0", tarball_url=api.base + "/not-this-one"))

    outcome = install_latest(url=url, pins=make_pins("9.1.0", archive_url=pinned_url))

    assert outcome.pinned and outcome.layout is not None and outcome.layout.version == "9.1.0"
    record = read_install_record(outcome.layout.root)
    assert record is not None and record["pinned"] is True and record["verified"] == 7
    assert record["source"] == pinned_url


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/releases/latest"


def _no_pob_archive(tmp_path: Path) -> Path:
    folder = tmp_path / "not-pob" / "PathOfBuilding-9.3.0"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text("no engine here\n")
    return make_tar(tmp_path / "not-pob", tmp_path / "not-pob.tar.gz")


BAD: dict[str, tuple[Callable[[Routes, Path], str], str]] = {
    "network down": (lambda api, tmp: _closed_port_url(), "cannot reach"),
    "no assets nor archive": (
        lambda api, tmp: api.json("/r", release("v9.3.0", assets=[])),
        "has no source archive nor .zip/.tar.gz asset",
    ),
    "not JSON": (
        lambda api, tmp: api.file("/r", _write(tmp / "page.html", "<html>maintenance</html>")),
        "did not send release JSON",
    ),
    "no tag": (lambda api, tmp: api.json("/r", {"assets": []}), "release has no version tag"),
    "archive holds no PoB": (
        lambda api, tmp: api.json(
            "/r", release("v9.3.0", tarball_url=api.file("/t.tar.gz", _no_pob_archive(tmp)))
        ),
        "holds no PoB engine",
    ),
    "archive missing": (
        lambda api, tmp: api.json("/r", release("v9.3.0", tarball_url=api.base + "/gone.tar.gz")),
        "HTTP 404 Not Found",
    ),
    "rate limit 403": (
        lambda api, tmp: api.json(
            "/r",
            {"message": "API rate limit exceeded"},
            status=403,
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1796300000"},
        ),
        "GitHub's API rate limit is reached",
    ),
    "rate limit 429": (
        lambda api, tmp: api.json("/r", {"message": "slow down"}, status=429, headers={"Retry-After": "60"}),
        "(retry in 60 s)",
    ),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("command", ["install", "update"])
def test_bad_release_input_is_one_line_naming_the_offline_route(
    case: str, command: str, api: Routes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_url, expected = BAD[case]
    url = make_url(api, tmp_path)
    argv = ["engine", "install", "latest"] if command == "install" else ["engine", "update"]

    assert run(*argv, "--releases-url", url) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if not line.startswith("downloading:")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("pob-ls: error: ") and expected in lines[0], lines[0]
    assert "`pob-ls engine install --from PATH_OR_ARCHIVE`" in lines[0]
    assert captured.out == ""
    assert _leftovers() == []


def test_latest_with_from_installs_what_the_source_holds(
    make_engine: MakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("engine", "install", "latest", "--from", str(make_engine("offline", "9.4.0"))) == 0
    assert "installed PoB 9.4.0" in capsys.readouterr().out
