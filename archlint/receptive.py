"""Receptive fields: which input pixels can influence one output pixel, per spatial axis, exact.

`receptive_fields(analysis)` gives, for every layer whose output is a map, one `Field` per
spatial axis: `size` (how many input pixels the field spans), `jump` (the distance in input
pixels between the fields of adjacent output pixels) and `start` (the input coordinate of the
centre of the first output pixel's field).

How it is computed. Each layer says, along one axis, which input positions every output
position reads: a convolution or pooling window its taps, a transposed convolution the inputs
whose taps land on the output, an upsampling the pixels it interpolates, an adaptive pooling
PyTorch's window. The field of an output position is tracked as its first and last input
pixel; a layer's fields are the union of the fields of the positions it reads, and merges
(add, mul, concat) take the union over their branches. This is exact where closed-form
recurrences are not: after a transposed convolution or an upsampling, neighbouring output
pixels do not have fields of the same size, and a convolution reading them sees a field that
depends on where its taps fall.

It costs the same whatever the sizes, and each layer the same however deep it lies, because
every reader is periodic on the whole integer line (borders do not clip, below): moving an
output by q moves what it reads by p. A window moves by its stride per output (q = 1,
p = stride), a transposed convolution by one input per stride outputs (q = stride, p = 1), an
upsampling or an adaptive pooling by its exact ratio p/q, a reader of a whole axis not at all
(p = 0). So the first and last pixel of a map's fields repeat, moved: first(o + Q) =
first(o) + R, and one period describes every position of the map and beyond its borders. A
period is kept as *pieces* on which first and last are arithmetic (o ↦ a + b·o): a plain
convolution's period is one position and one piece, an upsampling by 10⁶'s a million
positions in a piece or two. A layer is computed by sweeping one period of its output in
stretches over which every tap moves evenly and stays inside one piece of its source
(`_combine`); where fields never move back only a read's first and last taps matter, and a
tap over a flat piece may move unevenly (an upsampling by 2 after one by 10⁶) without ending
the stretch (`_end`). A merge of branches whose jumps differ is not periodic: a map's fields
are then kept as a few periodic *parts*, one per jump, the first pixel the least over the
parts and the last the greatest, and a layer reads part by part (the least over its reads of
the least over the parts is the least over the parts of the least over its reads). The size
over the map's real positions 0..n-1 is found per piece of the parts' common period: there
each part is arithmetic both in the position and in the number of periods added, the span
(the greatest of affine functions minus the least of affine functions) is convex, and its
maximum lies at a corner (`_largest_span`). So the cost follows how often the fields change
pace within a period, not how long the period is, as a plain array of one period would
(exact too, but a million values for that upsampling). Where fields do change at every
output of a long period, so does the cost: a transposed convolution that skips outputs, read
after an upsampling by 10⁶, alternates fields and empty outputs for a million outputs.

Conventions (the reasons are in each item):

- **Borders do not clip.** Every map is extended beyond its borders by its own layer's
  arithmetic, as if the input were larger: padding, the clamping of interpolation at the
  edges and the reflect/replicate/circular padding modes neither shrink nor move a field. This
  is the convention of the published tables (Araujo, Norris and Sim, "Computing receptive
  fields of convolutional neural networks", Distill 2019, and their library's table), and
  it is the only one under which "the field of a layer" is one number: away from the borders
  the output pixels see fields of this size (or, where sizes vary, at most this size), and a
  border pixel sees the part of its field inside the input. So `size` can exceed the input
  (VGG-16's pool5: 212 on a 224 input) and `start` is negative where padding reaches before
  the first pixel.
- **`size` is a span**: last input pixel minus first plus one, the maximum over the layer's
  output positions. Holes inside the span (dilation, a stride wider than the window, the taps
  of a transposed convolution that miss an output) are counted, as in the published values.
- **`jump`** is exact, a `Fraction`: the product of each layer's stride (conv, pool), 1/stride
  (transposed conv), input/output ratio (upsample, adaptive pooling) along the path. After a
  transposed convolution or an upsampling, fields do not advance evenly (nearest upsampling by
  3: three outputs share one field, the next one moves by a pixel): fields P outputs apart,
  for the period P of the pattern, are exactly P·jump apart, and `jump` is that average.
  It is the layers' ratio even where a map is shorter than one period (adaptive pooling from
  97 to 96: the 96 windows all advance by exactly one pixel, the 97th would skip two): the
  ratio is what maps output coordinates to input coordinates, centre ≈ start + o·jump.
- **`start`** is the centre, (first + last)/2, of output position 0's (unclipped) field. For a
  transposed convolution whose taps miss position 0 (its field is empty), it is extrapolated
  back from the first position that has a field: that field's centre minus position · jump.
- **Interpolation** (upsample): nearest and nearest-exact read one pixel, with PyTorch's index
  rules (the size-equal and size-doubled shortcuts of "nearest" included); linear, bilinear and
  trilinear two per axis, bicubic four; but only pixels with a **non-zero weight** count,
  because a pixel multiplied by zero cannot influence the output: where the source coordinate
  falls exactly on a pixel (every third output of a ×3 upsampling without align_corners), that
  output sees one pixel, not two or four. The source coordinate is computed in exact rational
  arithmetic from the scale PyTorch uses (1/scale_factor when a scale_factor is given, as
  nn.Upsample does, input/output size when a size is; (in − 1)/(out − 1) with align_corners);
  PyTorch computes it in float32, which can differ at isolated positions when the scale is
  not a power of two.
- **Adaptive pooling** uses PyTorch's windows [floor(i·n/o), ceil((i + 1)·n/o)), whose sizes
  vary: `size` is the largest. **Global pooling** reads its whole input: its field is the union
  of the fields of all its input positions (so, with the borders unclipped, more than the image
  once padding is involved). Softmax over a spatial axis reads that whole axis the same way,
  at every position: its fields do not move, jump 0.
- **Merges** take the union of their branches' fields at each position; a branch of size 1
  broadcast along an axis (a squeeze-and-excitation gate) contributes its one field to every
  position. When branches have different jumps (a stride-1 branch added to a stride-2 branch
  cropped to the same size), the fields of adjacent outputs are no longer translates of one
  another and no single jump describes them; the **largest** branch jump is reported. Each end
  of the union field is carried by one of the branches, so over k outputs neither end moves
  further than about k times the largest jump: it is the conservative number for questions
  such as "are input pixels skipped between outputs?" (jump against size). `size` and
  `start` stay exact. A broadcast branch does not move and is left out of the jump.
- Layers whose output is unknown or flat (flatten, linear, global features) have no field,
  and neither has anything computed from them, nor a merge of branches of different rank.
  Nor has a layer that no input pixel reaches at all along some axis: possible only when a
  transposed convolution with a stride wider than its kernel leaves outputs empty and a later
  stride reads nothing else (its output is then the bias alone; there is no field to report).
  Single-input layers that change nothing spatially (activations, normalisation, dropout and
  any other layer whose output shape equals its input shape and has no window) pass the field
  through unchanged.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor, gcd, inf, lcm
from typing import NamedTuple

from archlint.graph import INPUT
from archlint.inference import Analysis, LayerResult
from archlint.layers import Shape
from archlint.windows import Axis, TransposedAxis

__all__ = ["Field", "receptive_fields"]


@dataclass(frozen=True)
class Field:
    """The receptive field of a layer along one spatial axis, in network-input pixels."""

    size: int
    jump: Fraction
    start: Fraction


# --- what one output position reads along one axis --------------------------------------------
#
# What an output reads is an arithmetic progression of input positions, `Taps` (first, count,
# gap), ascending; count 0 where it reads nothing (a transposed convolution's missed outputs).
# A reader describes it by stretches: output o reads `taps`, and output o + t, for t < length,
# reads the same positions moved by t·step. Long stretches are what make a sweep over a period
# cheap: a window's is endless, an upsampling by 10⁶ reads one pixel for 10⁶ outputs.

Taps = tuple[int, int, int]
Stretch = tuple[int | float, int, Taps]  # length (inf: endless), step, taps


class _Reader:
    """Which input positions each output position reads, on the whole integer line: moving the
    output by `q` moves them by `p` (`p` = 0: every output reads the same positions)."""

    q, p = 1, 1
    broadcast = False
    monotone = True  # it always reads something, and its first and last taps never move back

    def stretch(self, o: int) -> Stretch:
        raise NotImplementedError


class _Identity(_Reader):
    def stretch(self, o: int) -> Stretch:
        return inf, 1, (o, 1, 1)


_IDENTITY = _Identity()


class _Constant(_Reader):
    """Every output reads the same positions first..last: a broadcast size-1 branch (0..0) or
    softmax over a spatial axis (the whole axis). Fields then do not move: jump 0."""

    p = 0

    def __init__(self, first: int, last: int, broadcast: bool):
        self.taps, self.broadcast = (first, last - first + 1, 1), broadcast

    def stretch(self, o: int) -> Stretch:
        return inf, 0, self.taps


class _Window(_Reader):
    """Convolution and pooling: taps o·S − P_begin + t·D for t < F."""

    def __init__(self, axis: Axis):
        self.k, self.p, self.d, self.pad = axis.kernel, axis.stride, axis.dilation, axis.pad_begin

    def stretch(self, o: int) -> Stretch:
        return inf, self.p, (o * self.p - self.pad, self.k, self.d)


class _Transposed(_Reader):
    """Transposed convolution: input i reaches outputs i·S − P + t·D for t < F, so output o
    reads (o + P − t·D)/S for the taps t that make it an integer: t ≡ t0 modulo S/gcd(D, S)."""

    def __init__(self, axis: TransposedAxis):
        self.k, self.q, self.d, self.pad = axis.kernel, axis.stride, axis.dilation, axis.padding
        self.g = gcd(self.d, self.q)
        self.every = self.q // self.g  # taps apart that reach the same output
        self.monotone = self.q == 1 or (self.d == 1 and self.k >= self.q)  # else it skips

    def stretch(self, o: int) -> Stretch:
        v = o + self.pad
        if self.q == 1:
            return inf, 1, (v - (self.k - 1) * self.d, self.k, self.d)
        count = 0
        if v % self.g == 0:
            t0 = v // self.g * pow(self.d // self.g, -1, self.every) % self.every
            count = max(0, -(-(self.k - t0) // self.every))
        if count:  # the stride makes the next output read another pattern
            t = t0 + (count - 1) * self.every
            return 1, 0, ((v - t * self.d) // self.q, count, self.d // self.g)
        return self._empty(v), 0, (0, 0, 1)

    def _empty(self, v: int) -> int:
        """How many outputs from v (minus P) on read nothing: up to the next one a tap reaches."""
        if self.k >= self.every:
            return -v % self.g
        return min((t * self.d - v) % self.q for t in range(self.k))


def _floor_runs(x: Fraction, c: Fraction) -> dict[int, int | float]:
    """For floor(x + t·c), t = 0, 1, ...: {step: how many t it moves by that step from floor(x)}.

    With c = s + f (0 ≤ f < 1), it moves by s while the fractions of x + t·c do not pass 1, and
    by s + 1 while they do not fall below 0: both, so that two readers can agree on one."""
    s, f = floor(c), c - floor(c)
    if f == 0:
        return {s: inf}
    phi = x - floor(x)
    return {s: ceil((1 - phi) / f), s + 1: floor(phi / (1 - f)) + 1}


def _longest(*runs: dict[int, int | float]) -> tuple[int | float, int]:
    """(length, step) of the longest stretch on which all `runs` move by one step."""
    return max((min(r[s] for r in runs), s) for s in runs[0] if all(s in r for r in runs))


class _Adaptive(_Reader):
    """PyTorch's adaptive window of output o: [floor(o·n/m), ceil((o + 1)·n/m))."""

    def __init__(self, n: int, m: int):
        self.c = Fraction(n, m)
        self.p, self.q = self.c.numerator, self.c.denominator

    def stretch(self, o: int) -> Stretch:
        x, y = o * self.c, (o + 1) * self.c
        first, end = floor(x), ceil(y)
        # the window's end is −floor(−y): it moves by −step where floor(−y) moves by step
        ends = {-s: n for s, n in _floor_runs(-y, -self.c).items()}
        length, step = _longest(_floor_runs(x, self.c), ends)
        return length, step, (first, end - first, 1)


