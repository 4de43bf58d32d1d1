"""Fuzz target for Terraform's built-in functions as the resolver evaluates them.

A pull request writes every argument: `range(1000000000)`, `format("%999999999s", "x")`,
a regex that backtracks forever, a `jsondecode` of a nested bomb. Through the evaluator's
public entry (`Evaluator.eval` on what the HCL parser makes of the text), no input may
raise, hang, or give a value past the evaluator's bounds; what a function cannot do is an
unknown value with a reason.

The first byte picks a function of the table, the rest is its argument list as HCL
(`"a", [1, 2], { k = "v" }`); seeds call each function with ordinary and with hostile
arguments. Long runs (atheris, libFuzzer options after the corpus directory):

    python fuzz/fuzz_functions.py /tmp/iac-check-functions -max_total_time=1800 -timeout=10 -rss_limit_mb=2048

CI runs `check` on mutated seeds through hypothesis, for a few seconds (tests/test_fuzz_functions.py).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The most nodes (list items, map entries) a value may hold, nested ones included.
MAX_NODES = 1_000_000
_ORDINARY = (
    '"anthropic.claude-v2"', '".", ["amazon", "titan-text-express-v1"]', '"%s.%s", "meta", "llama3-8b-instruct-v1:0"',
    '["a", "b", "a"]', '{ chat = "anthropic.claude-v2", embed = "cohere.embed-english-v3" }', "3", "0, 10, 2",
    '"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2"', '"a,b\\nc,d\\n"', '"{\\"k\\": [1, 2]}"',
    '"k: v\\n"', "[[1, 2], [3]]", "true", "null",
)
_HOSTILE = (
    "1000000000", "0, 1000000000", "-1000000000, 1000000000, 1", '"%999999999s", "x"', '"%[99999]s", "x"',
    '"(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"', '"aaaa", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"',
    '999999999, "x"', '"' + "[" * 64 + "]" * 64 + '"',
    '"a: &a [*a, *a]\\nb: &b [*a, *a, *a, *a]\\nc: [*b, *b, *b, *b]\\n"',
    "[" + ", ".join(["[1, 2, 3, 4, 5, 6, 7, 8, 9]"] * 8) + "]", '1e308, 1e308', '"\\ud800"', "-0.0", "[], []",
)


@functools.cache
def _names() -> tuple[str, ...]:
    from validator.terraform.evaluate import FUNCTIONS

    # The table the evaluator calls, whatever module defines it.
    return tuple(sorted(FUNCTIONS))


def _nothing(ref: Any) -> list[Any]:
    from validator.terraform.evaluate import unknown

    return [unknown(f"`{ref.text}` is not known in the fuzz target")]


def check(data: bytes) -> None:
    """Evaluate one call built from `data`; raises only on a bug."""
    from validator.terraform.evaluate import MAX_CANDIDATES, MAX_VALUE_CHARS, Evaluator
    from validator.terraform.parse import HclSyntaxError, parse_hcl

    if not data:
        return
    names = _names()
    name = names[data[0] % len(names)]
    arguments = data[1:].decode("utf-8", "replace")
    try:
        config = parse_hcl(f"x = {name}({arguments})\n", "fuzz.tf")
    except HclSyntaxError:
        return
    if not config.attributes:
        return
    values = Evaluator(_nothing).eval(config.attributes[0].expr)
    assert 1 <= len(values) <= MAX_CANDIDATES, (name, len(values))
    for val in values:
        if val.known:
            assert not isinstance(val.value, (str, list, dict)) or len(val.value) <= MAX_VALUE_CHARS, name
            assert _nodes(val.value) <= MAX_NODES, name
        else:
            assert val.reason, name


def _nodes(value: Any) -> int:
    count, stack = 0, [value]
    while stack and count <= MAX_NODES:
        current = stack.pop()
        count += 1
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return count


def seeds() -> Iterator[bytes]:
    """Each function of the table with each ordinary and hostile argument list."""
    for number, _name in enumerate(_names()):
        for arguments in (*_ORDINARY, *_HOSTILE):
            yield bytes([number % 256]) + arguments.encode()


def _write_seeds(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        for number, seed in enumerate(seeds()):
            (corpus / f"seed-{number:05d}").write_bytes(seed)


def main(argv: list[str]) -> None:
    import atheris  # only the long runs need it

    corpus = next((Path(a) for a in argv[1:] if not a.startswith("-")), None)
    if corpus is not None:
        _write_seeds(corpus)
    with atheris.instrument_imports(include=["validator"]):
        import validator.terraform.evaluate  # noqa: F401
    atheris.Setup(argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv)
