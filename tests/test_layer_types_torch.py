"""The new layer types against PyTorch: shapes, parameters and refusals, case by case.

Every expected value in data/torch_layer_cases.json was produced by running PyTorch (the
expression in each case's "torch" field, on a batch of 2 and of 3); none was written by hand.
"""

import json
from pathlib import Path

import pytest

import archlint
from archlint import Severity

DATA = json.loads((Path(__file__).parent / "data" / "torch_layer_cases.json").read_text("utf-8"))
CASES = DATA["cases"]

# Where archlint deliberately says more than PyTorch, the documented reason and the code it gives.
STRICTER = {
    # PyTorch returns an empty axis; every layer after it then fails or gives NaN
    "slice_empty_start_after_end": "AL002",
    "pad_constant_crop_to_zero": "AL002",
    "pad_reflect_2d_crop_to_zero": "AL002",
    "pad_circular_1d_crop_to_zero": "AL002",
    # reductions need `dim`: PyTorch's default reduces the batch too
    "mean_default_every_axis": "AL902",
    "sum_vector_every_axis": "AL902",
}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_agrees_with_torch(case):
    doc = archlint.from_dict({"input": case["input"], "layers": case["layers"]})
    result = archlint.check(doc)
    names = [layer["name"] for layer in case["layers"]]
    errors = [d for d in result.diagnostics if d.severity == Severity.ERROR]
    expect = case["expect"]
    if case["id"] in STRICTER:
        assert [d.code for d in errors] == [STRICTER[case["id"]]], result.diagnostics
    elif expect.get("refused"):
        assert any(d.layer in names for d in errors), (
            f"PyTorch refuses ({expect['torch_error']}); archlint reports no error on "
            f"{names}: {[f'{d.code} {d.layer}: {d.message}' for d in result.diagnostics]}"
        )
    else:
        assert not errors, [f"{d.code} {d.layer}: {d.message}" for d in errors]
        layers = result.analysis.layers
        assert layers[names[-1]].output == tuple(expect["output"])
        assert sum(layers[n].params or 0 for n in names) == expect["params"]