class _Resample(_Reader):
    """Upsample along one axis (see the module docstring for the modes)."""

    def __init__(self, mode: str, n: int, m: int, scale_factor: float | None, align: bool):
        self.mode = mode
        self.offset = Fraction(0)  # source coordinate x(o) = (o + offset)·c − shift
        self.shift = Fraction(0)
        if mode == "nearest" and m == n:
            c = Fraction(1)  # PyTorch copies
        elif mode == "nearest" and m == 2 * n:
            c = Fraction(1, 2)  # PyTorch shifts the index
        elif align and mode != "nearest" and mode != "nearest-exact":
            c = Fraction(n - 1, m - 1) if m > 1 else Fraction(0)
        else:
            # nn.Upsample passes scale_factor on, and the kernels then use 1/scale_factor;
            # str() recovers the decimal the spec was written with (1.5, not a binary fraction)
            c = 1 / Fraction(str(scale_factor)) if scale_factor is not None else Fraction(n, m)
            if mode != "nearest":
                self.offset = Fraction(1, 2)
                self.shift = Fraction(1, 2) if mode != "nearest-exact" else Fraction(0)
        self.c = c
        self.p, self.q = c.numerator, c.denominator
        self.one_pixel = mode in ("nearest", "nearest-exact")
        self.monotone = mode != "bicubic"  # x on a pixel reads it alone, after reading from x − 1

    def stretch(self, o: int) -> Stretch:
        x = (o + self.offset) * self.c - self.shift
        i = floor(x)
        length, step = _longest(_floor_runs(x, self.c))
        if self.one_pixel or x == i:
            taps = (i, 1, 1)  # one pixel, or the interpolation weights are (0,) 1, 0 (, 0)
        else:
            taps = (i - 1, 4, 1) if self.mode == "bicubic" else (i, 2, 1)
        if not self.one_pixel and step != self.c:
            # x + t·c lands on a pixel (reads one) where it equals floor(x) + t·step
            t = (x - i) / (step - self.c)
            if t.denominator == 1 and t >= 0:
                length = min(length, max(int(t), 1))
        return length, step, taps


