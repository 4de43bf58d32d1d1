"""Read Terraform module directories for the resolver: parse each file once, keep problems.

The resolver asks for directories as it follows `module` blocks, including ones outside the
scanned paths (`../modules/agent`) and modules that `terraform init` downloaded; this is
the one place that touches the disk for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ..discover import read_text
from ..model import Problem, Span
from .parse import HclSyntaxError, parse_hcl
from .resolve import ModuleFiles
from .syntax import ConfigFile
from .tfjson import parse_tf_json, parse_tfvars_json

AUTO_TFVARS = ("terraform.tfvars", "terraform.tfvars.json")


def is_config(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def is_auto_tfvars(name: str) -> bool:
    """Terraform reads these by itself; other tfvars files count only with `--var-file`."""
    return name in AUTO_TFVARS or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def _tfvars_order(name: str) -> tuple[int, str]:
    # terraform.tfvars, then terraform.tfvars.json, then *.auto.tfvars in lexical order;
    # later files win.
    return (AUTO_TFVARS.index(name), name) if name in AUTO_TFVARS else (2, name)


def parse_file(text: str, display: str) -> ConfigFile:
    """Parse by file name: HCL, Terraform JSON syntax, or tfvars JSON."""
    if display.endswith(".tfvars.json"):
        return parse_tfvars_json(text, display)
    if display.endswith(".tf.json"):
        return parse_tf_json(text, display)
    return parse_hcl(text, display)


class ModuleLoader:
    """Parses module directories on demand, once each; collects problems and file texts."""

    def __init__(self, display: Callable[[Path], str], limit: int) -> None:
        self._display, self._limit = display, limit
        self._modules: dict[Path, ModuleFiles | None] = {}
        self._installed: dict[Path, dict[str, Path]] = {}
        self.problems: list[Problem] = []
        self.texts: dict[str, str] = {}

    def load(self, directory: Path) -> ModuleFiles | None:
        key = Path(os.path.normpath(directory))
        if key not in self._modules:
            self._modules[key] = self._read(key)
        return self._modules[key]

    def _read(self, directory: Path) -> ModuleFiles | None:
        try:
            names = sorted(p.name for p in directory.iterdir() if p.is_file())
        except OSError:
            return None
        configs = [c for n in names if is_config(n) and (c := self._parse(directory / n))]
        tfvars = [c for n in sorted(filter(is_auto_tfvars, names), key=_tfvars_order)
                  if (c := self._parse(directory / n))]
        return ModuleFiles(directory, tuple(configs), tuple(tfvars)) if configs else None

    def _parse(self, path: Path) -> ConfigFile | None:
        display = self._display(path)
        text, problem = read_text(path, display, self._limit)
        if text is None:
            self.problems.append(problem)  # type: ignore[arg-type]
            return None
        try:
            config = parse_file(text, display)
        except HclSyntaxError as exc:
            kind = "JSON" if display.endswith(".json") else "HCL"
            self.problems.append(Problem(Span(display, exc.line, exc.column), f"{kind} syntax error: {exc}"))
            return None
        self.texts[display] = text
        return config

    def read(self, path: Path) -> str | None:
        """A file a configuration reads with file() or templatefile()."""
        text, _ = read_text(path, self._display(path), self._limit)
        return text

    def installed(self, root: Path, key: str) -> Path | None:
        """A module `terraform init` downloaded, from `.terraform/modules/modules.json`."""
        if root not in self._installed:
            self._installed[root] = _read_manifest(root)
        return self._installed[root].get(key)


def _read_manifest(root: Path) -> dict[str, Path]:
    try:
        data = json.loads((root / ".terraform" / "modules" / "modules.json").read_text(encoding="utf-8"))
        return {m["Key"]: root / m["Dir"] for m in data.get("Modules", []) if m.get("Key") and m.get("Dir")}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def called_directories(module: ModuleFiles) -> list[Path]:
    """Local directories a module calls (`source = "./..."`): they are not roots."""
    out = []
    for config in module.files:
        for block in config.blocks:
            source = block.attribute("source") if block.type == "module" else None
            value = getattr(source.expr, "value", None) if source else None
            if isinstance(value, str) and value.startswith(("./", "../")):
                out.append(Path(os.path.normpath(module.directory / value)))
    return out
