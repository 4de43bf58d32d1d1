"""Text that came from scanned files is made inert before it reaches a terminal or a bot."""

from __future__ import annotations

import re

# ANSI CSI sequences whole; then C0/C1 controls, line and paragraph separators, bidi
# marks, embeddings, overrides and isolates (Trojan Source), zero-width and other invisible
# format characters, Unicode tag characters (text a reader cannot see but a bot reads),
# and lone surrogates, which no output encoding accepts.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff"
    r"\U000e0000-\U000e007f]"
)


def clean(text: str | None) -> str:
    """Remove ANSI escapes, control and invisible format characters; tabs and newlines become spaces."""
    if not text:
        return ""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))


def inert(text: str) -> str:
    """Like `clean`, but tabs stay: a line of code shown as written (a line end becomes nothing)."""
    return clean_keeping_lines(text.replace("\r", "").replace("\n", " "))


def clean_keeping_lines(text: str | None) -> str:
    """Like `clean`, but a line break stays (for formats that escape it, where it is part of a name)."""
    if not text:
        return ""
    return _CONTROL.sub("", text)


def no_workflow_commands(text: str) -> str:
    """Text output where no line can be read as a GitHub Actions workflow command.

    The runner takes any line of a job's output that starts with `::`, after leading
    spaces, as a command (`::error`, `::add-mask`, `::stop-commands`): a file or model
    name from a pull request must not become one. Such a line gets a `./` in front.
    """
    return "\n".join("./" + line if line.lstrip().startswith("::") else line for line in text.split("\n"))
