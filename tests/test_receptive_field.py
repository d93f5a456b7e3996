"""Receptive fields (archlint.receptive) against an independent, index-by-index computation.

The oracle below knows nothing of fields, jumps or recurrences. For one spatial axis it walks
the layers in order and, for every output position of every layer, builds the SET of network
input pixels that can influence it (a Python int used as a bitmask: bit i is input pixel i),
by explicit loops over each layer's taps exactly as PyTorch runs the layer: a convolution or
pooling window over its taps with padding, a transposed convolution by scattering every input
through every tap, an upsampling through PyTorch's source-index arithmetic and interpolation
weights (a tap counts when its weight is non-zero), adaptive pooling through PyTorch's integer
window formulas, merges by the union of their branches at each position. A padding position
contributes nothing; an output position is CLEAN when nothing it depends on, at any depth,
reached into padding or a clamped border index: its set is then exactly the unclipped field
that archlint.receptive reports (whose convention is that borders do not clip).

What is compared, for each layer with a map and each axis (`check_axis`):

1. if every position is clean: `size` == the largest set extent (max − min + 1) over all
   positions (archlint's size is the maximum over the map's positions);
2. if position 0 is clean: `start` == the centre, (min + max)/2, of position 0's set;
3. on the longest run of consecutive clean positions (12 or more), the smallest period P
   (P ≤ run/3) with min(o + P) − min(o) == max(o + P) − max(o) == Q for every o in the run
   (empty sets only opposite empty sets); when there is one: `size` == the largest extent on
   the run, `jump` == Q/P, and `start` == centre(o) − o·jump for the first o ≡ 0 (mod P) in
   the run with a non-empty set. Otherwise (no period visible on the run): `size` >= the
   largest extent on the run. (The merges whose jump is a convention, a broadcast gate and
   branches of different jumps, skip the jump here and are checked by hand.) A run shorter
   than three times the period the reported jump implies (its denominator: fields P apart
   are a whole number of pixels apart) shows no period either: it cannot show the fields'
   period, and what repeats on it is a coincidence of its shortness (7 adaptive windows over
   239 pixels, upsampled ×2: on the 14 positions the fields advance by 34 every 2, while the
   jump is 239/14, whose period, 14 positions, is the whole map).

Every random network must give check 3 on its last layer (`assume`: about one generated
network in ten, whose last map is too small or too padded to show a period, is discarded), so
`jump` and `start` are compared on every example, not only `size`. The random layers are
chosen with short periods (scale factors 2, 3, 1.5, 2.5, 0.5; adaptive sizes n, 2n, n/2,
2n/3, 3n/4, or tiny), so that a run of clean positions is much longer than a period.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from fractions import Fraction
from math import floor

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import archlint
from archlint import receptive
from archlint.receptive import Field, receptive_fields
from archlint.windows import Axis, TransposedAxis
from conftest import SAMPLES

NETWORKS = SAMPLES / "networks"
PASSTHROUGH = {
    "relu", "relu6", "batchnorm1d", "batchnorm2d", "dropout", "sigmoid", "channel_shuffle",
    "layer_scale",
}  # fmt: skip
WHOLE_MAP = {"groupnorm", "instancenorm1d", "instancenorm2d"}  # statistics over every position


def analyse(data: dict) -> archlint.Analysis:
    doc = archlint.from_dict(data)
    assert doc.spec is not None, doc.problems
    analysis, problems = archlint.analyze(doc.spec)
    assert not problems, problems
    return analysis


def sample(name: str, size: int | None = None, edit=None) -> archlint.Analysis:
    """A network of samples/networks, optionally on a larger square input or edited."""
    with open(NETWORKS / f"{name}.toml", "rb") as fh:
        data = tomllib.load(fh)
    if size is not None:
        data["input"]["height"] = data["input"]["width"] = size
    if edit is not None:
        edit(data)
    return analyse(data)


# --- the oracle: sets of input pixels, index by index ------------------------------------------


def cubic_weights(t: Fraction) -> list[Fraction]:
    """PyTorch's bicubic coefficients (A = −0.75) for taps i−1, i, i+1, i+2."""
    a = Fraction(-3, 4)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def upsample_taps(layer, n: int, m: int, factor, o: int) -> list[int]:
    """The input positions PyTorch's upsampling reads with a non-zero weight for output o
    (unclamped: a position outside 0..n-1 is one PyTorch clamps, a border effect)."""
    given_scale = 1 / Fraction(str(factor)) if factor is not None else Fraction(n, m)
    if layer.mode == "nearest":
        if m == n:
            return [o]
        if m == 2 * n:
            return [o >> 1]
        return [floor(o * given_scale)]
    if layer.mode == "nearest-exact":
        return [floor((o + Fraction(1, 2)) * given_scale)]
    if layer.align_corners:
        x = o * (Fraction(n - 1, m - 1) if m > 1 else Fraction(0))
    else:
        x = (o + Fraction(1, 2)) * given_scale - Fraction(1, 2)
        if layer.mode != "bicubic" and x < 0:
            return [-1]  # PyTorch clamps the coordinate to 0 here: a border effect
    i = floor(x)
    t = x - i
    if layer.mode == "bicubic":
        taps = zip(range(i - 1, i + 3), cubic_weights(t))
    else:
        taps = [(i, 1 - t), (i + 1, t)]
    return [j for j, w in taps if w != 0]