# --- which layers read how ---------------------------------------------------------------------
#
# A layer's *layout* says, for each axis of its output, which spatial axis of the network input
# it is (0, 1, ...), or None (channels, features). The input's is (None, 0, 1, ...); a permute
# reorders it (ConvNeXt's channels-last block), and a layer's readers are given per network
# axis, so fields follow an axis wherever it is moved.

_MERGES = ("add", "mul", "sub", "div", "concat")
_WHOLE = ("groupnorm", "instancenorm1d", "instancenorm2d", "instancenorm3d")  # spatial statistics
_REDUCE = ("mean", "sum", "amax", "amin", "vector_norm")

Layout = tuple[int | None, ...]


def _net_sizes(shape: Sequence[int], layout: Layout) -> tuple[int, ...]:
    """The sizes of the network's spatial axes, in the network input's order."""
    return tuple(shape[layout.index(k)] for k in range(sum(a is not None for a in layout)))


def _per_axis(value, n: int) -> list:
    return list(value) if isinstance(value, list) else [value] * n


def _by_position(layout: Layout, readers: dict[int, _Reader]) -> list[_Reader]:
    """One reader per network axis, from readers given by the axis' position (identity else)."""
    out = [_IDENTITY for a in layout if a is not None]
    for position, reader in readers.items():
        if layout[position] is not None:
            out[layout[position]] = reader
    return out


