"""Installing from archives (local and downloaded), and refusing archives that could escape their folder."""

from __future__ import annotations

import functools
import http.server
import io
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pob_ls.engine.provisioning import archives
from pob_ls.engine.provisioning.install import EngineInstallError, install_engine, read_install_record
from pob_ls.engine.provisioning.manifest import PinSet

MakeEngine = Callable[..., Path]
MakePins = Callable[..., PinSet]
Makers = tuple[Callable[[Path, Path], Path], Callable[[Path, Path], Path]]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a tmp folder: (base URL, folder)."""
    folder = tmp_path / "www"
    folder.mkdir()

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_install_from_archive_with_top_folder(
    kind: str, make_engine: MakeEngine, make_pins: MakePins, archive_makers: Makers, tmp_path: Path
) -> None:
    make_tar, make_zip = archive_makers
    source = make_engine(top="PathOfBuilding-9.1.0")
    archive = (make_tar if kind == "tar.gz" else make_zip)(source, tmp_path / f"pob.{kind}")

    layout = install_engine(None, archive, pins=make_pins())

    assert layout.version == "9.1.0"
    record = read_install_record(layout.root)
    assert record is not None and record["verified"] == 7 and record["unverified"] == []


def test_install_from_zip_of_installed_pob(
    make_engine: MakeEngine, make_pins: MakePins, archive_makers: Makers, tmp_path: Path
) -> None:
    _, make_zip = archive_makers
    archive = make_zip(make_engine(installed=True), tmp_path / "portable.zip")
    layout = install_engine(None, archive, pins=make_pins())
    assert (layout.root / "src" / "Launch.lua").is_file()
    assert (layout.root / "runtime" / "lua" / "xml.lua").is_file()


def test_default_install_downloads_the_pinned_archive(
    served: tuple[str, Path],
    make_engine: MakeEngine,
    make_pins: MakePins,
    archive_makers: Makers,
) -> None:
    base, folder = served
    make_tar, _ = archive_makers
    make_tar(make_engine(top="PathOfBuilding-9.1.0"), folder / "v9.1.0.tar.gz")
    pins = make_pins(archive_url=f"{base}/v9.1.0.tar.gz")
    seen: list[tuple[int, int | None]] = []

    layout = install_engine(None, None, pins=pins, progress=lambda done, total: seen.append((done, total)))

    assert layout.version == "9.1.0"
    size = (folder / "v9.1.0.tar.gz").stat().st_size
    assert seen[0] == (0, size) and seen[-1] == (size, size)
    record = read_install_record(layout.root)
    assert record is not None and record["source"] == f"{base}/v9.1.0.tar.gz"


def test_url_as_source_and_url_override(
    served: tuple[str, Path],
    make_engine: MakeEngine,
    make_pins: MakePins,
    archive_makers: Makers,
) -> None:
    base, folder = served
    _, make_zip = archive_makers
    make_zip(make_engine(), folder / "pob.zip")
    assert install_engine(None, f"{base}/pob.zip", pins=make_pins()).version == "9.1.0"
    assert install_engine(None, None, pins=make_pins(), url=f"{base}/pob.zip").version == "9.1.0"


def test_failed_download_suggests_offline_install(
    served: tuple[str, Path], make_pins: MakePins, isolated_dirs: Path
) -> None:
    base, _ = served
    with pytest.raises(EngineInstallError, match=r"cannot download .*--from PATH_OR_ARCHIVE"):
        install_engine(None, None, pins=make_pins(archive_url=f"{base}/absent.tar.gz"))
    assert not isolated_dirs.exists() or list(isolated_dirs.iterdir()) == []


def _tar_with(tmp_path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        launch = tarfile.TarInfo("pob/src/Launch.lua")
        launch.size = 3
        tar.addfile(launch, io.BytesIO(b"--\n"))
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data) if data else None)
    return archive


def test_tar_path_traversal_is_refused(tmp_path: Path, make_pins: MakePins, isolated_dirs: Path) -> None:
    archive = _tar_with(tmp_path, tarfile.TarInfo("../../escaped.lua"), b"print('pwned')\n")

    with pytest.raises(EngineInstallError, match="path traversal"):
        install_engine(None, archive, pins=make_pins())

    assert not list(tmp_path.rglob("escaped.lua"))
    assert not isolated_dirs.exists() or list(isolated_dirs.iterdir()) == []


def test_tar_absolute_path_is_refused(tmp_path: Path, make_pins: MakePins) -> None:
    with pytest.raises(EngineInstallError, match="absolute path"):
        install_engine(None, _tar_with(tmp_path, tarfile.TarInfo("/tmp/abs.lua"), b"x"), pins=make_pins())


def test_tar_symlink_out_is_refused(tmp_path: Path, make_pins: MakePins) -> None:
    link = tarfile.TarInfo("pob/src/passwd")
    link.type = tarfile.SYMTYPE
    link.linkname = "../../../etc/passwd"
    with pytest.raises(EngineInstallError, match="points outside"):
        install_engine(None, _tar_with(tmp_path, link), pins=make_pins())


def test_zip_path_traversal_is_refused(tmp_path: Path, make_pins: MakePins) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pob/src/Launch.lua", "--\n")
        zf.writestr("pob/..\\..\\escaped.lua", "print('pwned')\n")
    with pytest.raises(EngineInstallError, match="path traversal"):
        install_engine(None, archive, pins=make_pins())
    assert not list(tmp_path.rglob("escaped.lua"))


def test_oversized_member_is_refused(
    tmp_path: Path, make_pins: MakePins, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 1000)
    archive = _tar_with(tmp_path, tarfile.TarInfo("pob/src/Data/big.lua"), b"x" * 5000)
    with pytest.raises(EngineInstallError, match="too large"):
        install_engine(None, archive, pins=make_pins())


def test_a_file_that_is_not_an_archive_is_refused(tmp_path: Path, make_pins: MakePins) -> None:
    bogus = tmp_path / "pob.tar.gz"
    bogus.write_text("not an archive")
    with pytest.raises(EngineInstallError, match=r"neither a folder nor a \.tar\.gz/\.tgz/\.zip"):
        install_engine(None, bogus, pins=make_pins())
