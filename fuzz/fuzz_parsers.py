"""Fuzz target for the parsers' front end: any bytes in, and no exception nor hang out.

The first byte picks the kind of file (`FRONT_ENDS`), the rest is its content. Each input
is decoded as a scanned file is, parsed, resolved and searched for models, so a crash
anywhere between the bytes and the model references shows up here. Reading a file that
cannot be parsed must give a BDR000 problem with a line, never an exception.

Long runs (atheris, libFuzzer options after the corpus directory; seeds are the fixtures):

    python fuzz/fuzz_parsers.py /tmp/iac-check-corpus -max_total_time=1800 -timeout=10 -rss_limit_mb=2048 -max_len=8192

CI runs `check` on mutated seeds through hypothesis, for a few seconds (tests/test_properties.py).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
FRONT_ENDS = (
    "main.tf", "main.tf.json", "terraform.tfvars", "terraform.tfvars.json",
    "template.yaml", "template.json", "plan.json",
)
_SEED_SUFFIXES = (".tf", ".json", ".tfvars", ".yaml", ".yml", ".template")
AS_OF = date(2026, 6, 1)


def check(data: bytes) -> None:
    """Run one input through the front end its first byte picks; raises only on a bug."""
    from validator.discover import decode

    if not data:
        return
    name = FRONT_ENDS[data[0] % len(FRONT_ENDS)]
    text, problem = decode(data[1:], name)
    if text is None:
        assert problem is not None
        _check_problems([problem], data[1:].decode("utf-8", "replace"))
        return
    _check_models(text)
    if name.endswith((".tf", ".tf.json", ".tfvars", ".tfvars.json")):
        _check_terraform(text, name)
    elif name == "plan.json":
        _check_plan(text, name)
    else:
        _check_template(text, name)


def _check_terraform(text: str, name: str) -> None:
    from validator.suppress import inline_suppressions
    from validator.terraform.load import parse_text, syntax_of
    from validator.terraform.resolve import Loader, ModuleFiles, TerraformOptions, resolve_root, root_inputs
    from validator.terraform.syntax import ConfigFile

    inline_suppressions(text, name)
    config = parse_text(syntax_of(name), text)
    if not isinstance(config, ConfigFile):
        message, line, _ = config
        assert line >= 1 and "\n" not in message, (line, message)
        return
    if "tfvars" in name:
        root_inputs((config,), TerraformOptions())
        return
    loader = Loader(lambda _directory: None, lambda _root, _key: None)
    _check_resources(resolve_root(ModuleFiles(Path("fuzz"), (config,)), loader, TerraformOptions()))


def _check_template(text: str, name: str) -> None:
    from validator.cloudformation import TemplateOptions, parse_template

    parsed = parse_template(text, name, TemplateOptions(region="us-east-1"))
    if parsed is not None:
        _check_problems(parsed.problems, text)
        _check_resources(parsed.resources)


def _check_plan(text: str, name: str) -> None:
    from validator.terraform.plan import looks_like_plan, parse_plan

    looks_like_plan(text)
    parsed = parse_plan(text, name)
    if parsed is not None:
        _check_problems(parsed.problems, text)
        _check_resources(parsed.resources)


def _check_resources(resources: Iterable[object]) -> None:
    from validator.attributes import attribute_table
    from validator.extract import extract
    from validator.rules import Context, evaluate

    refs = extract(list(resources), attribute_table(), None)  # type: ignore[arg-type]
    for ref in refs:
        assert ref.span.line >= 1, ref
    for finding in evaluate(refs, Context(_catalog(), AS_OF)):
        # Every report writes these as UTF-8: text that cannot be encoded ends the scan.
        for text in (finding.message, finding.raw, finding.resource, finding.attribute, finding.span.file):
            (text or "").encode("utf-8")


@functools.cache
def _catalog() -> Catalog:
    from validator.catalog import load_catalog

    return load_catalog()


def _check_problems(problems: Iterable[object], text: str) -> None:
    # YAML also breaks lines at a lone CR, NEL and U+2028/9: count every kind of break.
    last = len(text.splitlines()) + 1
    for problem in problems:
        span, message = problem.span, problem.message  # type: ignore[attr-defined]
        assert 1 <= span.line <= max(last, 1), (span, message)
        assert message and "\n" not in message, message
        message.encode("utf-8")


def _check_models(text: str) -> None:
    from validator.modelid import could_mention_model, find_models, parse_model

    parse_model(text)
    if could_mention_model(text):
        for match in find_models(text):
            assert text[match.start:].startswith(match.ref.raw), match


def seeds() -> Iterator[bytes]:
    """Every fixture, prefixed with the byte of each front end its name fits."""
    for path in sorted((ROOT / "fixtures").rglob("*")):
        if path.is_file() and path.name.endswith(_SEED_SUFFIXES):
            data = path.read_bytes()
            for number, name in enumerate(FRONT_ENDS):
                if path.suffix == Path(name).suffix:
                    yield bytes([number]) + data


def _write_seeds(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        for number, seed in enumerate(seeds()):
            (corpus / f"seed-{number:04d}").write_bytes(seed)


def main(argv: list[str]) -> None:
    import atheris  # only the long runs need it

    corpus = next((Path(a) for a in argv[1:] if not a.startswith("-")), None)
    if corpus is not None:
        _write_seeds(corpus)
    with atheris.instrument_imports(include=["validator", "hcl2", "lark", "yaml"]):
        import validator.cloudformation
        import validator.extract
        import validator.terraform.load
        import validator.terraform.plan  # noqa: F401
    atheris.Setup(argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv)