def oracle(analysis: archlint.Analysis, axis: int) -> dict[str, tuple[list[int], list[bool]]]:
    """For each layer with a map: per output position, the set (bitmask) of input pixels that
    influence it along `axis`, and whether it is clean (no padding or border involved)."""
    n0 = analysis.input_shape[1 + axis]
    maps = {"input": ([1 << i for i in range(n0)], [True] * n0)}
    for name, r in analysis.layers.items():
        sources = list(analysis.graph.predecessors(name))
        if r.output is None or len(r.output) < 2 or r.type in ("flatten", "linear"):
            continue
        if any(s not in maps for s in sources):
            continue
        n = r.output[1 + axis]
        masks, clean = [0] * n, [True] * n
        ins = [maps[s] for s in sources]
        src_masks, src_clean = ins[0]
        n_in = len(src_masks)

        def gather(o, i, src_masks=src_masks, src_clean=src_clean, masks=masks, clean=clean):
            if 0 <= i < len(src_masks):
                masks[o] |= src_masks[i]
                clean[o] = clean[o] and src_clean[i]
            else:
                clean[o] = False  # padding, or an index PyTorch clamps

        if r.type in ("add", "mul", "concat"):
            for sm, sc in ins:
                for o in range(n):
                    i = o if len(sm) == n else 0  # a size-1 branch is broadcast
                    masks[o] |= sm[i]
                    clean[o] = clean[o] and sc[i]
        elif r.axes and isinstance(r.axes[axis], Axis):
            w = r.axes[axis]
            for o in range(n):
                for t in range(w.kernel):
                    gather(o, o * w.stride - w.pad_begin + t * w.dilation)
        elif r.axes and isinstance(r.axes[axis], TransposedAxis):
            w = r.axes[axis]
            # scatter every input position, real or beyond the borders, through every tap
            reach = w.dilation * (w.kernel - 1) + w.padding + w.stride
            for i in range(-reach, n_in + reach):
                for t in range(w.kernel):
                    o = i * w.stride - w.padding + t * w.dilation
                    if 0 <= o < n:
                        gather(o, i)
        elif r.type == "upsample":
            factor = r.layer.scale_factor
            if isinstance(factor, list):
                factor = factor[axis]
            for o in range(n):
                for i in upsample_taps(r.layer, n_in, n, factor, o):
                    gather(o, i)
        elif r.type.startswith("adaptive_"):
            for o in range(n):
                for i in range(o * n_in // n, ((o + 1) * n_in + n - 1) // n):
                    gather(o, i)
        elif r.type.startswith("global_"):
            for i in range(n_in):
                gather(0, i)
        elif r.type in ("softmax", "log_softmax"):
            rank = len(r.output)
            if r.layer.dim % rank == 1 + axis:  # along this axis: every position reads it all
                for o in range(n):
                    for i in range(n_in):
                        gather(o, i)
            else:
                masks[:], clean[:] = src_masks, src_clean
        elif r.type == "pad":
            pad = r.layer.pad
            k = len(r.output) - 2 - axis  # F.pad lists the last axis first
            begin = pad[2 * k] if 2 * k < len(pad) else 0
            for o in range(n):
                gather(o, o - begin)  # a negative begin crops
        elif r.type == "slice" and r.layer.dim % len(r.output) == 1 + axis:
            start = range(n_in)[slice(r.layer.start, r.layer.end, r.layer.step)][0]
            for o in range(n):
                gather(o, start + o * r.layer.step)
        elif r.type == "pixel_shuffle":
            for o in range(n):
                gather(o, o // r.layer.upscale_factor)
        elif r.type == "pixel_unshuffle":
            f = r.layer.downscale_factor
            for o in range(n):
                for t in range(f):
                    gather(o, o * f + t)
        elif r.type in WHOLE_MAP:
            for o in range(n):
                for i in range(n_in):
                    gather(o, i)
        elif r.type in ("mean", "amax") and 1 + axis in [d % len(r.output) for d in r.layer.dim]:
            for i in range(n_in):  # keepdim: one position, as global pooling
                gather(0, i)
        elif r.type in PASSTHROUGH or r.type in ("slice", "mean", "amax"):
            masks[:], clean[:] = src_masks, src_clean
        else:
            raise AssertionError(f"the oracle does not know {r.type}")
        maps[name] = (masks, clean)
    del maps["input"]
    return maps


# --- the comparison ----------------------------------------------------------------------------


def ends(mask: int) -> tuple[int, int] | None:
    return ((mask & -mask).bit_length() - 1, mask.bit_length() - 1) if mask else None


def extent(mask: int) -> int:
    e = ends(mask)
    return 0 if e is None else e[1] - e[0] + 1


def centre(mask: int) -> Fraction:
    lo, hi = ends(mask)
    return Fraction(lo + hi, 2)


def longest_clean_run(clean: list[bool]) -> range:
    best, start = range(0), None
    for o, c in enumerate([*clean, False]):
        if c and start is None:
            start = o
        elif not c and start is not None:
            if o - start > len(best):
                best = range(start, o)
            start = None
    return best


def period(masks: list[int], run: range) -> tuple[int, int] | None:
    """The smallest P (with its shift Q) that the sets on the run repeat with, P <= run/3.

    A run shorter than 12 shows no period: too short to tell a period from a coincidence."""
    e = [ends(masks[o]) for o in run]
    for p in range(1, len(run) // 3 + 1 if len(run) >= 12 else 1):
        shift, ok = None, True
        for j in range(len(run) - p):
            a, b = e[j], e[j + p]
            if (a is None) != (b is None):
                ok = False
                break
            if a is None:
                continue
            q = b[0] - a[0]
            if q != b[1] - a[1] or (shift is not None and q != shift):
                ok = False
                break
            shift = q
        if ok and shift is not None:
            return p, shift
    return None


def check_axis(
    field: Field, masks: list[int], clean: list[bool], where: str, jump: bool = True
) -> bool:
    """Compare one Field with the oracle's sets (see the module docstring); True when the
    jump and start could be compared through a visible period. jump=False leaves the jump out
    (and start through the period), for merges whose jump is a convention."""
    if all(clean):
        assert field.size == max(map(extent, masks)), where
    if clean[0] and masks[0]:
        assert field.start == centre(masks[0]), where
    run = longest_clean_run(clean)
    found = period(masks, run) if run else None
    if jump and len(run) < 3 * field.jump.denominator:
        found = None  # too short to show the period the jump implies (module docstring)
    if found is None:
        if run:
            assert field.size >= max(extent(masks[o]) for o in run), where
        return False
    p, q = found
    assert field.size == max(extent(masks[o]) for o in run), where
    if not jump:
        return False
    assert field.jump == Fraction(q, p), where
    zero = next((o for o in run if o % p == 0 and masks[o]), None)
    if zero is not None:
        assert field.start == centre(masks[zero]) - zero * field.jump, where
    return True


def check_network(analysis: archlint.Analysis, axes=None, jump: bool = True) -> dict[str, bool]:
    """Every layer and axis against the oracle; which layers had a visible period."""
    fields = receptive_fields(analysis)
    full: dict[str, bool] = {}
    for axis in axes if axes is not None else range(len(analysis.input_shape) - 1):
        truth = oracle(analysis, axis)
        # A layer none of whose outputs any input pixel reaches may have no field: a transposed
        # convolution whose taps miss every input has none; a window that reads only padding
        # around a 1-wide map has the field of the map extended past its border (borders do
        # not clip), which the oracle, reading real pixels only, cannot see.
        blind = {name for name, (masks, _) in truth.items() if not any(masks)}
        assert set(fields) | blind == set(truth)
        for name, (masks, clean) in truth.items():
            if name in blind:
                continue
            assert len(fields[name]) == len(analysis.input_shape) - 1
            where = f"{name} axis {axis}"
            full[name] = check_axis(fields[name][axis], masks, clean, where, jump)
    return full


# --- random networks ---------------------------------------------------------------------------


def pick(draw, ndim, strategy):
    """One value per axis: an int for 1-d layers, a list for 2-d ones."""
    values = [draw(strategy) for _ in range(ndim)]
    return values[0] if ndim == 1 else values


def conv_out(n, k, s, d, pb, pe):
    return (n + pb + pe - d * (k - 1) - 1) // s + 1


def pool_out(n, k, s, d, p, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    return out - 1 if (out - 1) * s >= n + p else out


class Builder:
    """Draws a random stack of layers, tracking the map size per axis."""

    def __init__(self, draw, ndim: int):
        self.draw, self.ndim = draw, ndim
        self.layers: list[dict] = []
        self.count = 0

    def name(self) -> str:
        self.count += 1
        return f"l{self.count}"

    def add(self, layer: dict, inputs: list[str] | None = None) -> str:
        layer = {"name": self.name(), **layer}
        if inputs is not None:
            layer["inputs"] = inputs
        self.layers.append(layer)
        return layer["name"]

    def t(self, base: str) -> str:
        return f"{base}{self.ndim}d"

    def per_axis(self, choose):
        """Parameters per axis from choose(axis) -> dict; the layer's keys as ints or lists."""
        chosen = [choose(a) for a in range(self.ndim)]
        return {k: (chosen[0][k] if self.ndim == 1 else [c[k] for c in chosen]) for k in chosen[0]}

    # each returns the new sizes, or None where it does not fit
    def conv(self, sizes, src):
        draw = self.draw
        params, out = [], []
        for n in sizes:
            k, s, d = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
            pb, pe = draw(st.integers(0, 3)), draw(st.integers(0, 3))
            if draw(st.booleans()):
                pe = pb
            o = conv_out(n, k, s, d, pb, pe)
            if o < 1:
                return None
            params.append((k, s, d, pb, pe))
            out.append(o)
        same = all(pb == pe for *_, pb, pe in params)
        pads = [pb if pb == pe else [pb, pe] for *_, pb, pe in params]
        layer = {
            "type": self.t("conv"),
            "out_channels": 1,
            "kernel_size": self.one([p[0] for p in params]),
            "stride": self.one([p[1] for p in params]),
            "dilation": self.one([p[2] for p in params]),
            "padding": pads[0] if self.ndim == 1 and same else pads,
        }
        self.add(layer, [src])
        return out

    def one(self, values):
        return values[0] if self.ndim == 1 else values

    def pool(self, sizes, src):
        draw = self.draw
        kind = draw(st.sampled_from(["max", "avg"]))
        ceil_mode = draw(st.booleans())
        params, out = [], []
        for n in sizes:
            k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
            d = draw(st.integers(1, 2)) if kind == "max" else 1
            p = draw(st.integers(0, k // 2))
            o = pool_out(n, k, s, d, p, ceil_mode)
            if o < 1:
                return None
            params.append((k, s, d, p))
            out.append(o)
        layer = {
            "type": self.t(f"{kind}pool"),
            "kernel_size": self.one([p[0] for p in params]),
            "stride": self.one([p[1] for p in params]),
            "padding": self.one([p[3] for p in params]),
            "ceil_mode": ceil_mode,
        }
        if kind == "max":
            layer["dilation"] = self.one([p[2] for p in params])
        self.add(layer, [src])
        return out

    def transposed(self, sizes, src):
        draw = self.draw
        params, out = [], []
        for n in sizes:
            k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
            p = draw(st.integers(0, 2))
            op = draw(st.integers(0, max(s, d) - 1))
            o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
            if o < 1 or o > 700:
                return None
            params.append((k, s, d, p, op))
            out.append(o)
        layer = {
            "type": self.t("conv_transpose"),
            "out_channels": 1,
            **{
                key: self.one([p[i] for p in params])
                for i, key in enumerate(
                    ["kernel_size", "stride", "dilation", "padding", "output_padding"]
                )
            },
        }
        self.add(layer, [src])
        return out

    def upsample(self, sizes, src):
        draw = self.draw
        modes = (
            ["nearest", "nearest-exact", "linear"]
            if self.ndim == 1
            else ["nearest", "nearest-exact", "bilinear", "bicubic"]
        )
        mode = draw(st.sampled_from(modes))
        align = mode not in ("nearest", "nearest-exact") and draw(st.booleans())
        if align:  # sizes for which (n − 1)/(m − 1) is a small fraction
            out = []
            for n in sizes:
                choices = [2 * n - 1, n] + ([(n - 1) // 2 + 1] if n % 2 and n > 1 else [])
                out.append(draw(st.sampled_from(choices)))
            layer = {"type": "upsample", "size": self.one(out), "mode": mode, "align_corners": True}
        else:
            factors = [draw(st.sampled_from([2.0, 3.0, 1.5, 2.5, 0.5])) for _ in sizes]
            out = [int(n * f) for n, f in zip(sizes, factors)]
            layer = {"type": "upsample", "scale_factor": self.one(factors), "mode": mode}
            if mode not in ("nearest", "nearest-exact") and draw(st.booleans()):
                layer["align_corners"] = False
        if min(out) < 1 or max(out) > 700:
            return None
        self.add(layer, [src])
        return out

    def adaptive(self, sizes, src):
        out = []
        for n in sizes:
            choices = [n, 2 * n] + [n * a // b for a, b in ((1, 2), (2, 3), (3, 4)) if n % b == 0]
            out.append(self.draw(st.sampled_from([*choices, self.draw(st.integers(1, 8))])))
        kind = self.draw(st.sampled_from(["avg", "max"]))
        self.add({"type": f"adaptive_{kind}pool{self.ndim}d", "output_size": self.one(out)}, [src])
        return out

    def passthrough(self, sizes, src):
        kind = self.draw(st.sampled_from(["relu", self.t("batchnorm"), "dropout"]))
        self.add({"type": kind}, [src])
        return sizes

    def rearrange(self, sizes, src):
        """The layers that cut, extend or rearrange a map: pad (negative amounts crop), a
        slice of a spatial axis, pixel (un)shuffle, and layers that read the whole map."""
        draw, n = self.draw, self.ndim
        kind = draw(st.sampled_from(["pad", "slice", "shuffle", "whole", "channels"]))
        if kind == "pad":
            pad = [draw(st.integers(-3, 4)) for _ in range(2 * n)]
            # F.pad lists the last axis first
            new = [size + pad[2 * (n - 1 - a)] + pad[2 * (n - 1 - a) + 1] for a, size in
                   enumerate(sizes)]  # fmt: skip
            if min(new) < 1:
                return None
            self.add({"type": "pad", "pad": pad}, [src])
            return new
        if kind == "slice":
            axis = draw(st.integers(0, n - 1))
            start, step = draw(st.integers(-8, 8)), draw(st.integers(1, 3))
            self.add({"type": "slice", "dim": 1 + axis, "start": start, "step": step}, [src])
            sizes = list(sizes)
            sizes[axis] = len(range(sizes[axis])[start::step])
            if sizes[axis] < 1:
                self.layers.pop()
                return None
            return sizes
        if kind == "shuffle" and n == 2 and all(size % 2 == 0 for size in sizes):
            self.add({"type": "pixel_unshuffle", "downscale_factor": 2}, [src])
            self.add({"type": "pixel_shuffle", "upscale_factor": 2})
            return sizes
        if kind == "whole":
            whole = draw(st.sampled_from(["groupnorm", self.t("instancenorm"), "mean"]))
            layer = {"type": whole}
            if whole == "groupnorm":
                layer["num_groups"] = 1
            if whole == "mean":  # over the channels: each position still reads its own field
                layer.update(dim=[0], keepdim=True)
            self.add(layer, [src])
            return sizes
        kind = draw(st.sampled_from(["channel_shuffle", "layer_scale"]))
        self.add({"type": kind, **({"groups": 1} if kind == "channel_shuffle" else {})}, [src])
        return sizes

    def branch(self, sizes, src) -> str:
        """Size-preserving layers after src; the name of the last (src for none)."""
        draw = self.draw
        kind = draw(st.sampled_from(["identity", "odd", "same", "down_up", "transposed", "pool"]))
        if kind == "down_up" and any(n % 2 for n in sizes):
            kind = "same"
        if kind == "identity":
            return src
        if kind == "odd":
            k, d = draw(st.sampled_from([1, 3, 5])), draw(st.integers(1, 2))
            return self.add(
                {
                    "type": self.t("conv"),
                    "out_channels": 1,
                    "kernel_size": k,
                    "dilation": d,
                    "padding": d * (k - 1) // 2,
                },
                [src],
            )
        if kind == "same":
            k, d = draw(st.integers(1, 4)), draw(st.integers(1, 2))
            return self.add(
                {
                    "type": self.t("conv"),
                    "out_channels": 1,
                    "kernel_size": k,
                    "dilation": d,
                    "padding": "same",
                },
                [src],
            )
        if kind == "transposed":
            return self.add(
                {
                    "type": self.t("conv_transpose"),
                    "out_channels": 1,
                    "kernel_size": 3,
                    "padding": 1,
                },
                [src],
            )
        if kind == "pool":
            pool = draw(st.sampled_from(["max", "avg"]))
            return self.add(
                {"type": self.t(f"{pool}pool"), "kernel_size": 3, "stride": 1, "padding": 1}, [src]
            )
        down = draw(st.sampled_from(["pool", "conv"]))
        mid = self.add(
            {"type": self.t("maxpool"), "kernel_size": 2}
            if down == "pool"
            else {
                "type": self.t("conv"),
                "out_channels": 1,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
            },
            [src],
        )
        up = draw(st.sampled_from(["nearest", "linear", "t2", "t4", "t3"]))
        if up in ("nearest", "linear"):
            mode = up if self.ndim == 1 or up == "nearest" else "bilinear"
            return self.add({"type": "upsample", "scale_factor": 2.0, "mode": mode}, [mid])
        k, p, op = {"t2": (2, 0, 0), "t4": (4, 1, 0), "t3": (3, 1, 1)}[up]
        layer = {"type": self.t("conv_transpose"), "out_channels": 1, "kernel_size": k, "stride": 2}
        layer.update(padding=p, output_padding=op)
        return self.add(layer, [mid])

    def block(self, sizes, src):
        # every convolution has one output channel and every other branch keeps the channels
        # of src, so the branch ends have C or 1 channels, which add and mul broadcast
        a = self.branch(sizes, src)
        b = self.branch(sizes, src)
        merge = self.draw(st.sampled_from(["add", "concat", "mul"]))
        if a == b:
            b = self.add({"type": "relu"}, [src])
        self.add({"type": merge, "inputs": [a, b]})
        return sizes


@st.composite
def networks(draw, ndim: int = 1):
    b = Builder(draw, ndim)
    sizes = first = [draw(st.integers(96, 240)) for _ in range(ndim)]
    src = "input"
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(
                [
                    "conv",
                    "conv",
                    "pool",
                    "transposed",
                    "upsample",
                    "adaptive",
                    "passthrough",
                    "rearrange",
                    "block",
                    "block",
                ]
            )
        )
        if kind == "upsample" and max(sizes) > 320:
            kind = "pool"
        new = getattr(b, kind)(sizes, src)
        if new is None:
            continue
        sizes, src = new, b.layers[-1]["name"]
    if not b.layers:
        b.conv(sizes, src)
    data = {
        "input": {
            "channels": 1,
            **dict(zip(("length",) if ndim == 1 else ("height", "width"), first)),
        }
    }
    return {**data, "layers": b.layers}


def check_random(data: dict) -> None:
    analysis = analyse(data)
    for r in analysis.layers.values():
        assert r.output is not None and not r.refusals, (r.name, r.refusals)
    full = check_network(analysis)
    last = data["layers"][-1]["name"]
    event(f"layers: {len(data['layers'])}")
    # the last layer must show a period, so that its jump and start are compared too
    assume(full.get(last, False))


@settings(
    max_examples=500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(networks(ndim=1))
def test_random_1d_networks_match_the_oracle(data):
    check_random(data)


@settings(
    max_examples=100, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(networks(ndim=2))
def test_random_2d_networks_match_the_oracle(data):
    check_random(data)


# --- named 1-d examples -----------------------------------------------------------------------


def one_d(layers: list[dict], length: int = 64) -> archlint.Analysis:
    return analyse({"input": {"channels": 1, "length": length}, "layers": layers})


def fields_of(analysis, name) -> tuple:
    (f,) = receptive_fields(analysis)[name]
    return f.size, f.jump, f.start


def conv(name, k, **kw):
    return {"name": name, "type": "conv1d", "out_channels": 1, "kernel_size": k, **kw}


def test_the_input_and_a_single_conv():
    a = one_d([conv("c", 3, stride=2, dilation=2, padding=1)])
    # taps 2o − 1, 2o + 1, 2o + 3: span 5, centre 2o + 1
    assert fields_of(a, "c") == (5, 2, 1)
    check_network(a)


def test_dilation_holes_count_in_the_span():
    a = one_d([conv("a", 3, dilation=4), conv("b", 2)])
    assert fields_of(a, "a")[0] == 9  # pixels {0, 4, 8}: span 9
    assert fields_of(a, "b")[0] == 10  # {0, 1, 4, 5, 8, 9}
    check_network(a)


def test_nearest_upsampling_by_three_then_conv():
    a = one_d([{"name": "up", "type": "upsample", "scale_factor": 3.0}, conv("c", 2)])
    assert fields_of(a, "up") == (1, Fraction(1, 3), 0)
    # outputs 3i+2 read up-pixels of two different inputs; the others one
    assert fields_of(a, "c") == (2, Fraction(1, 3), 0)
    check_network(a)


def test_nearest_follows_pytorchs_shortcuts():
    # PyTorch's "nearest" copies when the size is unchanged and halves the index when it
    # doubles, whatever the scale_factor: not floor(o / 1.05) or floor(o / 2.05)
    up = {"name": "up", "type": "upsample", "mode": "nearest"}
    a = one_d([{**up, "scale_factor": 1.05}], length=10)
    assert fields_of(a, "up") == (1, 1, 0)
    b = one_d([{**up, "scale_factor": 2.05}], length=10)
    assert b.layers["up"].output == (1, 20)
    assert fields_of(b, "up") == (1, Fraction(1, 2), 0)
    c = one_d([{**up, "scale_factor": 2.5}, conv("c", 2)], length=10)
    assert fields_of(c, "c") == (2, Fraction(2, 5), 0)  # floor(o / 2.5): o = 2 and 3 differ
    for x in (a, b, c):
        check_network(x)


def test_a_first_output_without_a_field_extrapolates_its_start():
    # outputs o = 2i − 1: the odd ones read input (o + 1)/2, the even ones nothing (bias only)
    t = {"name": "t", "type": "conv_transpose1d", "out_channels": 1, "kernel_size": 1}
    a = one_d([{**t, "stride": 2, "padding": 1, "output_padding": 1}])
    assert fields_of(a, "t") == (1, Fraction(1, 2), Fraction(1, 2))
    check_network(a)
    # and a stride that reads only the empty positions leaves a layer no input reaches
    b = one_d([{**t, "stride": 3}, conv("c", 1, stride=3, padding=[[1, 0]])])
    assert set(receptive_fields(b)) == {"t"}
    check_network(b)


def test_softmax_over_a_spatial_axis_reads_the_whole_axis():
    a = one_d([conv("c", 3), {"name": "s", "type": "softmax", "dim": 1}, conv("d", 3)], length=20)
    assert fields_of(a, "s") == (20, 0, Fraction(19, 2))
    assert fields_of(a, "d") == (20, 0, Fraction(19, 2))
    b = one_d([conv("c", 3), {"name": "s", "type": "softmax"}], length=20)  # over channels
    assert fields_of(b, "s") == (3, 1, 1)
    check_network(a)
    check_network(b)


def test_transposed_convolution_fields_vary_and_the_maximum_is_reported():
    a = one_d(
        [
            {
                "name": "t",
                "type": "conv_transpose1d",
                "out_channels": 1,
                "kernel_size": 3,
                "stride": 2,
            }
        ]
    )
    # even outputs read inputs o/2 − 1 and o/2, odd ones (o − 1)/2 only
    assert fields_of(a, "t") == (2, Fraction(1, 2), Fraction(-1, 2))  # output 0: inputs −1, 0
    # taps at 0 and 3 with stride 2: the input positions of one output are 3/2 apart in
    # steps that do not fit the stride, so the fields move back and forth
    b = one_d(
        [
            {
                "name": "t",
                "type": "conv_transpose1d",
                "out_channels": 1,
                "kernel_size": 2,
                "stride": 2,
                "dilation": 3,
            },
            conv("c", 3),
        ]
    )
    assert fields_of(b, "t") == (1, Fraction(1, 2), 0)
    assert fields_of(b, "c")[:2] == (3, Fraction(1, 2))
    check_network(a)
    check_network(b)


def test_interpolation_counts_only_non_zero_weights():
    up = {"name": "up", "type": "upsample", "scale_factor": 3.0, "mode": "linear"}
    # source x = (o − 1)/3: on a pixel for o ≡ 1 (mod 3), between two pixels otherwise
    a = one_d([up])
    assert fields_of(a, "up") == (2, Fraction(1, 3), Fraction(-1, 2))
    b = one_d([{**up, "scale_factor": 2.0}, conv("c", 1)])
    assert fields_of(b, "c") == (2, Fraction(1, 2), Fraction(-1, 2))
    check_network(a)
    check_network(b)


def test_bicubic_reads_four_pixels_except_on_a_pixel():
    data = {
        "input": {"channels": 1, "height": 40, "width": 40},
        "layers": [
            {"name": "up", "type": "upsample", "scale_factor": [3.0, 2.0], "mode": "bicubic"}
        ],
    }
    a = analyse(data)
    h, w = receptive_fields(a)["up"]
    assert (h.size, h.jump) == (4, Fraction(1, 3))
    assert (w.size, w.jump) == (4, Fraction(1, 2))
    check_network(a)


def test_adaptive_pooling_reports_the_largest_window():
    # 10 -> 3: windows [0,4) [3,7) [6,10)
    a = one_d([{"name": "p", "type": "adaptive_avgpool1d", "output_size": 3}], length=10)
    assert fields_of(a, "p") == (4, Fraction(10, 3), Fraction(3, 2))
    b = one_d([{"name": "p", "type": "adaptive_maxpool1d", "output_size": 7}], length=10)
    assert fields_of(b, "p")[0] == 3  # [0,2) [1,3) [2,5) ...: one window of three
    check_network(a)
    check_network(b)


def test_global_pooling_sees_the_whole_input():
    a = one_d([conv("c", 5, stride=2), {"name": "g", "type": "global_avgpool"}], length=41)
    assert fields_of(a, "g") == (41, Fraction(38), 20)  # valid convs: exactly the input
    # with padding, the unclipped fields of the border positions reach beyond the input
    b = one_d([conv("c", 5, padding=2), {"name": "g", "type": "global_maxpool"}], length=41)
    assert fields_of(b, "g") == (45, 41, 20)
    check_network(a)
    check_network(b)


def test_a_broadcast_gate_gives_every_position_the_global_field():
    # squeeze and excitation without padding, so every position is clean and exact
    a = one_d(
        [
            conv("c", 3),
            {"name": "g", "type": "global_avgpool"},
            conv("fc", 1),
            {"name": "gate", "type": "sigmoid"},
            {"name": "se", "type": "mul", "inputs": ["c", "gate"]},
            conv("after", 3),
        ],
        length=32,
    )
    assert fields_of(a, "se") == (32, 1, Fraction(31, 2))
    assert fields_of(a, "after")[0] == 32
    # every field is the same one: the fields do not move (spacing 0), but jump is by
    # convention the gated branch's; every position is compared for size and start
    check_network(a, jump=False)


def test_branches_with_different_jumps_report_the_larger_jump():
    a = one_d(
        [
            conv("wide", 33),  # 64 -> 32, jump 1: [o, o + 32]
            conv("strided", 2, stride=2, inputs=["input"]),  # 64 -> 32, jump 2: [2o, 2o + 1]
            {"name": "sum", "type": "add", "inputs": ["wide", "strided"]},
            conv("after", 2),
        ]
    )
    assert fields_of(a, "sum") == (33, 2, 16)  # the union is [o, o + 32] up to o = 31
    assert fields_of(a, "after") == (34, 2, Fraction(33, 2))
    # the union advances by 1 here, less than the reported (bounding) 2; no padding, so every
    # position is compared for size and start exactly
    check_network(a, jump=False)


def test_unions_are_not_the_usual_largest_branch_rule():
    # branch a is centred, branch b looks right: the union is wider than either
    a = one_d(
        [
            conv("a", 5, padding=2),
            conv("b", 5, padding=[[0, 4]], inputs=["input"]),
            {"name": "cat", "type": "concat", "inputs": ["a", "b"]},
        ]
    )
    assert fields_of(a, "a")[0] == fields_of(a, "b")[0] == 5
    assert fields_of(a, "cat") == (7, 1, 1)  # [o − 2, o + 4]
    check_network(a)


def test_flat_and_unknown_outputs_have_no_field():
    a = one_d(
        [
            conv("c", 3),
            {"name": "f", "type": "flatten"},
            {"name": "fc", "type": "linear", "out_features": 4},
        ]
    )
    assert set(receptive_fields(a)) == {"c"}
    b = one_d([conv("c", 3), {"name": "x", "type": "opaque", "op": "Foo"}, conv("d", 3)])
    assert set(receptive_fields(b)) == {"c"}
    flat = analyse(
        {"input": {"features": 8}, "layers": [{"name": "fc", "type": "linear", "out_features": 4}]}
    )
    assert receptive_fields(flat) == {}


# --- real networks: published values, and the oracle on every layer ---------------------------


def stage(analysis, name) -> tuple:
    h, w = receptive_fields(analysis)[name]
    assert h == w
    return h.size, h.jump, h.start


def test_vgg16_conv5_3_is_196_and_pool5_212():
    # google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md (TF-Slim vgg_16, same layers):
    # conv5_2 164, pool5 212, effective stride 32 and effective padding 90 at pool5; conv5_3
    # lies between: 164 + 2·16 = 196 (the value usually quoted for conv5_3)
    a = sample("vgg16")
    assert stage(a, "features.26") == (164, 16, Fraction(15, 2))  # conv5_2
    assert stage(a, "features.28")[:2] == (196, 16)  # conv5_3
    # start = (size − 1)/2 − effective padding
    assert stage(a, "features.30") == (212, 32, Fraction(211, 2) - 90)  # pool5


def test_alexnet_pool5_is_195():
    # google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md: alexnet_v2/pool5 RF 195,
    # effective stride 32, effective padding 64; alexnet_v2's conv1 is unpadded where
    # torchvision's (the sample) pads 2, which moves the field by 2 input pixels
    a = sample("alexnet")
    assert stage(a, "features.12") == (195, 32, Fraction(194, 2) - 64 - 2)


def move_stride_to_the_1x1(data):
    """ResNet v1 (the paper's and Caffe's): the downsampling block strides its first 1×1."""
    for layer in data["layers"]:
        for n in (2, 3, 4):
            if layer["name"] == f"layer{n}.0.conv2":
                layer.pop("stride")
            if layer["name"] == f"layer{n}.0.conv1":
                layer["stride"] = 2


def test_resnet50_v1_5_is_427_and_v1_483():
    # The sample is torchvision's v1.5 (stride on the 3x3): layer1..4 give 35, 91, 267, 427,
    # the values of samson-wang's "ResNet Receptive Field Size" gist (gist.github.com/
    # samson-wang/a6073c18f2adf16e0ab5fb95b53db3e6), computed with the stride on the 3×3.
    # So 427 is the v1.5 value. Moving the stride to the 1×1 (v1) gives 35, 99, 291, 483,
    # google-research/receptive_field's resnet_v1_50 block1..block4 (TF-Slim strides the 3×3 of
    # a stage's last unit, which puts every 3×3 at the same jump as v1 does).
    ends = ["layer1.2.relu3", "layer2.3.relu3", "layer3.5.relu3", "layer4.2.relu3"]
    v15 = sample("resnet50")
    assert [stage(v15, n)[:2] for n in ends] == [(35, 4), (91, 8), (267, 16), (427, 32)]
    v1 = sample("resnet50", edit=move_stride_to_the_1x1)
    assert [stage(v1, n)[:2] for n in ends] == [(35, 4), (99, 8), (291, 16), (483, 32)]


def test_resnet18():
    # the same gist: layer1..4 of resnet18: 43, 99, 211, 435
    a = sample("resnet18")
    ends = ["layer1.1.relu2", "layer2.1.relu2", "layer3.1.relu2", "layer4.1.relu2"]
    assert [stage(a, n)[0] for n in ends] == [43, 99, 211, 435]


# a larger input gives the deep layers clean positions to compare (sizes do not depend on it)
ORACLE_SIZES = {
    "lenet5": 96,
    "alexnet": 800,
    "vgg16": 800,
    "squeezenet1_0": 800,
    "resnet18": 1024,
    "resnet50": 1024,
    "mobilenet_v2": 1024,
    "unet_small": 256,
}


@pytest.mark.parametrize("name", sorted(ORACLE_SIZES))
def test_sample_networks_match_the_oracle(name):
    a = sample(name, ORACLE_SIZES[name])
    full = check_network(a)
    # the last map layer (global or adaptive pooling aside) is compared through its period
    last = [
        n
        for n, r in a.layers.items()
        if n in full and not r.type.startswith(("adaptive", "global"))
    ][-1]
    assert full[last], last


# --- long periods, exact against the oracle ---------------------------------------------------
#
# The random networks' periods are a few positions; these are 7 to 1,000, so that the fields of
# one period change pace many times (and, in archlint.receptive, span several pieces).


def up(name: str, factor: float, mode: str = "nearest", **kw) -> dict:
    return {"name": name, "type": "upsample", "scale_factor": factor, "mode": mode, **kw}


def transposed(name: str, k: int, **kw) -> dict:
    return {"name": name, "type": "conv_transpose1d", "out_channels": 1, "kernel_size": k, **kw}


def test_upsampling_by_7_then_a_stride_of_3_repeats_every_7_outputs():
    a = one_d([up("up", 7.0), conv("c", 3, stride=3)], length=40)
    # output o reads up-pixels 3o..3o+2, input pixels floor(3o/7)..floor((3o+2)/7)
    assert fields_of(a, "c") == (2, Fraction(3, 7), 0)
    assert check_network(a)["c"]


def test_adaptive_pooling_from_388_to_384_repeats_every_96_outputs():
    a = one_d(
        [{"name": "p", "type": "adaptive_avgpool1d", "output_size": 384}, conv("c", 3)], length=388
    )
    assert fields_of(a, "c") == (5, Fraction(97, 96), Fraction(3, 2))
    assert check_network(a)["c"]


def test_branches_of_different_jumps_after_an_upsampling():
    a = one_d(
        [
            up("up", 3.0),  # 64 -> 192, jump 1/3
            conv("wide", 97),  # 192 -> 96, jump 1/3
            conv("strided", 2, stride=2, inputs=["up"]),  # 192 -> 96, jump 2/3
            {"name": "sum", "type": "add", "inputs": ["wide", "strided"]},
            conv("after", 2),
        ],
        length=64,
    )
    assert fields_of(a, "after") == (34, Fraction(2, 3), 16)  # the larger jump, by convention
    check_network(a, jump=False)  # size and start at every position


def test_the_span_of_branches_of_different_jumps_can_grow_along_the_map():
    # [o, o] and [3o, 3o]: the union [o, 3o] is widest at the last output, 31
    slow = {"name": "slow", "type": "pad", "pad": [0, -64]}  # crops 96 to 32
    fast = {"name": "fast", "type": "slice", "dim": 1, "start": 0, "step": 3, "inputs": ["input"]}
    merged = [slow, fast, {"name": "sum", "type": "add", "inputs": ["slow", "fast"]}]
    a = one_d(merged, length=96)
    assert fields_of(a, "sum") == (63, 3, 0)
    check_network(a, jump=False)
    # the same after an upsampling by 3: [floor(o/3), o], widest at the last output, 95
    b = one_d(
        [up("up", 3.0), {**slow, "pad": [0, -192]}, {**fast, "inputs": ["up"]}, merged[2]],
        length=96,
    )
    assert fields_of(b, "sum") == (65, 1, 0)
    check_network(b, jump=False)


def test_merged_fields_that_overtake_one_another_within_a_period():
    # blocks of 1,000 pixels (one field per 1,000 outputs) merged with the input moved 300
    # pixels one way and 600 the other: within each block of outputs, the first pixel is the
    # moved input's for 300 outputs, then the block's, and the last pixel the block's for 400
    # outputs, then the other moved input's
    a = one_d(
        [
            {"name": "pool", "type": "maxpool1d", "kernel_size": 1000},
            up("blocks", 1000.0),
            {"name": "early", "type": "pad", "pad": [300, -300], "inputs": ["input"]},
            {"name": "late", "type": "pad", "pad": [-600, 600], "inputs": ["input"]},
            {"name": "sum", "type": "add", "inputs": ["blocks", "early", "late"]},
            {"name": "from350", "type": "slice", "dim": 1, "start": 350, "step": 1},
        ],
        length=4000,
    )
    # [−300, 999] at 0, [0, 999] at 350, [0, 1599] at 999
    assert fields_of(a, "sum") == (1600, 1, Fraction(699, 2))
    assert fields_of(a, "from350") == (1600, 1, Fraction(999, 2))
    assert check_network(a)["sum"]


def test_fields_that_skip_outputs_read_by_many_taps():
    # a transposed convolution whose stride is wider than its taps leaves outputs without a
    # field and moves the others back and forth; a 40-tap convolution and a whole-axis
    # statistic then read many of them at once
    a = one_d(
        [up("up", 2.5, "linear"), transposed("t", 2, stride=3, dilation=2), conv("c", 40)],
        length=60,
    )
    assert fields_of(a, "c") == (8, Fraction(2, 15), 2)
    assert check_network(a)["c"]
    b = one_d(
        [transposed("t", 2, stride=3), {"name": "g", "type": "groupnorm", "num_groups": 1}],
        length=30,
    )
    assert fields_of(b, "g") == (30, 0, Fraction(29, 2))
    check_network(b)


def test_what_reads_a_layer_no_input_reaches_has_no_field_either():
    t = transposed("t", 1, stride=3)  # outputs 3i read input i, the others nothing
    a = one_d([t, conv("c", 1, stride=3, padding=[[1, 0]]), conv("d", 3), conv("e", 1)])
    assert set(receptive_fields(a)) == {"t"}
    check_network(a)


# --- the cost follows the layers, not the sizes ---------------------------------------------
#
# Counted, not timed: every lookup in one period of a map and every read of a layer's taps.
# Index by index, the networks below would take from millions to 10¹² steps.


@pytest.fixture
def work(monkeypatch) -> Counter:
    """Counts archlint.receptive's steps while the test runs."""
    count: Counter = Counter()

    def counted(cls, method):
        original = getattr(cls, method)

        def step(*args):
            count[f"{cls.__name__}.{method}"] += 1
            return original(*args)

        monkeypatch.setattr(cls, method, step)

    counted(receptive._Periodic, "at")
    for reader in receptive._Reader.__subclasses__():
        counted(reader, "stretch")
    return count


def steps(work: Counter, analysis) -> tuple[int, dict]:
    work.clear()
    fields = receptive_fields(analysis)
    return sum(work.values()), fields


def square(size: int, layers: list[dict]) -> archlint.Analysis:
    return analyse({"input": {"channels": 1, "height": size, "width": size}, "layers": layers})


def conv2d(name: str, k: int, **kw) -> dict:
    return {"name": name, "type": "conv2d", "out_channels": 1, "kernel_size": k, **kw}


def test_the_cost_does_not_depend_on_the_input_size(work):
    layers = [
        conv2d("a", 3, padding=1),
        {"name": "p", "type": "maxpool2d", "kernel_size": 3, "stride": 2, "padding": 1},
        {"name": "up", "type": "upsample", "scale_factor": 3.0, "mode": "bilinear"},
        conv2d("b", 5, stride=2, padding=2),
        {
            "name": "t",
            "type": "conv_transpose2d",
            "out_channels": 1,
            "kernel_size": 4,
            "stride": 2,
            "padding": 1,
        },
        conv2d("c", 3, padding=1, inputs=["t"]),
        {"name": "sum", "type": "add", "inputs": ["t", "c"]},
    ]
    small, fields = steps(work, square(64, layers))
    assert steps(work, square(6400, layers)) == (small, fields)  # no layer reads the whole map
    assert receptive_fields(square(1_000_000, layers)) == fields
    # a stride of 10⁶ (one output) costs what a stride of 1 does
    one = steps(work, square(224, [conv2d("c", 3, stride=1)]))[0]
    wide, f = steps(work, square(224, [conv2d("c", 3, stride=1_000_000)]))
    assert wide == one and f["c"][0] == Field(3, Fraction(1_000_000), 1)


def test_an_upsampling_by_a_million_is_cheap_and_exact(work):
    # the same network by a thousand, against the oracle, then by a million
    layers = [up("up", 1000.0), conv("c", 3)]
    assert fields_of(one_d(layers, length=5), "c") == (2, Fraction(1, 1000), 0)
    check_network(one_d(layers, length=5))
    layers = [
        {"name": "up", "type": "upsample", "scale_factor": 1e6, "mode": "nearest"},
        conv2d("c", 3),
    ]
    for size in (3, 1_000_000):  # 10¹² output positions per axis on the larger input
        count, fields = steps(work, square(size, layers))
        assert fields["c"] == (Field(2, Fraction(1, 10**6), Fraction(0)),) * 2
        assert count < 100


def test_a_stride_just_short_of_a_long_period_is_cheap(work):
    # 999,999 up-pixels on: one input pixel further each output, bar one in a million; each
    # output's taps land in a new piece of the upsampling's period, one lap on
    assert fields_of(one_d([up("up", 1000.0), conv("c", 3, stride=999)], 5), "c") == (
        2, Fraction(999, 1000), 0,
    )  # fmt: skip
    check_network(one_d([up("up", 1000.0), conv("c", 3, stride=999)], 5))
    count, fields = steps(work, one_d([up("up", 1e6), conv("c", 3, stride=999_999)], 5))
    assert fields["c"] == (Field(2, Fraction(999_999, 10**6), Fraction(0)),)
    assert count < 100


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (up("up2", 2.0), (1, Fraction(1, 2), 0)),
        (up("up2", 3.0, "linear"), (2, Fraction(1, 3), Fraction(-1, 2))),
        (transposed("up2", 4, stride=2, padding=1), (2, Fraction(1, 2), Fraction(-1, 2))),
    ],
)
def test_a_second_upsampling_after_a_long_period_is_cheap(work, second, expected):
    # the second layer's taps move one up-pixel every two or three outputs, never evenly for
    # long, but they stay 100 (10⁶) outputs on one input pixel
    size, jump, start = expected
    a = one_d([up("up", 100.0), second], length=5)
    assert fields_of(a, "up2") == (size, jump / 100, start)
    check_network(a)
    count, fields = steps(work, one_d([up("up", 1e6), second], length=5))
    assert fields["up2"] == (Field(size, jump / 10**6, Fraction(start)),)
    assert count < 500


def resnet_chain(blocks: int) -> archlint.Analysis:
    layers, previous = [], "input"
    for i in range(blocks):
        layers += [
            conv(f"c{i}", 3, padding=1, inputs=[previous]),
            {"name": f"r{i}", "type": "relu"},
            conv(f"d{i}", 3, padding=1),
            {"name": f"s{i}", "type": "add", "inputs": [previous, f"d{i}"]},
        ]
        previous = f"s{i}"
    return one_d(layers, length=32)


def test_the_cost_grows_with_the_depth_no_faster(work):
    short, fields = steps(work, resnet_chain(6))
    long, deep = steps(work, resnet_chain(12))
    assert long <= 2 * short
    assert fields["s5"][0] == Field(25, Fraction(1), Fraction(0))
    assert deep["s11"][0] == Field(49, Fraction(1), Fraction(0))
