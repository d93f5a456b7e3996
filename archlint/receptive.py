"""Receptive fields: which input pixels can influence one output pixel, per spatial axis, exact.

`receptive_fields(analysis)` gives, for every layer whose output is a map, one `Field` per
spatial axis: `size` (how many input pixels the field spans), `jump` (the distance in input
pixels between the fields of adjacent output pixels) and `start` (the input coordinate of the
centre of the first output pixel's field).

How it is computed. Each layer says, along one axis, which input positions every output
position reads (`reads`): a convolution or pooling window its taps, a transposed convolution
the inputs whose taps land on the output, an upsampling the pixels it interpolates, an adaptive
pooling PyTorch's window. The field of an output position, in network-input coordinates, is
tracked as its first and last input pixel; a layer's fields are the union of the fields of the
positions it reads, and merges (add, mul, concat) take the union over their branches. This is
done index by index over each layer's actual positions (plus the positions beyond its borders
that later layers read), so it is exact where closed-form recurrences are not: after a
transposed convolution or an upsampling, neighbouring output pixels do not have fields of the
same size, and a convolution reading them sees a field that depends on where its taps fall.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor

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


class _Reader:
    """Which input positions each output position reads, on the whole integer line."""

    scale: Fraction  # input positions per output position: the factor on the jump
    broadcast = False

    def reads(self, o: int) -> Iterable[int]:
        raise NotImplementedError

    def span(self, o: int) -> tuple[int, int] | None:
        """The first and last input position `o` reads, or None if it reads nothing."""
        read = list(self.reads(o))
        return (min(read), max(read)) if read else None

    def hull(self, a: int, b: int) -> tuple[int, int]:
        """Bounds (inclusive) on every input position read by the outputs a..b."""
        raise NotImplementedError


class _Identity(_Reader):
    scale = Fraction(1)

    def reads(self, o: int) -> Iterable[int]:
        return (o,)

    def span(self, o: int) -> tuple[int, int]:
        return o, o

    def hull(self, a: int, b: int) -> tuple[int, int]:
        return a, b


class _Constant(_Reader):
    """Every output reads the same positions first..last: a broadcast size-1 branch (0..0) or
    softmax over a spatial axis (the whole axis). Fields then do not move: jump 0."""

    scale = Fraction(0)

    def __init__(self, first: int, last: int, broadcast: bool):
        self.first, self.last, self.broadcast = first, last, broadcast

    def reads(self, o: int) -> Iterable[int]:
        return range(self.first, self.last + 1)

    def span(self, o: int) -> tuple[int, int]:
        return self.first, self.last

    def hull(self, a: int, b: int) -> tuple[int, int]:
        return self.first, self.last


class _Window(_Reader):
    """Convolution and pooling: taps o·S − P_begin + t·D for t < F."""

    def __init__(self, axis: Axis):
        self.k, self.s, self.d, self.p = axis.kernel, axis.stride, axis.dilation, axis.pad_begin
        self.scale = Fraction(self.s)

    def reads(self, o: int) -> Iterable[int]:
        base = o * self.s - self.p
        return range(base, base + (self.k - 1) * self.d + 1, self.d)

    def span(self, o: int) -> tuple[int, int]:
        base = o * self.s - self.p
        return base, base + (self.k - 1) * self.d

    def hull(self, a: int, b: int) -> tuple[int, int]:
        return self.span(a)[0], self.span(b)[1]


class _Transposed(_Reader):
    """Transposed convolution: input i reaches outputs i·S − P + t·D for t < F."""

    def __init__(self, axis: TransposedAxis):
        self.k, self.s, self.d, self.p = axis.kernel, axis.stride, axis.dilation, axis.padding
        self.scale = Fraction(1, self.s)

    def reads(self, o: int) -> Iterable[int]:
        out = []
        for t in range(self.k):
            q, r = divmod(o + self.p - t * self.d, self.s)
            if r == 0:
                out.append(q)
        return out

    def hull(self, a: int, b: int) -> tuple[int, int]:
        return (a + self.p - (self.k - 1) * self.d) // self.s, (b + self.p) // self.s


class _Adaptive(_Reader):
    """PyTorch's adaptive window of output o: [floor(o·n/m), ceil((o + 1)·n/m))."""

    def __init__(self, n: int, m: int):
        self.n, self.m = n, m
        self.scale = Fraction(n, m)

    def span(self, o: int) -> tuple[int, int]:
        return o * self.n // self.m, -(-(o + 1) * self.n // self.m) - 1

    def reads(self, o: int) -> Iterable[int]:
        first, last = self.span(o)
        return range(first, last + 1)

    def hull(self, a: int, b: int) -> tuple[int, int]:
        return self.span(a)[0], self.span(b)[1]


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
        self.scale = c

    def reads(self, o: int) -> Iterable[int]:
        x = (o + self.offset) * self.c - self.shift
        i = floor(x)
        if self.mode in ("nearest", "nearest-exact") or x == i:
            return (i,)  # one pixel, or the interpolation weights are (0,) 1, 0 (, 0)
        if self.mode == "bicubic":
            return (i - 1, i, i + 1, i + 2)
        return (i, i + 1)

    def hull(self, a: int, b: int) -> tuple[int, int]:
        # x(o) never decreases, so no output reads further out than its neighbour's taps
        return min(self.reads(a)) - 1, max(self.reads(b)) + 1


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
    out = [_Identity() for a in layout if a is not None]
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
                    row.append(_Identity())
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
    whole = {p: _Constant(0, n - 1, broadcast=False) for p, n in enumerate(shape)}
    position: dict[int, _Reader] = {}
    layer = result.layer
    if result.axes:  # a window along axes 1.. (in whatever network axis each one holds)
        position = {
            p + 1: _Transposed(a) if isinstance(a, TransposedAxis) else _Window(a)
            for p, a in enumerate(result.axes)
        }
        position[0] = whole[0]
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
        return tuple(layout[d] for d in order), [[_Identity() for a in layout if a is not None]]
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
                [_Identity() for a in layout if a is not None]
            ]
        position = {p: _Adaptive(shape[p], 1) for p in dims}  # as global pooling
    elif kind == "expand":
        position = {p: _Constant(0, 0, broadcast=True) for p in range(rank) if shape[p] != out[p]}
    elif kind in ("softmax", "log_softmax"):
        if -rank <= layer.dim < rank:
            position = {layer.dim % rank: whole[layer.dim % rank]}
    elif kind == "layernorm":
        position = {
            p: whole[p] for p in range(rank - len(_per_axis(layer.normalized_shape, 1)), rank)
        }
    elif kind in _WHOLE:
        position = {p: whole[p] for p in range(1, rank)}
    elif kind == "linear":
        if layout[-1] is not None:
            return None  # it mixes a network axis into features
        return layout, [[_Identity() for a in layout if a is not None]]
    elif not result.passthrough:
        return None  # flatten, reshape and any layer this module does not know
    if len(out) != rank:
        return None
    return layout, [_by_position(layout, position)]