def _readers(
    result: LayerResult, layouts: dict[str, Layout], sources: list[str], shapes: list[Shape]
):
    """(the output's layout, per source one _Reader per network axis), or None where the layer
    has no field (its output is unknown, or a network axis is flattened away). `sources` are
    the distinct layers it reads (a merge may read one twice), `shapes` their outputs."""
    if result.output is None or result.inputs is None or any(s not in layouts for s in sources):
        return None
    kind, out = result.type, result.output
    if kind in _MERGES:
        layout = layouts[sources[0]]
        if any(layouts[s] != layout for s in sources) or len(out) != len(layout):
            return None
        per_source = []
        for shape in shapes:
            row: list[_Reader] = []
            for n, m in zip(_net_sizes(shape, layout), _net_sizes(out, layout)):
                if n == m:
                    row.append(_IDENTITY)
                elif n == 1:
                    row.append(_Constant(0, 0, broadcast=True))
                else:
                    return None
            per_source.append(row)
        return layout, per_source
    if len(sources) != 1:
        return None
    layout = layouts[sources[0]]
    (shape,) = result.inputs
    rank = len(shape)

    def whole(p: int) -> _Reader:  # every output reads axis p whole
        return _Constant(0, shape[p] - 1, broadcast=False)

    position: dict[int, _Reader] = {}
    layer = result.layer
    if result.axes:  # a window along axes 1.. (in whatever network axis each one holds)
        position = {
            p + 1: _Transposed(a) if isinstance(a, TransposedAxis) else _Window(a)
            for p, a in enumerate(result.axes)
        }
        position[0] = whole(0)
    elif kind == "upsample":
        factors = _per_axis(layer.scale_factor, rank - 1)
        align = bool(layer.align_corners)
        position = {
            p: _Resample(layer.mode, shape[p], out[p], factors[p - 1], align)
            for p in range(1, rank)
        }
    elif kind.startswith(("adaptive_", "global_")):
        position = {p: _Adaptive(shape[p], out[p]) for p in range(1, rank)}
    elif kind == "permute":
        order = [d % rank for d in layer.dims]
        return tuple(layout[d] for d in order), [[_IDENTITY for a in layout if a is not None]]
    elif kind in ("pixel_shuffle", "pixel_unshuffle"):
        r = getattr(layer, "upscale_factor", None) or layer.downscale_factor
        for p in (rank - 2, rank - 1):
            if kind == "pixel_shuffle":
                position[p] = _Resample("nearest", shape[p], out[p], r, False)
            else:
                position[p] = _Window(Axis("", shape[p], r, r))
        if layout[rank - 3] is not None:
            return None  # a network axis folded into channels
    elif kind == "pad":
        for k in range(len(layer.pad) // 2):
            p = rank - 1 - k
            position[p] = _Window(Axis("", shape[p], 1, 1, 1, layer.pad[2 * k]))
    elif kind == "slice":
        p = layer.dim % rank
        start, _, step = slice(layer.start, layer.end, layer.step).indices(shape[p])
        position[p] = _Window(Axis("", shape[p], 1, step, 1, -start))
    elif kind in _REDUCE:
        dims = {d % rank for d in _per_axis(layer.dim, 1)}
        if not layer.keepdim:
            if any(layout[p] is not None for p in dims):
                return None
            return tuple(a for p, a in enumerate(layout) if p not in dims), [
                [_IDENTITY for a in layout if a is not None]
            ]
        position = {p: _Adaptive(shape[p], 1) for p in dims}  # as global pooling
    elif kind == "expand":
        position = {p: _Constant(0, 0, broadcast=True) for p in range(rank) if shape[p] != out[p]}
    elif kind in ("softmax", "log_softmax"):
        if -rank <= layer.dim < rank:
            position = {layer.dim % rank: whole(layer.dim % rank)}
    elif kind == "layernorm":
        position = {
            p: whole(p) for p in range(rank - len(_per_axis(layer.normalized_shape, 1)), rank)
        }
    elif kind in _WHOLE:
        position = {p: whole(p) for p in range(1, rank)}
    elif kind == "linear":
        if layout[-1] is not None:
            return None  # it mixes a network axis into features
        return layout, [[_IDENTITY for a in layout if a is not None]]
    elif not result.passthrough:
        return None  # flatten, reshape and any layer this module does not know
    if len(out) != rank:
        return None
    return layout, [_by_position(layout, position)]


# --- the computation ---------------------------------------------------------------------------
#
# A *part* keeps, for every position o of a map (on the whole integer line), the first and last
# input pixel of its field: a `_Periodic`. Its pieces are (first, first's slope, last, last's
# slope) over the positions from their start to the next piece's, or None where the fields are
# empty; a piece one position long has no meaningful slope.

Piece = tuple[int, int, int, int] | None
Line = tuple[int, int]  # value at the stretch's start, change per output


class _Periodic:
    """First and last pixel of one part of a map's fields: first(o + period) = first(o) + shift
    (and last), one period kept as pieces starting at `starts`."""

    __slots__ = ("period", "shift", "starts", "pieces", "monotone", "_jump")

    def __init__(self, period: int, shift: int, starts: list[int], pieces: list[Piece]):
        if len(pieces) == 1 and pieces[0] is not None:
            lo, dlo, hi, dhi = pieces[0]
            if period == 1 or dlo * period == dhi * period == shift:  # affine: period 1
                shift //= period
                period, pieces = 1, [(lo, shift, hi, shift)]
        self.period, self.shift, self.starts, self.pieces = period, shift, starts, pieces
        self.monotone = self._monotone()
        self._jump: Fraction | None = None

    @property
    def jump(self) -> Fraction:
        if self._jump is None:  # (made when asked: most parts never are)
            self._jump = Fraction(self.shift, self.period)
        return self._jump

    def _monotone(self) -> bool:
        """Fields never empty and never moving back: then the first of any reads' fields is
        the first read's and the last is the last read's, whatever lies between."""
        if self.period == 1:
            return self.shift >= 0
        if None in self.pieces:
            return False
        ends = [*self.starts[1:], self.period]
        previous = None
        for (lo, dlo, hi, dhi), a, b in zip(self.pieces, self.starts, ends):  # type: ignore
            if b - a > 1 and (dlo < 0 or dhi < 0):
                return False
            if previous is not None and (lo < previous[0] or hi < previous[1]):
                return False
            previous = lo + dlo * (b - a - 1), hi + dhi * (b - a - 1)
        lo, _, hi, _ = self.pieces[0]  # type: ignore[misc]
        return previous[0] <= lo + self.shift and previous[1] <= hi + self.shift  # type: ignore

    def at(self, i: int, step: int) -> tuple[int | float, Line | None, Line | None]:
        """(how many t, i + t·step stays in i's piece, first's line and last's line there).

        A step of `laps` periods and `move` positions moves a value by laps·shift plus `move`
        along its piece; a step nearly a period long is better taken as one lap more and a
        step back (a stride of 999,999 over an upsampling by 10⁶: one pixel further on each
        output, not a new piece each output)."""
        k, r, j, start, end = self._locate(i)
        laps, move = divmod(step, self.period)
        length: int | float = inf
        if move:
            length = -(-(end - r) // move)
            behind = (r - start) // (self.period - move) + 1
            if behind > length:
                laps, move, length = laps + 1, move - self.period, behind
        piece = self.pieces[j]
        if piece is None:
            return length, None, None
        lo, dlo, hi, dhi = piece
        offset, moved, lapped = r - start, k * self.shift, laps * self.shift
        return (
            length,
            (lo + dlo * offset + moved, dlo * move + lapped),
            (hi + dhi * offset + moved, dhi * move + lapped),
        )

    def _locate(self, i: int) -> tuple[int, int, int, int, int]:
        """Position i as (periods, position within one, its piece, the piece's start, end)."""
        k, r = divmod(i, self.period)
        j = bisect_right(self.starts, r) - 1
        end = self.starts[j + 1] if j + 1 < len(self.starts) else self.period
        return k, r, j, self.starts[j], end

    def constant_until(self, i: int, last: bool) -> int | float:
        """The position (exclusive) up to which first (or `last`) keeps its value at i: the
        end of i's piece if that is flat, else i + 1."""
        if self.period == 1:
            return i + 1 if self.shift else inf
        k, _, j, start, end = self._locate(i)
        piece = self.pieces[j]
        if piece is not None and end - start > 1 and piece[3 if last else 1]:
            return i + 1
        return k * self.period + end

    def first_filled(self) -> int:
        """The first position from 0 on whose field is not empty."""
        return next(a for a, piece in zip(self.starts, self.pieces) if piece is not None)

    def extremes(self, taps: Taps) -> tuple[int, int] | None:
        """The least first and the greatest last over many taps (a long window over fields
        that move back and forth): they repeat, moved, every `every` taps, so only the first
        `every` or the last `every` taps can hold them."""
        first, count, gap = taps
        every = self.period // gcd(gap, self.period)
        moved = every * gap // self.period * self.shift
        head, tail = (
            (first, min(count, every)),
            (first + max(0, count - every) * gap, min(count, every)),
        )
        lo = self._scan(*(head if moved >= 0 else tail), gap, least=True)
        hi = self._scan(*(tail if moved >= 0 else head), gap, least=False)
        return None if lo is None or hi is None else (lo, hi)

    def _scan(self, first: int, count: int, gap: int, least: bool) -> int | None:
        """The least first (or greatest last) over first + t·gap for t < count, piece by piece
        where the taps are contiguous (an arithmetic piece has its extremes at its ends)."""
        best, i, end = None, first, first + count * gap
        while i < end:
            length, lo, hi = self.at(i, gap)
            n = min(length, (end - i + gap - 1) // gap)
            if lo is not None:
                value, slope = lo if least else hi  # type: ignore[misc]
                if (slope < 0) == least:
                    value += slope * (n - 1)
                if best is None or (value < best if least else value > best):
                    best = value
            i += n * gap  # type: ignore[operator]
        return best


def _input() -> _Periodic:
    """The network input: pixel o is its own field."""
    return _Periodic(1, 1, [0], [(0, 1, 0, 1)])


# a non-monotone part's taps are followed one by one up to this many; beyond, they are reduced
# to their extremes output by output
_FEW = 16


def _gather(
    part: _Periodic, reader: _Reader, o: int, limit: int, lows: list[Line], highs: list[Line]
) -> int | float:
    """Add the lines of first and last that output o's reads of `part` contribute; return how
    many outputs from o on (at most `limit`) they hold for."""
    length, step, taps = reader.stretch(o)
    first, count, gap = taps
    if count == 0:
        return length
    if part.monotone:  # the first tap has the least first, the last tap the greatest last
        n, lo = _end(part, reader, o, limit, first, step, length, last=False)
        m, hi = _end(part, reader, o, limit, first + (count - 1) * gap, step, length, last=True)
        lows.append(lo)
        highs.append(hi)
        return min(n, m)
    if count > _FEW:
        ends = part.extremes(taps)
        if ends is not None:
            lows.append((ends[0], 0))
            highs.append((ends[1], 0))
        return length if step == 0 else 1
    for i in range(first, first + count * gap, gap):
        n, lo, hi = part.at(i, step)
        length = min(length, n)
        if lo is not None:
            lows.append(lo)
            highs.append(hi)  # type: ignore[arg-type]
    return length


def _end(
    part: _Periodic,
    reader: _Reader,
    o: int,
    limit: int,
    i: int,
    step: int,
    length: int | float,
    last: bool,
) -> tuple[int | float, Line]:
    """The line of first (or `last`) that the first (last) tap, at i, of output o reads in a
    monotone part, and how many outputs it holds for.

    Where the reader's pace is not whole (an upsampling by 2 of one by 10⁶, a transposed
    convolution), its taps move evenly for one or two outputs only; but over a flat piece
    the value holds however the tap moves, as long as it stays inside, so the line then
    holds for as many outputs as the tap takes to leave the piece (found by bisection)."""
    n, lo, hi = part.at(i, step)
    line: Line = hi if last else lo  # type: ignore[assignment]
    if length < min(n, limit) and reader.monotone:  # the pace ends first
        held = _reach(reader, o, limit, part.constant_until(i, last), last)
        if held > length:
            return held, (line[0], 0)
    return min(n, length), line


def _reach(reader: _Reader, o: int, limit: int, bound: int | float, last: bool) -> int:
    """How many outputs from o on, at most `limit`, have their first (or `last`) tap before
    `bound`, for a reader whose taps never move back (o's is before it)."""

    def before(t: int) -> bool:
        _, _, (first, count, gap) = reader.stretch(o + t)
        return (first + (count - 1) * gap if last else first) < bound

    good, bad = 0, 1  # output o + good is before the bound; o + bad is the next one to try
    while bad < limit and before(bad):
        good, bad = bad, 2 * bad
    bad = min(bad, limit)
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if before(mid) else (good, mid)
    return bad


def _envelope(lows: list[Line], highs: list[Line], length: int | float) -> tuple[int, Piece]:
    """The least of the lines `lows` and the greatest of `highs` over the next `length` outputs
    as one piece, cut where another line overtakes."""
    if not lows:
        return length, None  # type: ignore[return-value]
    lo, dlo = min(lows)  # the least, then the slowest: it stays least the longest
    for value, slope in lows:
        if slope < dlo:
            length = min(length, (value - lo) // (dlo - slope) + 1)
    hi, dhi = max(highs)
    for value, slope in highs:
        if slope > dhi:
            length = min(length, (hi - value) // (slope - dhi) + 1)
    return length, (lo, dlo, hi, dhi)  # type: ignore[return-value]


def _join(a: Piece, n: int, b: Piece, m: int) -> Piece | bool:
    """Piece a (n positions long) followed by b (m long) as one piece, or False."""
    if a is None or b is None:
        return a is b
    joined = []
    for (x, dx), (y, dy) in zip((a[:2], a[2:]), (b[:2], b[2:])):
        slope = dx if n > 1 else dy if m > 1 else y - x
        if (n > 1 and dx != slope) or (m > 1 and dy != slope) or x + slope * n != y:
            return False
        joined += [x, slope]
    return tuple(joined)  # type: ignore[return-value]


def _scaled(jump: Fraction, reader: _Reader) -> Fraction:
    """The jump of what `reader` makes of fields of `jump`: times p/q, its input positions per
    output position (no Fraction arithmetic where that is 1, as for most layers)."""
    return jump if reader.p == reader.q else jump * Fraction(reader.p, reader.q)


def _period(part: _Periodic, reader: _Reader) -> tuple[int, int]:
    """The period and shift of what `reader` makes of `part`: output o + k·q reads k·p
    further on, a whole number of the part's periods once k·p is a multiple of it."""
    k = part.period // gcd(reader.p, part.period)
    return k * reader.q, k * reader.p // part.period * part.shift


def _combine(pairs: list[tuple[_Periodic, _Reader]]) -> _Periodic | None:
    """The part a layer's reads of `pairs` (parts of its sources, and the reader of each; all
    of one jump) make, or None where they read nothing anywhere."""
    period = lcm(*(_period(part, reader)[0] for part, reader in pairs))
    own, shift = _period(*pairs[0])
    shift *= period // own  # the same jump: every pair's shift over the common period
    starts: list[int] = []
    pieces: list[Piece] = []
    o = 0
    while o < period:
        length: int | float = period - o
        lows: list[Line] = []
        highs: list[Line] = []
        for part, reader in pairs:
            length = min(length, _gather(part, reader, o, period - o, lows, highs))
        n, piece = _envelope(lows, highs, length)
        joined = _join(pieces[-1], o - starts[-1], piece, n) if pieces else False
        if joined is False:
            starts.append(o)
            pieces.append(piece)
        elif joined is not True:
            pieces[-1] = joined  # type: ignore[assignment]
        o += n
    if all(piece is None for piece in pieces):
        return None
    return _Periodic(period, shift, starts, pieces)


def _read(parts_of: list[list[_Periodic]], readers: list[_Reader]) -> list[_Periodic]:
    """A layer's parts along one axis from its sources' (`parts_of`) and its readers: what each
    reader makes of each part, those of one jump combined into one part."""
    pairs = [(part, reader) for parts, reader in zip(parts_of, readers) for part in parts]
    groups = [pairs] if len(pairs) == 1 else []
    if len(pairs) > 1:
        by_jump: dict[Fraction, list[tuple[_Periodic, _Reader]]] = {}
        for part, reader in pairs:
            by_jump.setdefault(_scaled(part.jump, reader), []).append((part, reader))
        groups = list(by_jump.values())
    out = []
    for group in groups:
        if len(group) == 1 and group[0][1] is _IDENTITY:
            out.append(group[0][0])  # unchanged
        elif (part := _combine(group)) is not None:
            out.append(part)
    return out


def _largest_span(parts: list[_Periodic], n: int) -> int:
    """The largest span, last − first + 1, over positions 0..n-1 (0 if all are empty).

    Over the parts' common period, position o0 + j·period (j ≥ 0) has, in every part, fields
    moved by j times that part's shift: within one piece of every part, first and last are
    affine in (o0, j), the span is convex and its maximum is at a corner of o0's piece and
    j's range (0 up to the last j before n)."""
    if len(parts) == 1 and parts[0].period == 1:  # every field a translate of the first
        lo, _, hi, _ = parts[0].pieces[0]  # type: ignore[misc]
        return hi - lo + 1
    period = lcm(*(p.period for p in parts))
    moves = [p.shift * (period // p.period) for p in parts]
    rounds, cut = divmod(n - 1, period)  # o0 ≤ cut has positions up to j = rounds, others one less
    best, o = 0, 0
    while o < min(period, n):
        length = min(period, n) - o if o > cut else cut + 1 - o
        lines = []
        for part, move in zip(parts, moves):
            m, lo, hi = part.at(o, 1)
            length = min(length, m)
            if lo is not None:
                lines.append((lo, hi, move))
        j_last = rounds if o <= cut else rounds - 1
        for t in {0, length - 1}:
            for j in {0, j_last}:
                best = max(best, _span_at(lines, t, j))  # type: ignore[arg-type]
        o += length  # type: ignore[assignment]
    return best


def _span_at(lines: list[tuple[Line, Line, int]], t: int, j: int) -> int:
    """last − first + 1 at t positions into a stretch and j periods on, 0 for no field."""
    if not lines:
        return 0
    first = min(lo + dlo * t + move * j for (lo, dlo), _, move in lines)
    last = max(hi + dhi * t + move * j for _, (hi, dhi), move in lines)
    return last - first + 1


def _jump(jumps: list[Fraction], readers: list[_Reader]) -> Fraction:
    """The largest branch's jump (see the module docstring); a broadcast branch does not
    move and counts only where every branch is one."""
    moving = [_scaled(j, r) for j, r in zip(jumps, readers)]
    return max([j for j, r in zip(moving, readers) if not r.broadcast] or moving)


def _field(parts: list[_Periodic], n: int, jump: Fraction) -> Field | None:
    """Summarise positions 0..n-1 of a map's parts; None if none of them has a field."""
    o = min((p.first_filled() for p in parts), default=n)
    if o >= n:
        return None
    ends = [(lo[0], hi[0]) for p in parts for _, lo, hi in [p.at(o, 0)] if lo is not None]
    start = Fraction(min(lo for lo, _ in ends) + max(hi for _, hi in ends), 2)
    if o:
        start -= o * jump
    return Field(_largest_span(parts, n), jump, start)


class _Track(NamedTuple):
    """One axis of one map: its parts, its jump, its size and its Field (None for none)."""

    parts: list[_Periodic]
    jump: Fraction
    size: int
    field: Field | None


def _track(sources: list[_Track], readers: list[_Reader], n: int) -> _Track:
    """One axis of a layer's map, from that axis of its sources' maps (`readers` one each)."""
    if len(sources) == 1 and readers[0] is _IDENTITY and sources[0].size == n:
        return sources[0]  # nothing changes along this axis (an activation, a normalisation)
    parts = _read([t.parts for t in sources], readers)
    jump = _jump([t.jump for t in sources], readers)
    return _Track(parts, jump, n, _field(parts, n, jump))


def receptive_fields(analysis: Analysis) -> dict[str, tuple[Field, ...]]:
    """Each layer's receptive field, one Field per spatial axis (see the module docstring).

    Layers whose output is unknown or not a map are left out, as is everything computed from
    them. The network input has size 1, jump 1 and start 0 on every axis.
    """
    shape = analysis.input_shape
    if len(shape) < 2:
        return {}
    layouts: dict[str, Layout] = {INPUT: (None, *range(len(shape) - 1))}
    pixel = Field(1, Fraction(1), Fraction(0))
    tracks = {INPUT: [_Track([_input()], pixel.jump, n, pixel) for n in shape[1:]]}
    fields: dict[str, tuple[Field, ...]] = {}
    unread = {name: len(readers) for name, readers in analysis.flow.readers.items()}
    for name, result in analysis.layers.items():  # topological order
        sources = analysis.flow.sources[name]  # distinct, in input order
        outputs = [analysis.layers[s].output if s != INPUT else shape for s in sources]
        found = _readers(result, layouts, sources, outputs)  # type: ignore[arg-type]
        if found is not None:
            layouts[name], readers = found
            sizes = _net_sizes(result.output, layouts[name])  # type: ignore[arg-type]
            tracks[name] = [
                _track([tracks[s][x] for s in sources], [row[x] for row in readers], n)
                for x, n in enumerate(sizes)
            ]
            row = [t.field for t in tracks[name]]
            if None not in row:
                fields[name] = tuple(row)  # type: ignore[arg-type]
        for source in sources:  # a map no later layer reads is let go: memory stays small
            unread[source] -= 1
            if not unread[source]:
                tracks.pop(source, None)
    return fields
