"""Read Terraform module directories for the resolver: parse each file once, keep problems.

The resolver asks for directories as it follows `module` blocks, including ones outside the
scanned paths (`../modules/agent`) and modules that `terraform init` downloaded; this is
the one place that touches the disk for it, and every read passes the scan's `Gate`: a
directory or file outside the project root is not read, and the resolver is told why.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

from .. import __version__
from ..confine import Gate
from ..deadline import PARSE_SECONDS
from ..discover import classify, read_text
from ..model import Mark, Problem, ScannedText, Span
from ..workers import Workers
from .override import is_override
from .parse import HclSyntaxError, check_depth, parse_hcl, time_limits
from .regions import config_regions, override_regions
from .resolve import ModuleFiles
from .syntax import SHAPE, ConfigFile, Lit, from_data, to_data
from .tfjson import parse_tf_json, parse_tfvars_json

AUTO_TFVARS = ("terraform.tfvars", "terraform.tfvars.json")
CACHE_VERSION = f"{__version__} syntax {SHAPE} python-hcl2 {version('python-hcl2')} lark {version('lark')}"
MAX_MANIFEST = 10 * 1024 * 1024


def module_file_names(directory: Path) -> list[str]:
    """Regular files of a module directory; a symlink out of it is not followed (it could
    make the scan read, and quote, any file of the machine)."""
    try:
        inside = directory.resolve()
        return sorted(p.name for p in directory.iterdir()
                      if p.is_file() and (not p.is_symlink() or p.resolve().is_relative_to(inside)))
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return []


def module_files(directory: Path) -> list[Path]:
    """The files Terraform itself reads in a module directory."""
    return [directory / n for n in module_file_names(directory) if is_config(n) or is_auto_tfvars(n)]


def is_config(name: str) -> bool:
    return classify(name) in ("terraform", "tfjson")


def is_auto_tfvars(name: str) -> bool:
    """Terraform reads these by itself; other tfvars files count only with `--var-file`."""
    return name in AUTO_TFVARS or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def _tfvars_order(name: str) -> tuple[int, str]:
    # terraform.tfvars, then terraform.tfvars.json, then *.auto.tfvars in lexical order;
    # later files win.
    return (AUTO_TFVARS.index(name), name) if name in AUTO_TFVARS else (2, name)


def syntax_of(name: str) -> str:
    """Which parser reads a file, by its name: HCL, Terraform JSON syntax, or tfvars JSON."""
    if name.endswith(".tfvars.json"):
        return "tfvars.json"
    return "tf.json" if name.endswith(".tf.json") else "hcl"


Failure = tuple[str, int, int | None]
"""Why a text did not parse: message, line, column."""


def parse_text(syntax: str, text: str, cache_dir: str | None = None,
               limits: tuple[float, float] = (PARSE_SECONDS, math.inf)) -> ConfigFile | Failure:
    """Parse one file's text; the configuration's path is left empty for the caller to name.

    The result depends on the text and the syntax alone, so identical files (the same
    versions.tf in a hundred root modules) are parsed once. A top-level function so that a
    process pool can run it. `limits`: seconds for this file, and the scan's deadline.
    """
    cached = _cache_file(cache_dir, syntax, text) if cache_dir else None
    if cached is not None and cached.is_file():
        try:
            config = from_data(json.loads(cached.read_bytes()))
            if isinstance(config, ConfigFile) and config.path == "" and well_formed(config):
                check_depth(config)
                return config
        except (OSError, ValueError, TypeError, KeyError, RecursionError, HclSyntaxError):
            pass  # a damaged or foreign entry is parsed again and overwritten
    try:
        with time_limits(*limits):
            config = _PARSERS[syntax](text, "")
    except HclSyntaxError as exc:
        kind = "HCL" if syntax == "hcl" else "JSON"
        return (str(exc) if exc.refused else f"{kind} syntax error: {exc}"), exc.line, exc.column
    if cached is not None:
        _store(cached, json.dumps(to_data(config), separators=(",", ":")).encode())
    return config


# Fields of the syntax objects by kind of value, for entries read back from the cache.
_POSITIONS = ("line", "end_line", "body_line")
_NAMES = ("name", "type", "path", "text")
_SCALARS = (str, int, float, bool, type(None))


def well_formed(config: ConfigFile) -> bool:
    """Whether a cache entry holds what the parser makes: positions are line numbers,
    names are text, literals are scalars. Anything else is not trusted, and parsed again."""
    stack: list[object] = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(node)
            continue
        if isinstance(node, Mark):
            if not _well_formed_mark(node):
                return False
            continue
        for name in getattr(type(node), "__slots__", ()):
            value = getattr(node, name)
            if name in _POSITIONS and (type(value) is not int or value < 0):
                return False
            if name == "column" and value is not None and type(value) is not int:
                return False
            if name in _NAMES and type(value) is not str:
                return False
            if isinstance(node, Lit) and name == "value" and not isinstance(value, _SCALARS):
                return False
            stack.append(value)
    return True


def _well_formed_mark(mark: Mark) -> bool:
    """An offset, a line (None: not written where it is used), a column, two flags."""
    counts = (mark.offset, *((mark.line,) if mark.line is not None else ()))
    return all(type(n) is int and n >= 0 for n in counts) \
        and (mark.column is None or type(mark.column) is int) \
        and type(mark.flows) is bool and type(mark.placed) is bool


_PARSERS: dict[str, Callable[[str, str], ConfigFile]] = {
    "hcl": parse_hcl, "tf.json": parse_tf_json, "tfvars.json": parse_tfvars_json}


def _cache_file(cache_dir: str, syntax: str, text: str) -> Path:
    """Keyed by content, syntax and both parsers' versions: any change is a new entry.

    Entries are JSON data, never code; still, whoever can write the cache can change what
    the scan sees, so it is set only on the command line and never inside the scanned tree.
    """
    key = hashlib.blake2b(f"{CACHE_VERSION}\0{syntax}\0{text}".encode(), digest_size=16).hexdigest()
    return Path(cache_dir) / key[:2] / f"{key}.json"


def _store(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(target)
    except OSError:
        pass  # a cache that cannot be written only costs speed


class ModuleLoader:
    """Parses module directories on demand, once each; collects problems and file texts."""

    def __init__(self, display: Callable[[Path], str], limit: int, gate: Gate, cache_dir: str | None = None,
                 limits: tuple[float, float] = (PARSE_SECONDS, math.inf)) -> None:
        self._display, self._limit, self._gate, self._cache_dir = display, limit, gate, cache_dir
        self._limits = limits
        self._modules: dict[Path, ModuleFiles | None] = {}
        self._refused: dict[Path, str | None] = {}
        self._installed: dict[Path, dict[str, Path]] = {}
        self._read_ahead: dict[Path, tuple[str | None, Problem | None]] = {}
        self._results: dict[tuple[str, str], ConfigFile | Failure] = {}
        self._pending: Iterator[tuple[tuple[str, str], ConfigFile | Failure]] = iter(())
        self._files: dict[Path, str | None] = {}
        self.problems: list[Problem] = []
        self.texts: dict[str, str] = {}
        self.scanned: list[ScannedText] = []

    def name(self, path: Path) -> str:
        """How reports name a file or directory."""
        return self._display(path)

    def preload(self, paths: Sequence[Path], workers: Workers) -> None:
        """Read many files and start parsing each distinct text; results are taken as they
        come, in this order, so resolving the first root overlaps parsing the last."""
        self._drain()
        paths = [p for p in paths if self._directory_refusal(p.parent) is None]
        for path in paths:
            if path not in self._read_ahead:
                self._read_ahead[path] = read_text(path, self._display(path), self._limit)
        texts = [(syntax_of(p.name), self._read_ahead[p][0]) for p in paths]
        keys = [(syntax, text) for syntax, text in dict.fromkeys(texts)
                if text is not None and (syntax, text) not in self._results]
        results = workers.map(parse_text, [k[0] for k in keys], [k[1] for k in keys], [self._cache_dir] * len(keys),
                              [self._limits] * len(keys))
        self._pending = zip(keys, results, strict=True)

    def _result(self, key: tuple[str, str]) -> ConfigFile | Failure:
        while key not in self._results and self._take():
            pass
        if key not in self._results:
            self._results[key] = parse_text(*key, self._cache_dir, self._limits)
        return self._results[key]

    def _take(self) -> bool:
        """Store the next result from the pool; False once there are no more."""
        item = next(self._pending, None)
        if item is not None:
            self._results[item[0]] = item[1]
        return item is not None

    def _drain(self) -> None:
        while self._take():
            pass

    def load(self, directory: Path) -> ModuleFiles | None:
        key = Path(os.path.normpath(directory))
        if key not in self._modules:
            self._modules[key] = None if self._directory_refusal(key) else self._read(key)
        return self._modules[key]

    def _directory_refusal(self, directory: Path) -> str | None:
        # Checked once per directory: its files are listed without symlinks out of it
        # (module_file_names), so they need no check of their own.
        if directory not in self._refused:
            self._refused[directory] = self._gate.refusal(directory)
        return self._refused[directory]

    def refusal(self, path: Path) -> str | None:
        """Why a module directory or a file() path is not read, when the gate refuses it."""
        refused = self._gate.refusal(path)
        return f"{self._display(Path(os.path.normpath(path)))} is {refused}: not read" if refused else None

    def _read(self, directory: Path) -> ModuleFiles | None:
        names = module_file_names(directory)
        configs = [c for n in names if is_config(n) and (c := self._parse(directory / n))]
        tfvars = [c for n in sorted(filter(is_auto_tfvars, names), key=_tfvars_order)
                  if (c := self._parse(directory / n))]
        if any(is_override(c.path) for c in configs):
            replaced = override_regions(configs)
            self.scanned = [replace(t, regions=(*t.regions, *replaced.get(t.file, ()))) for t in self.scanned]
        return ModuleFiles(directory, tuple(configs), tuple(tfvars)) if configs else None

    def _parse(self, path: Path) -> ConfigFile | None:
        display = self._display(path)
        text, problem = self._read_ahead.pop(path, None) or read_text(path, display, self._limit)
        if text is None:
            self.problems.extend(filter(None, [problem]))
            return None
        parsed = self._result((syntax_of(path.name), text))
        if not isinstance(parsed, ConfigFile):
            message, line, column = parsed
            self.problems.append(Problem(Span(display, line, column), message))
            return None
        self.texts[display] = text
        syntax = "hcl" if syntax_of(path.name) == "hcl" else "json"
        tfvars = path.name.endswith((".tfvars", ".tfvars.json"))
        self.scanned.append(ScannedText(display, text, syntax, config_regions(parsed, tfvars)))
        return replace(parsed, path=display)

    def read(self, path: Path) -> str | None:
        """A file a configuration reads with file() or templatefile(), when the gate allows it.

        A path outside the project root (`/etc/...`, `../../..`) is not read: the scan must
        not disclose files of the machine it runs on (`refusal` says why).
        """
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop
            return None
        if real not in self._files:
            display = self._display(path)
            self._files[real] = self._gate.read_text(real, display, self._limit)[0]
            if self._files[real] is not None:
                self.scanned.append(ScannedText(display, self._files[real], "read"))
        return self._files[real]

    def installed(self, root: Path, key: str) -> Path | None:
        """A module `terraform init` downloaded, from `.terraform/modules/modules.json`."""
        if root not in self._installed:
            self._installed[root] = read_manifest(root, self._gate)
        return self._installed[root].get(key)


def read_manifest(root: Path, gate: Gate) -> dict[str, Path]:
    """Downloaded modules by key (`chat`, `chat.inner`), from `.terraform/modules/modules.json`.

    Its directories are checked by the gate when they are loaded, like any module source.
    """
    path = root / ".terraform" / "modules" / "modules.json"
    if not os.path.lexists(path):  # most roots: one lstat, not the gate's path walk
        return {}
    text, _ = gate.read_text(path, str(path), MAX_MANIFEST)
    try:
        data = json.loads(text or "{}")
        return {m["Key"]: root / m["Dir"] for m in data.get("Modules", []) if m.get("Key") and m.get("Dir")}
    except (ValueError, TypeError, AttributeError, KeyError):
        return {}