# --- the computation ---------------------------------------------------------------------------


class _Track:
    """First and last network-input pixel of the field of positions a..b of one map axis."""

    __slots__ = ("a", "first", "last", "_monotone")

    def __init__(self, a: int, first: list[int | None], last: list[int | None]):
        self.a, self.first, self.last = a, first, last
        self._monotone: bool | None = None

    @property
    def monotone(self) -> bool:
        """Fields that never move backwards and are never empty: a read's span then suffices."""
        if self._monotone is None:
            f, la = self.first, self.last
            self._monotone = (
                None not in f
                and all(f[i] <= f[i + 1] for i in range(len(f) - 1))
                and all(la[i] <= la[i + 1] for i in range(len(la) - 1))
            )
        return self._monotone

    def index(self, i: int) -> int:
        j = i - self.a
        if not 0 <= j < len(self.first):
            raise AssertionError(f"receptive field: position {i} outside the tracked window")
        return j


def _compute(
    window: tuple[int, int], sources: list[tuple[_Track, _Reader]]
) -> tuple[list[int | None], list[int | None]]:
    a, b = window
    count = b - a + 1
    first: list[int | None] = [None] * count
    last: list[int | None] = [None] * count
    for track, reader in sources:
        tf, tl = track.first, track.last
        fast = track.monotone
        for j in range(count):
            o = a + j
            if fast:
                span = reader.span(o)
                if span is None:
                    continue
                lo, hi = tf[track.index(span[0])], tl[track.index(span[1])]
            else:
                lo = hi = None
                for i in reader.reads(o):
                    k = track.index(i)
                    if tf[k] is None:
                        continue
                    lo = tf[k] if lo is None or tf[k] < lo else lo
                    hi = tl[k] if hi is None or tl[k] > hi else hi
                if lo is None:
                    continue
            if first[j] is None or lo < first[j]:
                first[j] = lo
            if last[j] is None or hi > last[j]:
                last[j] = hi
    return first, last


