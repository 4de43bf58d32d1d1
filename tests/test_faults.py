"""Faults around the scan: a full disk, a killed process, a slow network, hostile names."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, cli

AGENT = 'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "anthropic.claude-v1"\n}\n'


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(AGENT)
    return tree


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_a_report_that_cannot_be_written_whole_leaves_the_old_one(tmp_path: Path, monkeypatch, option: str):
    tree = _tree(tmp_path)
    report = tmp_path / "results.sarif"
    report.write_text("previous run\n")

    def full_disk(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    code, _, err = cli("scan", str(tree), "--as-of", "2024-03-01", "--format", "sarif", option, str(report))
    assert code == 2 and "No space left on device" in err
    assert report.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sarif", "tree"]


def test_a_report_is_written_whole_and_readable(tmp_path: Path):
    tree = _tree(tmp_path)
    report = tmp_path / "results.sarif"
    code, _, _ = cli("scan", str(tree), "--as-of", "2024-03-01", "--format", "sarif", "--output", str(report))
    assert code == 1 and report.read_text().rstrip().endswith("}")
    umask = os.umask(0)
    os.umask(umask)
    assert report.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc to find the workers")
def test_workers_die_with_a_killed_scan(tmp_path: Path):
    script = (
        "import time\n"
        "from validator.workers import Workers\n"
        "workers = Workers(2)\n"
        "results = workers.map(time.sleep, [60] * 24)\n"
        "print('started', flush=True)\n"
        "next(results)\n"
    )
    scan = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert scan.stdout.readline().strip() == "started"
        workers = _children(scan.pid)
        for _ in range(100):
            if len(workers) >= 2:
                break
            time.sleep(0.1)
            workers = _children(scan.pid)
        assert workers
        os.kill(scan.pid, signal.SIGKILL)
        scan.wait()
        for _ in range(100):  # up to 10 s: the workers go at once on Linux, within a second elsewhere
            if not any(_alive(pid) for pid in workers):
                break
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers)
    finally:
        scan.kill()
        scan.wait()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_no_text_line_can_be_a_workflow_command(tmp_path: Path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "::error title=pwned::forged.tf").write_text(AGENT)
    (tree / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "b" {\n  foundation_model = "::add-mask::anthropic.claude-v1"\n}\n')
    for command in ("scan", "timeline"):
        code, out, err = cli(command, str(tree), "--as-of", "2024-03-01")
        assert "forged.tf" in out
        assert not [line for line in (out + err).splitlines() if line.lstrip().startswith("::")]
    code, out, err = cli("scan", str(tree / "missing\n::error::forged"), "--as-of", "2024-03-01")
    assert code == 2 and not [line for line in err.splitlines() if line.lstrip().startswith("::")]
