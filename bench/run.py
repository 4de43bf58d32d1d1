"""Benchmark iac-check against checkov and cfn-lint on the same generated monorepo.

    python bench/run.py --files 10000

Generates the tree (bench/generate.py), scans it with iac-check (this interpreter), with
checkov (`--framework terraform cloudformation --quiet --compact`) and with cfn-lint on the
templates, both installed in the benchmark's own virtual environment, and prints files,
MB, wall seconds, files per second and peak memory, with ratios from the same run. Then it
scans 2x and 4x trees with iac-check to show how time grows with the tree.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from generate import generate

HERE = Path(__file__).resolve().parent
AS_OF = "2026-11-28"


@dataclass(frozen=True)
class Run:
    tool: str
    files: int
    megabytes: float
    seconds: float
    peak_mb: float
    exit_code: int

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


def measure(tool: str, command: list[str], files: int, megabytes: float) -> Run:
    """Wall time and peak resident memory of one command (its own process tree's largest)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    return Run(tool, files, megabytes, seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))


def tree_size(root: Path, pattern: str = "*") -> tuple[int, float]:
    paths = [p for p in root.rglob(pattern) if p.is_file()]
    return len(paths), sum(p.stat().st_size for p in paths) / 1e6


def tools_env(directory: Path) -> Path:
    """The benchmark's own environment with checkov and cfn-lint (created on first use)."""
    bin_dir = directory / "bin"
    if not (bin_dir / "checkov").exists():
        subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
        subprocess.run([str(bin_dir / "pip"), "install", "--quiet", "checkov", "cfn-lint"], check=True)
    return bin_dir


def iac_check(root: Path) -> list[str]:
    return [sys.executable, "-m", "validator", "scan", str(root), "--as-of", AS_OF, "--quiet",
            "--format", "json", "--output", os.devnull, "--fail-on", "never"]


def startup_seconds(runs: int = 7) -> float:
    """Median wall time of `iac-check --version`: the start-up cost every CI step pays."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "validator", "--version"], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def template_parse_seconds(resources: int = 2000) -> tuple[float, float]:
    """Parse time of one CloudFormation template with `resources` resources (YAML, C loader)."""
    from validator.cloudformation import TemplateOptions, parse_template

    body = "".join(
        f"  Fn{i}:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        f"      FunctionName: !Sub '${{AWS::StackName}}-fn{i}'\n      Role: !GetAtt Role.Arn\n"
        f"      Environment:\n        Variables:\n          MODEL_ID: !Ref ModelId\n          TABLE: !Ref Table{i}\n"
        for i in range(resources))
    text = ("AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  ModelId:\n    Type: String\n"
            "    Default: anthropic.claude-3-haiku-20240307-v1:0\nResources:\n" + body)
    start = time.perf_counter()
    parse_template(text, "big.yaml", TemplateOptions())
    return time.perf_counter() - start, len(text) / 1e6


def table(runs: list[Run], versus: str) -> str:
    base = runs[0]
    lines = [f"| tool | files | MB | wall s | files/s | peak MB | time vs {versus} |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        ratio = f"{r.seconds / base.seconds:.1f}x" if r is not base else "1.0x"
        lines.append(f"| {r.tool} | {r.files} | {r.megabytes:.1f} | {r.seconds:.2f} | {r.files_per_second:.0f} "
                     f"| {r.peak_mb:.0f} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark iac-check against checkov and cfn-lint.")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--tools", type=Path, default=HERE / ".tools", help="venv for checkov and cfn-lint")
    parser.add_argument("--skip-others", action="store_true", help="only iac-check (no checkov, no cfn-lint)")
    parser.add_argument("--scales", default="1,2,4", help="tree sizes for the growth check, as multiples")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="iac-check-bench-") as tmp:
        root = Path(tmp) / "x1"
        generate(root, args.files)
        files, megabytes = tree_size(root)
        runs = [measure("iac-check", iac_check(root), files, megabytes)]
        if not args.skip_others:
            bin_dir = tools_env(args.tools)
            checkov = [str(bin_dir / "checkov"), "-d", str(root), "--framework", "terraform", "cloudformation",
                       "--quiet", "--compact", "--skip-download"]
            runs.append(measure("checkov", checkov, files, megabytes))
            templates, template_mb = tree_size(root / "stacks", "*.yaml")
            cfn_lint = [str(bin_dir / "cfn-lint"), str(root / "stacks" / "**" / "*.yaml")]
            runs.append(measure("cfn-lint (templates only)", cfn_lint, templates, template_mb))
        print(f"Tree: {files} files, {megabytes:.1f} MB; {os.cpu_count()} cores; Python {sys.version.split()[0]}")
        print(f"iac-check --version: {startup_seconds() * 1000:.0f} ms (median of 7)")
        seconds, size = template_parse_seconds()
        print(f"One CloudFormation template with 2,000 resources ({size:.1f} MB YAML): parsed in {seconds:.2f} s")
        print(table(runs, "iac-check"))

        growth = []
        for scale in (int(s) for s in args.scales.split(",")):
            scaled = Path(tmp) / f"x{scale}"
            if not scaled.exists():
                generate(scaled, args.files * scale)
            n, mb = tree_size(scaled)
            growth.append(measure(f"iac-check {scale}x", iac_check(scaled), n, mb))
        print()
        print("Growth with the tree (iac-check):")
        print(table(growth, "1x"))


if __name__ == "__main__":
    main()