def _field(track: _Track, n: int, jump: Fraction) -> Field | None:
    """Summarise positions 0..n-1 of a track."""
    size = 0
    start = None
    for o in range(n):
        j = o - track.a
        lo, hi = track.first[j], track.last[j]
        if lo is None:
            continue
        size = max(size, hi - lo + 1)
        if start is None:
            start = Fraction(lo + hi, 2) - o * jump
    return None if start is None else Field(size, jump, start)


def receptive_fields(analysis: Analysis) -> dict[str, tuple[Field, ...]]:
    """Each layer's receptive field, one Field per spatial axis (see the module docstring).

    Layers whose output is unknown or not a map are left out, as is everything computed from
    them. The network input has size 1, jump 1 and start 0 on every axis.
    """
    shape = analysis.input_shape
    if len(shape) < 2:
        return {}
    input_sizes = tuple(shape[1:])
    layouts: dict[str, Layout] = {INPUT: (None, *range(len(input_sizes)))}
    sizes: dict[str, tuple[int, ...]] = {INPUT: input_sizes}
    plan: dict[str, tuple[list[str], list[list[_Reader]]]] = {}
    for name, result in analysis.layers.items():  # topological order
        sources = list(dict.fromkeys(analysis.graph.predecessors(name)))
        outputs = [analysis.layers[s].output if s != INPUT else shape for s in sources]
        found = _readers(result, layouts, sources, outputs)  # type: ignore[arg-type]
        if found is not None:
            layouts[name], readers = found
            plan[name] = (sources, readers)
            sizes[name] = _net_sizes(result.output, layouts[name])  # type: ignore[arg-type]

    # the positions each map must be known at: its own, and those its readers read
    windows: dict[str, list[tuple[int, int]]] = {
        name: [(0, n - 1) for n in sizes[name]] for name in (INPUT, *plan)
    }
    for name in reversed(list(plan)):
        sources, readers = plan[name]
        for source, row in zip(sources, readers):
            for x, reader in enumerate(row):
                lo, hi = reader.hull(*windows[name][x])
                have = windows[source][x]
                windows[source][x] = (min(have[0], lo), max(have[1], hi))

    tracks: dict[str, list[_Track]] = {
        INPUT: [_Track(a, list(range(a, b + 1)), list(range(a, b + 1))) for a, b in windows[INPUT]]
    }
    jumps: dict[str, list[Fraction]] = {INPUT: [Fraction(1)] * len(input_sizes)}
    fields: dict[str, tuple[Field, ...]] = {}
    for name, (sources, readers) in plan.items():
        row_tracks, row_jumps, row_fields = [], [], []
        for x, window in enumerate(windows[name]):
            pairs = [(tracks[s][x], readers[i][x]) for i, s in enumerate(sources)]
            first, last = _compute(window, pairs)
            track = _Track(window[0], first, last)
            moving = [jumps[s][x] * readers[i][x].scale for i, s in enumerate(sources)]
            moving = [
                j for j, (_, r) in zip(moving, pairs) if not r.broadcast
            ] or moving  # a broadcast branch does not move
            jump = max(moving)
            row_tracks.append(track)
            row_jumps.append(jump)
            row_fields.append(_field(track, sizes[name][x], jump))
        tracks[name], jumps[name] = row_tracks, row_jumps
        if all(f is not None for f in row_fields):
            fields[name] = tuple(row_fields)  # type: ignore[arg-type]
    return fields
