"""The version line, read without loading the catalog or the command-line interface.

`iac-check --version` runs in CI logs and in pre-commit on every commit, so it must start
fast: the catalog's `updated` stamp is read from the file's text, not by loading it.
"""

from __future__ import annotations

import re

from . import __version__
from .policydata import bundled


def version_line() -> str:
    text = bundled("bedrock-lifecycle.yaml").read_text(encoding="utf-8")
    stamp = re.search(r"^updated:\s*['\"]?([0-9-]+)", text, re.M)
    return f"iac-check {__version__} (catalog updated {stamp.group(1) if stamp else 'unknown'})"
