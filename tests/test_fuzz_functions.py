"""The function fuzz target's share of CI: its seeds, and mutations of them, for a few seconds."""

from __future__ import annotations

from conftest import fuzz_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CHECK, SEEDS = fuzz_target("fuzz_functions")


def test_every_function_takes_ordinary_and_hostile_arguments():
    # range(1000000000), format("%999999999s", ...), nested-repetition regexes, YAML alias bombs
    for seed in SEEDS:
        CHECK(seed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.binary(max_size=64), st.integers(min_value=0, max_value=255))
def test_mutated_calls(seed, extra, position):
    cut = min(position, len(seed))
    CHECK(seed[:cut] + extra + seed[cut:])


def test_huge_padding_is_refused_before_it_is_built():
    from validator.terraform.evaluate import Evaluator
    from validator.terraform.parse import parse_hcl

    for call, reason in (('format("%999999999s", "x")', "width or precision"),
                         ('formatlist("%.999999999f", [1])', "width or precision"),
                         ('indent(999999999, "a\\nb")', "too long")):
        value = Evaluator(lambda ref: []).eval(parse_hcl(f"x = {call}\n", "main.tf").attributes[0].expr)
        assert [v.known for v in value] == [False] and reason in value[0].reason, call
