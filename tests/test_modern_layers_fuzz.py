"""Random chains of the newer layer types, with keys in and out of range: every stage (check,
summary, receptive fields, sizes, every drawing) answers, never raises, and never shows a
negative size or a shape where a refusal left none."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlint
from archlint import draw, sizes, summary
from archlint.receptive import receptive_fields

dims = st.integers(-5, 4)
small = st.integers(1, 6)
LAYERS = st.one_of(
    st.builds(lambda d: {"type": "permute", "dims": d}, st.lists(dims, min_size=1, max_size=5)),
    st.builds(lambda s: {"type": "reshape", "shape": s},
              st.lists(st.integers(-1, 40).filter(bool), min_size=1, max_size=4)),
    st.builds(lambda s: {"type": "expand", "shape": s},
              st.lists(st.integers(-1, 8).filter(bool), min_size=1, max_size=4)),
    st.builds(lambda d, a, b, s: {"type": "slice", "dim": d, "start": a, "end": b, "step": s},
              dims, st.none() | st.integers(-12, 12), st.none() | st.integers(-12, 12), small),
    st.builds(lambda p, m: {"type": "pad", "pad": p, "mode": m},
              st.lists(st.integers(-6, 6), min_size=1, max_size=3).map(lambda v: v + v),
              st.sampled_from(["constant", "reflect", "replicate", "circular"])),
    st.builds(lambda t, d, k: {"type": t, "dim": d, "keepdim": k},
              st.sampled_from(["mean", "sum", "amax", "amin", "vector_norm"]),
              dims | st.lists(dims, min_size=1, max_size=3), st.booleans()),
    st.builds(lambda n: {"type": "layernorm", "normalized_shape": n}, small | st.lists(small, min_size=1, max_size=2)),
    st.builds(lambda g, a: {"type": "groupnorm", "num_groups": g, "affine": a}, small, st.booleans()),
    st.builds(lambda t: {"type": t}, st.sampled_from(["instancenorm1d", "instancenorm2d", "instancenorm3d"])),
    st.builds(lambda d, n: {"type": "layer_scale", "dim": d, **({"num_features": n} if n else {})}, dims, st.none() | small),
    st.builds(lambda g: {"type": "channel_shuffle", "groups": g}, small),
    st.builds(lambda r: {"type": "pixel_shuffle", "upscale_factor": r}, st.integers(1, 3)),
    st.builds(lambda r: {"type": "pixel_unshuffle", "downscale_factor": r}, st.integers(1, 3)),
    st.builds(lambda t, v: {"type": t, "value": v}, st.sampled_from(["add", "mul", "sub", "div"]), st.floats(-3, 3)),
    st.builds(lambda d: {"type": "concat", "dim": d, "inputs": ["input"]}, dims),
    st.just({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2}),
    st.just({"type": "flatten"}),
)  # fmt: skip
INPUTS = st.sampled_from([
    {"channels": 4, "height": 6, "width": 8}, {"channels": 8, "length": 9},
    {"features": 12}, {"channels": 2, "depth": 3, "height": 4, "width": 4},
])  # fmt: skip


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(INPUTS, st.lists(LAYERS, min_size=1, max_size=4))
def test_random_chains_never_crash(input, layers):
    doc = archlint.from_dict({"input": input, "layers": layers})
    result = archlint.check(doc)
    if result.analysis is None:
        assert result.diagnostics  # a schema error, located and said
        return
    for r in result.analysis.layers.values():
        if r.output is not None:
            assert min(r.output, default=1) >= 1, (r.name, r.output)
        if any(f.severity == archlint.Severity.ERROR for f in (x.finding for x in r.refusals)):
            assert r.output is None or r.refusals[0].owner != "shape-error", r.name
    summary.as_json([result])
    receptive_fields(result.analysis)
    for fmt in ("svg", "mmd", "dot"):
        draw.render(result, fmt)
    for axis in sizes.spatial_axes(doc.spec):
        sizes.valid_sizes(doc.spec, axis, 1, 12)
