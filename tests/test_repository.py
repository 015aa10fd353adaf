"""The repository stands alone: nothing in it reaches for files beside the clone."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = "../" + "shared"  # spelled in two parts so this file does not match itself


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_refers_to_the_folder_beside_the_clone() -> None:
    files = tracked_files()
    assert ROOT / "vae_core" / "data" / "mnist.py" in files
    offenders = [
        str(p.relative_to(ROOT))
        for p in files
        if p.is_file() and OUTSIDE.encode() in p.read_bytes()
    ]
    assert offenders == []


def test_the_mnist_files_are_tracked() -> None:
    names = {p.name for p in tracked_files() if p.parent == ROOT / "data" / "mnist"}
    assert {"train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "SHA256SUMS"} <= names


def ensure_chromium(env: dict[str, str], *, as_nobody: bool = False) -> subprocess.CompletedProcess:
    """scripts/ensure-chromium (what `make test` runs first) with `env` added."""
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if as_nobody else []
    return subprocess.run(  # the script on stdin: an unprivileged user may not read the clone
        [*prefix, "sh", "-s"],
        input=(ROOT / "scripts" / "ensure-chromium").read_text(),
        cwd="/",
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_test_sets_up_chromium_first() -> None:
    rule = re.search(r"^test: (.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert rule and "browser" in rule.group(1).split()
    assert "scripts/ensure-chromium" in (ROOT / "Makefile").read_text()


def test_ensure_chromium_is_silent_when_chromium_is_there() -> None:
    done = ensure_chromium({"CHROMIUM": "/bin/true", "APT_GET": "false"})
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_ensure_chromium_without_root_stops_with_one_line_naming_the_package(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-chromium"
    done = ensure_chromium({"CHROMIUM": str(missing)}, as_nobody=True)
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert str(missing) in done.stderr and "apt-get install chromium" in done.stderr


def test_ensure_chromium_as_root_tries_apt_and_reports_its_failure_in_one_line(
    tmp_path: Path,
) -> None:
    done = ensure_chromium({"CHROMIUM": str(tmp_path / "none"), "APT_GET": "false"})
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    if os.geteuid() == 0:  # root with an apt-get: it tries, then says why it could not
        assert lines[0].startswith("make test: installing chromium")
        assert len(lines) == 2 and "'false install chromium' failed" in lines[1]
    else:
        assert len(lines) == 1 and "apt-get install chromium" in lines[0]
