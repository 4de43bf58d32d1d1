"""The HCL parser's LALR tables, shipped in the package as JSON data.

lark builds the tables from python-hcl2's grammar in about 3 s, once per process (and a
scan runs several). Its own cache is a pickle in a directory that something else may be
able to write, and unpickling runs whatever the file says. These tables are data: decoded
by `json`, keyed by the grammar's hash and both libraries' versions, and when the key does
not match the installed ones the parser is built in memory instead. Rebuild them with
`python -m validator.terraform.tables` after upgrading lark or python-hcl2.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import hcl2
from hcl2.postlexer import PostLexer
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

SHIPPED = Path(__file__).with_name("hcl-parser-tables.json.gz")
_GRAMMAR = Path(hcl2.__file__).with_name("hcl2.lark")
# Options that hold objects, not data: given again on load.
_OBJECT_OPTIONS = ("postlex", "cache")


def build(postlex: PostLexer | None = None) -> Lark:
    """The parser built from the grammar: seconds of work, no file read but the grammar."""
    return Lark.open(str(_GRAMMAR), parser="lalr", postlex=postlex or PostLexer(), propagate_positions=False)


def key() -> str:
    """What the tables depend on: the grammar text and the versions of lark and python-hcl2."""
    grammar = hashlib.sha256(_GRAMMAR.read_bytes()).hexdigest()
    return f"lark {version('lark')} python-hcl2 {version('python-hcl2')} grammar {grammar}"


def load(postlex: PostLexer | None = None, path: Path = SHIPPED) -> Lark | None:
    """The parser from shipped tables; None when they are missing, damaged or for other versions."""
    try:
        document = json.loads(gzip.decompress(path.read_bytes()), object_pairs_hook=_int_keys)
        if not isinstance(document, dict) or document.get("key") != key():
            return None
        return Lark._load_from_dict(document["data"], document["memo"], postlex=postlex or PostLexer())
    except Exception:  # a damaged file of any shape means "build it instead"
        return None


def encode(parser: Lark) -> bytes:
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in _OBJECT_OPTIONS}
    document = {"key": key(), "data": _str_keys(data), "memo": _str_keys(memo)}
    # mtime=0: the same tables give the same bytes.
    return gzip.compress(json.dumps(document, separators=(",", ":")).encode(), mtime=0)


def _str_keys(value: Any) -> Any:
    # lark numbers its states, tokens and memo entries: JSON object keys are text.
    if isinstance(value, dict):
        return {str(k) if isinstance(k, int) else k: _str_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_str_keys(v) for v in value]
    return value


def _int_keys(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    # No name in lark's tables is all digits, so a digit key was a number.
    return {int(k) if k.isdigit() else k: v for k, v in pairs}


if __name__ == "__main__":
    SHIPPED.write_bytes(encode(build()))
