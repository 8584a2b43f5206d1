"""Logic the pack builder shares with the TypeScript scanner, against the fixture both
suites read (test/fixtures/pipeline-parity.json)."""

import json

import pytest

from pack_builder.common import ROOT
from pack_builder.data import RENDER, render, scored_spans
from pack_builder.score import plan_windows, prompt_ends
from pack_builder.stages.calibrate import aggregate, example_score, named_by

FIXTURE = json.loads((ROOT / "test/fixtures/pipeline-parity.json").read_text())


def test_the_fixture_renders_with_the_pack_builders_template():
    cfg = dict(FIXTURE["render"]["config"])
    cfg.pop("maxTokens")
    assert cfg == RENDER


@pytest.mark.parametrize("case", FIXTURE["render"]["cases"])
def test_render_and_scored_spans(case):
    assert render(case["messages"]) == case["text"]
    assert [list(s) for s in scored_spans(case["messages"])] == case["scoredSpans"]


@pytest.mark.parametrize("case", FIXTURE["windows"])
def test_windows(case):
    assert [list(w) for w in plan_windows(case["n"], case["max"])] == case["windows"]


@pytest.mark.parametrize("case", FIXTURE["aggregate"])
def test_aggregate(case):
    assert aggregate(case["values"], case["aggregation"]) == pytest.approx(case["score"])


@pytest.mark.parametrize("case", FIXTURE["promptEnds"])
def test_prompt_ends(case):
    assert prompt_ends(case["scored"]) == case["promptEnds"]


@pytest.mark.parametrize("case", FIXTURE["exampleScore"])
def test_example_score(case):
    assert example_score(case["values"], case["aggregation"], case["promptEnd"]) == pytest.approx(case["score"])


@pytest.mark.parametrize("case", FIXTURE["namedBy"])
def test_named_by(case):
    assert named_by(case["parts"], case["thresholds"]) == case["named"]
