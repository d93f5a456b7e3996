"""Input sizes a network takes without losing input, one spatial axis at a time.

A size n of one input axis (height, width, length or depth) is *valid* when the spec, with
that axis of the input set to n and every other axis as declared:

- runs: archlint's inference refuses nothing, so `archlint.check` reports no error (no
  collapsed-activation-map, no merge-mismatch of branches that disagree, no feature-mismatch
  of a declared in_features that fits one size only, no shape-error...), and every layer's
  output is known;
- and, on that axis, passes the mode's test (MODES):
  - "lossless" (the default): no convolution or pooling window floors away a row or column
    of real input, exactly when the non-integer-output rule stays quiet. A fractional output
    size that only leaves padding unread is fine: torchvision's ResNet stem gives
    (224 − 7 + 2·3)/2 + 1 = 112.5 at 224 and reads every pixel;
  - "exact": every window divides exactly, (N + P_begin + P_end − d·(F − 1) − 1)/S + 1 an
    integer, except ceil_mode pools;
  - "strict": every window divides exactly, ceil_mode pools included.

Conventions:

- **ceil_mode pools do not count** (unless "strict"). A pool with ceil_mode = true rounds its
  output up on purpose and keeps the partial last window: it reads every position. Its output
  size still feeds the layers after it, whose windows do count.
- **Only the varied axis is judged.** The other axes keep their declared sizes; whether
  they divide exactly is their own question (ask about them separately). A refusal on any axis
  makes the size invalid, though: the network would not run; except that where the other
  axes' declared sizes are what fails (a window that does not fit the declared height, say),
  the size is judged again with every axis set to it, so one broken axis does not hide the
  answer for the others.
- **Transposed convolutions, upsampling and adaptive pooling** never floor anything away, so
  they have no exactness condition of their own; they pass sizes on to the windows after them.
- **Refusals count even when suppressed**: an `ignore` silences a diagnostic, not PyTorch.
  Errors from rule plugins or a configured budget are not looked at (the built-in rules
  report as errors exactly what inference refuses, plus graph errors, which make every size
  invalid).
- Sizes run from 1 to MAX_SIZE, the largest any field accepts.

The closed form. The valid sizes come from each layer's arithmetic, not from running the
network at every size. Along the way every size that depends on n (a map's height, a
flattened length) is ⌊(a·n + b)/c⌋ (`_Lin`): a window adds its padding, takes away its extent
and floor-divides by its stride, and ⌊(⌊x/c⌋ + k)/s⌋ = ⌊(x + k·c)/(c·s)⌋, so the forms compose
without looking at n. Each layer's condition on its sizes is then one of three kinds:

- a congruence, (a·n + b) mod s ≤ t: a window that must divide exactly (t = 0), or leave only
  padding and the stride's regular gap unread ("lossless"), branches of the same rate that
  must agree, a pixel_unshuffle or a reshape that must divide;
- a threshold, monotone in n: a map that must not collapse, a pad or a slice that needs room
  (solved on the form, a·n + b ≥ c·t, so the smallest valid size needs no probing);
- an equality with a number, or between branches of different rates (an in_features, a
  normalized_shape, a merge that agrees at one size): a few sizes only, kept as such.

The sizes are carried as pieces (`_Piece`): arithmetic progressions r, r + m, ..., up to
MAX_SIZE. A congruence splits a piece into the residue classes that satisfy it, or into the
runs of consecutive sizes that do when there are fewer of those (a stride of 10⁶ on sizes up
to 10⁶); a threshold or an equality cuts it. Why floors rather than one residue class per
stride, on which every size is affine: those classes must be split at every window, so that
ResNet's five stride-2 layers, which in "lossless" mode exclude nothing, would make 32 classes
that all survive; a floor composes instead, and only a condition splits. So the work follows
the number of residue classes the answer itself has, never the magnitude of the period or of
the sizes: one step per layer and piece. Multiplying a form that floors (a transposed
convolution after a window that does not divide) is the one place a piece splits for the
arithmetic's sake, into the classes on which the form is exact.

The pieces that come through every layer are the valid sizes (with those of a second pass
with every axis varied, for the square judgement above). `_Answer` reads the report off them:
the residues, modulo the lcm of their moduli, of the pieces that run up to MAX_SIZE, reduced
to their least period, make the `Form`; it starts after the largest size where it and the
valid sizes disagree, and the valid sizes before that (a merge that agrees at one size, an
in_features that fits one) are listed as extras. The closed form restates the layers'
arithmetic, so the ground truth checks it at the declared size, the smallest valid size and
the one below it. A case it does not model (channels that depend on the size, a product of two
varying sizes that a reshape must divide, a scale factor that is no short binary fraction,
more than a few thousand residue classes), or a check it fails, falls back to judging every
size of the range, as before.

    >>> report = input_sizes(archlint.load("samples/networks/vgg16.toml").spec, "height")
    >>> report.describe()
    'height: 32·k for k ≥ 1 (32, 64, 96, …); declared 224 = 32·7 loses nothing'

The structural period (`stride_period`): along one path a window of stride s turns an exact
input size into (n − c)/s + 1, so the sizes that divide every window of a chain of strides
s1, s2, ... are one residue class modulo s1·s2·...; P is the lcm, over the windows on the
axis, of the product of the strides on the paths that lead to them. The valid sizes repeat
with a period that divides P; `input_sizes` uses P only to choose how many sizes to list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import compress
from math import ceil, floor, gcd, lcm, prod

from archlint.diagnostics import Severity
from archlint.graph import INPUT, build, input_names
from archlint.layers import (
    ELU,
    MAX_SIZE,
    Activation,
    AdaptivePool,
    Add,
    BatchNorm,
    ChannelShuffle,
    Clip,
    Concat,
    Conv,
    ConvTranspose,
    Dropout,
    Expand,
    Flatten,
    GlobalPool,
    GroupNorm,
    InstanceNorm,
    LayerNorm,
    LayerScale,
    LeakyReLU,
    Linear,
    LocalResponseNorm,
    Opaque,
    Pad,
    Permute,
    PixelShuffle,
    PixelUnshuffle,
    Pool,
    PReLU,
    Reduce,
    Reshape,
    Scale,
    Slice,
    Softmax,
    Upsample,
)
from archlint.layers.base import BATCH, LayerBase, axis_index
from archlint.spec import Spec
from archlint.windows import AXIS_NAMES, Axis, units

SPATIAL = ("depth", "height", "width", "length")  # the order of Input.shape

__all__ = [
    "Form",
    "InputSizes",
    "input_sizes",
    "nearest_valid",
    "resized",
    "spatial_axes",
    "describe",
    "stride_period",
    "valid_sizes",
    "why_not",
]


def spatial_axes(spec: Spec) -> tuple[str, ...]:
    """The spatial axes of the spec's input, in shape order: ('height', 'width') for 2-d."""
    return tuple(name for name in SPATIAL if getattr(spec.input, name) is not None)


def resized(spec: Spec, axis: str, size: int) -> Spec:
    """The spec with one axis of its input set to `size` (layers shared, not copied)."""
    return spec.model_copy(update={"input": spec.input.model_copy(update={axis: size})})


# --- ground truth: archlint's inference, one size at a time ---------------------------------


MODES = ("lossless", "exact", "strict")


class _Probe:
    """Answers "is size n valid on this axis?" for one spec, with a reason when it is not.

    The data flow is built and ordered once. A size runs the layers' own `infer` in that
    order, as archlint.inference.infer does (whose only other check, each layer's number of
    inputs, is a graph error of the spec itself), and stops at the first refusal or window
    that drops input: most invalid sizes fail within the first few layers.
    """

    def __init__(self, spec: Spec, axis: str, mode: str = "lossless"):
        axes = spatial_axes(spec)
        if axis not in axes:
            have = ", ".join(axes) or "none (the input is features)"
            raise ValueError(f"the input has no {axis!r} axis; its spatial axes: {have}")
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: use one of {', '.join(MODES)}")
        self.spec, self.axis, self.mode = spec, axis, mode
        self.position = 1 + axes.index(axis)  # in (C, *spatial)
        self.declared: int = getattr(spec.input, axis)
        self.graph, problems = build(spec)
        errors = [p for p in problems if p.kind.severity >= Severity.ERROR]
        self.broken = f"the spec itself: {errors[0].message}" if errors else None
        self.order: list[tuple[str, object, list[str]]] = []
        if self.broken is None:
            for name in self.graph.order or ():
                if name != INPUT:
                    index = self.graph.index[name]
                    layer = spec.layers[index]
                    self.order.append((name, layer, input_names(spec, index)))
        self.cache: dict[int, str | None] = {}
        self._period: int | None = None

    @property
    def period(self) -> int:
        if self._period is None:
            self._period = _period(self.spec, self.axis, self.order)
        return self._period

    def top(self, axis: Axis) -> int | None:
        """The largest remainder (N + P_begin + P_end − extent) mod stride this window may
        leave under the mode (None: any; see MODES), when it is on the judged axis.

        Flooring leaves rem = that remainder of real and right-padding positions after the
        last window; `Axis.unread` is rem − P_end − the stride's regular gap, so lossless is
        rem ≤ P_end + gap.
        """
        if axis.name != self.axis or (axis.ceil_mode and self.mode != "strict"):
            return None
        if self.mode == "lossless":
            return axis.pad_end + max(0, axis.stride - axis.extent)
        return 0

    def drops(self, axis) -> bool:
        """Whether this window makes the size invalid (see MODES)."""
        if not isinstance(axis, Axis) or axis.name != self.axis:
            return False
        if self.mode == "strict":
            return not axis.is_exact
        if axis.ceil_mode:
            return False
        return not axis.is_exact if self.mode == "exact" else axis.unread > 0

    def judge(self, name: str, output, axes, refusals) -> str | None:
        """Why one layer's result makes the size invalid, or None."""
        if refusals:
            return f"{name}: {refusals[0].finding.message}"
        for a in axes:
            if self.drops(a):
                lost = (
                    f": the last {units(a.name, a.unread)} never read"
                    if self.mode == "lossless"
                    else ""
                )
                return f"{name}: output {a.name} {a.formula()} is not an integer{lost}"
        if output is None:
            return f"{name}: output unknown"
        return None

    def why_not(self, n: int) -> str | None:
        """None when size n is valid; otherwise the first reason it is not."""
        if n in self.cache:
            return self.cache[n]
        reason = self._why_not(n)
        self.cache[n] = reason
        return reason

    def valid(self, n: int) -> bool:
        return self.why_not(n) is None

    def _why_not(self, n: int) -> str | None:
        if self.broken:
            return self.broken
        if not 1 <= n <= MAX_SIZE:
            return f"{n} is outside 1..{MAX_SIZE}"
        reason = self._attempt({self.axis: n})
        others = [a for a in spatial_axes(self.spec) if a != self.axis]
        if reason and others and self._attempt({a: n for a in (self.axis, *others)}) is None:
            return None  # the other axes' declared sizes failed, not this one: judge it square
        return reason

    def _attempt(self, sizes: dict[str, int]) -> str | None:
        """Why the spec with these input sizes is not valid on self.axis, or None."""
        axes = spatial_axes(self.spec)
        shape = list(self.spec.input.shape)
        for axis, n in sizes.items():
            shape[1 + axes.index(axis)] = n
        shapes = {INPUT: tuple(shape)}
        for name, layer, names in self.order:
            out = layer.infer([shapes[x] for x in names])
            reason = self.judge(name, out.output, out.axes, out.refusals)
            if reason:
                return reason
            shapes[name] = out.output
        return None

    def scan(self, sizes: Iterable[int]) -> Iterator[int]:
        return (n for n in sizes if self.valid(n))

    def nearest(self, size: int, within: int | None = None) -> tuple[int | None, int | None]:
        """The nearest valid sizes strictly below and strictly above `size`, by judging the
        sizes around it one by one (within 4096, or 8 periods, above it)."""
        bottom = 1 if within is None else max(1, size - within)
        below = next(self.scan(range(size - 1, bottom - 1, -1)), None)
        top = min(MAX_SIZE, size + (within or max(4096, 8 * min(self.period, 4096))))
        above = next(self.scan(range(size + 1, top + 1)), None)
        return below, above


# --- the closed form: sizes as functions of n -------------------------------------------------


class _Unsupported(Exception):
    """A layer, or a case, the closed form does not model: the sizes are judged one by one."""


_CAP = 4096  # the most pieces a condition may split a piece into, or a pass may carry


@dataclass(frozen=True)
class _Lin:
    """⌊(a·n + b)/c⌋, a size that depends on the input size n (a, c > 0, gcd(a, c) = 1)."""

    a: int
    b: int
    c: int = 1

    def __call__(self, n: int) -> int:
        return (self.a * n + self.b) // self.c


def _lin(a: int, b: int, c: int = 1) -> _Lin | int:
    """The form in lowest terms, or the number it is when a = 0.

    ⌊(g·a'·n + b)/(g·c')⌋ = ⌊(a'·n + ⌊b/g⌋)/c'⌋, since a'·n is a whole number.
    """
    if a == 0:
        return b // c
    g = gcd(a, c)
    return _Lin(a // g, b // g, c // g)


@dataclass(frozen=True)
class _Prod:
    """k·F1·F2·…: the product of two or more varying sizes (a flatten of a map whose axes all
    vary), which only an equality with a number may read (an in_features)."""

    k: int
    factors: tuple[_Lin, ...]

    def __call__(self, n: int) -> int:
        return self.k * prod(f(n) for f in self.factors)


Entry = int | _Lin | _Prod  # one axis of a shape along the way


def _plus(e: Entry, k: int) -> Entry:
    if k == 0:
        return e
    if isinstance(e, int):
        return e + k
    if isinstance(e, _Prod):
        raise _Unsupported("a product of varying sizes, added to")
    return _Lin(e.a, e.b + k * e.c, e.c)


def _over(e: Entry, s: int) -> Entry:
    """⌊e/s⌋."""
    if s == 1:
        return e
    if isinstance(e, int):
        return e // s
    if isinstance(e, _Prod):
        raise _Unsupported("a product of varying sizes, divided")
    return _lin(e.a, e.b, e.c * s)


@dataclass(frozen=True)
class _Piece:
    """The input sizes r, r + m, ..., r + m·k: an arithmetic progression whose sizes the layers
    so far treat alike (every form is one form on it)."""

    r: int
    m: int
    k: int

    @property
    def last(self) -> int:
        return self.r + self.m * self.k

    def at(self, i: int) -> int:
        return self.r + self.m * i

    def __contains__(self, n: int) -> bool:
        return self.r <= n <= self.last and (n - self.r) % self.m == 0

    def part(self, i: int, j: int) -> _Piece | None:
        """The members from the i-th to the j-th."""
        i, j = max(i, 0), min(j, self.k)
        return _Piece(self.at(i), self.m, j - i) if i <= j else None

    def between(self, lo: int | None = None, hi: int | None = None) -> _Piece | None:
        """The members n with lo ≤ n ≤ hi."""
        i = 0 if lo is None else -((self.r - lo) // self.m)
        return self.part(i, self.k if hi is None else (hi - self.r) // self.m)

    def every(self, t: int, j: int) -> _Piece | None:
        """The j-th member and every t-th after it: a residue class of the piece."""
        return _Piece(self.at(j), self.m * t, (self.k - j) // t) if 0 <= j <= self.k else None

    def below(self, x: int) -> int | None:
        """The largest member under x."""
        return self.at(min(self.k, (x - 1 - self.r) // self.m)) if x > self.r else None

    def above(self, x: int) -> int | None:
        """The smallest member over x."""
        return self.at(max(0, (x - self.r) // self.m + 1)) if x < self.last else None


def _settled(piece: _Piece, e: Entry) -> Entry:
    """The entry as a number when it is one on the piece (the forms are monotone)."""
    if isinstance(e, int):
        return e
    first = e(piece.r)
    return first if e(piece.last) == first else e


def _first(piece: _Piece, test: Callable[[int], bool]) -> int:
    """The index of the first member that passes a test its members fail and then pass."""
    lo, hi = 0, piece.k + 1
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if test(piece.at(mid)) else (mid + 1, hi)
    return lo


def _at_least(piece: _Piece | None, e: Entry, t: int) -> _Piece | None:
    """The members where e ≥ t: a·n + b ≥ t·c, n ≥ ⌈(t·c − b)/a⌉."""
    if piece is None or isinstance(e, int):
        return piece if isinstance(e, int) and e >= t else None
    if e(piece.r) >= t:  # e grows with n
        return piece
    if isinstance(e, _Lin):
        return piece.between(-((e.b - t * e.c) // e.a))
    return piece.part(_first(piece, lambda n: e(n) >= t), piece.k)


def _at_most(piece: _Piece | None, e: Entry, t: int) -> _Piece | None:
    """The members where e ≤ t: a·n + b < (t + 1)·c."""
    if piece is None or isinstance(e, int):
        return piece if isinstance(e, int) and e <= t else None
    if e(piece.last) <= t:
        return piece
    if isinstance(e, _Lin):
        return piece.between(None, ((t + 1) * e.c - 1 - e.b) // e.a)
    return piece.part(0, _first(piece, lambda n: e(n) > t) - 1)


def _equal_to(piece: _Piece | None, e: Entry, v: int) -> _Piece | None:
    """The members where e = v: a run, since e is monotone."""
    return _at_most(_at_least(piece, e, v), e, v)


def _keep(piece: _Piece, a: int, b: int, s: int, top: int) -> list[_Piece]:
    """The members n with (a·n + b) mod s ≤ top, as the residue classes of the piece that
    satisfy it or as the runs of members that do, whichever are fewer.

    On the i-th member a·n + b = A·i + B. Modulo s, A·i takes the multiples of g = gcd(A, s),
    with period t = s/g in i: the classes are the i ≡ (v − B)/g · (A/g)⁻¹ (mod t) for the v ≤
    top with v ≡ B (mod g). The runs are where A·i + B falls in [j·s, j·s + top], one per j.
    """
    if top >= s - 1:
        return [piece]
    if top < 0:
        return []
    big_a, big_b = a * piece.m, a * piece.r + b
    g = gcd(big_a, s)
    t = s // g
    if t == 1:
        return [piece] if big_b % s <= top else []
    first = big_b % g
    classes = 0 if first > top else (top - first) // g + 1
    lo, hi = -((top - big_b) // s), (big_a * piece.k + big_b) // s
    if min(classes, hi - lo + 1) > _CAP:
        raise _Unsupported("too many classes of sizes")
    if classes <= hi - lo + 1:
        inverse = pow(big_a // g, -1, t)
        found = (piece.every(t, (v - big_b) // g * inverse % t) for v in range(first, top + 1, g))
    else:
        found = (
            piece.part(-((big_b - j * s) // big_a), (j * s + top - big_b) // big_a)
            for j in range(lo, hi + 1)
        )
    return [q for q in found if q is not None]


def _mod(piece: _Piece, e: Entry, shift: int, s: int, top: int) -> list[_Piece]:
    """The members where (e + shift) mod s ≤ top.

    With e = ⌊x/c⌋, ⌊x/c⌋ mod s = ⌊(x mod c·s)/c⌋, so this is (x mod c·s) < c·(top + 1).
    """
    if top >= s - 1:
        return [piece]
    if isinstance(e, int):
        return [piece] if (e + shift) % s <= top else []
    if isinstance(e, _Prod):
        raise _Unsupported("a product of varying sizes, divided")
    return _keep(piece, e.a, e.b + shift * e.c, e.c * s, e.c * (top + 1) - 1)


def _exact(piece: _Piece, e: Entry) -> list[tuple[_Piece, Entry]]:
    """The piece split where needed so that e is exact on each part, (a·n + b − ρ)/c with one
    remainder ρ: the classes modulo c/gcd(c, a·m), or the runs where e is one number."""
    if not isinstance(e, _Lin) or (e.a * piece.m) % e.c == 0:
        return [(piece, e)]
    t = e.c // gcd(e.c, e.a * piece.m)
    low, high = e(piece.r), e(piece.last)
    if min(t, high - low + 1) > _CAP:
        raise _Unsupported("too many classes of sizes")
    if high - low + 1 <= t:
        return [(q, v) for v in range(low, high + 1) if (q := _equal_to(piece, e, v))]
    return [(q, e) for j in range(t) if (q := piece.every(t, j))]


def _numerator(piece: _Piece, e: _Lin) -> tuple[int, int]:
    """(a, b − ρ): e = (a·n + b − ρ)/c exactly on a piece where it is exact."""
    return e.a, e.b - (e.a * piece.r + e.b) % e.c


def _times(piece: _Piece, e: Entry, u: int) -> list[tuple[_Piece, Entry]]:
    """u·e: exact forms scale; a form that floors is made exact first."""
    if isinstance(e, int) or u == 1:
        return [(piece, e * u if isinstance(e, int) else e)]
    if isinstance(e, _Prod):
        return [(piece, _Prod(e.k * u, e.factors))]
    out = []
    for q, f in _exact(piece, e):
        if isinstance(f, int):
            out.append((q, f * u))
        else:
            a, b = _numerator(q, f)
            out.append((q, _lin(u * a, u * b, f.c)))
    return out


def _sum(piece: _Piece, entries: Iterable[Entry]) -> list[tuple[_Piece, Entry]]:
    """The sum of sizes (a concat along that axis), over a common denominator once exact."""
    cases: list[tuple[_Piece, int, list[_Lin]]] = [(piece, 0, [])]
    for e in entries:
        if isinstance(e, _Prod):
            raise _Unsupported("a product of varying sizes, added to")
        cases = [
            (q, total + f, forms) if isinstance(f, int) else (q, total, [*forms, f])
            for p, total, forms in cases
            for q, f in _exact(p, e)
        ]
    out = []
    for p, total, forms in cases:
        c = lcm(*(f.c for f in forms))
        parts = [_numerator(p, f) for f in forms]
        a = sum(fa * (c // f.c) for (fa, _), f in zip(parts, forms))
        b = sum(fb * (c // f.c) for (_, fb), f in zip(parts, forms))
        out.append((p, _lin(a, b + total * c, c)))
    return out


def _product(piece: _Piece, entries: Iterable[Entry]) -> list[tuple[_Piece, Entry]]:
    """The product of sizes (a flatten or a reshape): a form times a number, or a _Prod."""
    k, forms = 1, []
    for e in entries:
        if isinstance(e, int):
            k *= e
        elif isinstance(e, _Prod):
            k, forms = k * e.k, [*forms, *e.factors]
        else:
            forms.append(e)
    if len(forms) <= 1:
        return _times(piece, forms[0], k) if forms else [(piece, k)]
    return [(piece, _Prod(k, tuple(forms)))]


def _same(piece: _Piece, e: Entry, f: Entry) -> list[_Piece]:
    """The members where two sizes agree.

    Forms of one rate a/c, ⌊(a·n + b)/c⌋ and ⌊(a·n + b + d)/c⌋, agree where no multiple of c
    lies in between: a congruence. Forms of two rates agree only where their difference,
    within 1 of (a/c − a'/c')·n + (b/c − b'/c'), is under 1: a few sizes, tried one by one.
    """
    if e == f:
        return [piece]
    if isinstance(e, int) or isinstance(f, int):
        e, f = (e, f) if isinstance(f, int) else (f, e)
        return [q] if (q := _equal_to(piece, e, f)) else []
    if isinstance(e, _Prod) or isinstance(f, _Prod):
        raise _Unsupported("a product of varying sizes, compared")
    if (e.a, e.c) == (f.a, f.c):
        low, high = sorted((e.b, f.b))
        return _keep(piece, e.a, low, e.c, e.c - 1 - (high - low))
    slope = Fraction(e.a, e.c) - Fraction(f.a, f.c)
    offset = Fraction(e.b, e.c) - Fraction(f.b, f.c)
    if slope < 0:
        slope, offset = -slope, -offset
    near = piece.between(floor((-1 - offset) / slope) + 1, ceil((1 - offset) / slope) - 1)
    if near is None:
        return []
    if near.k >= _CAP:
        raise _Unsupported("branches of different rates that agree on many sizes")
    return [_Piece(n, 1, 0) for n in map(near.at, range(near.k + 1)) if e(n) == f(n)]


def _all_same(piece: _Piece, entries: Iterable[Entry]) -> list[_Piece]:
    first, *rest = dict.fromkeys(entries)
    pieces = [piece]
    for e in rest:
        pieces = [q for p in pieces for q in _same(p, first, e)]
    return pieces


def _broadcast_at(piece: _Piece, entries: list[Entry]) -> list[tuple[_Piece, Entry]]:
    """Where the sizes meeting at one position of an add broadcast (each is 1, or all that are
    not are equal), and the size that comes out."""
    numbers = {e for e in entries if isinstance(e, int)} - {1}
    forms = list(dict.fromkeys(e for e in entries if not isinstance(e, int)))
    if len(numbers) > 1:
        return []
    if numbers:
        (v,) = numbers
        pieces = [piece]
        for f in forms:
            pieces = [q for p in pieces for w in (1, v) if (q := _equal_to(p, f, w))]
        return [(p, v) for p in pieces]
    if len(forms) == 1:
        return [(piece, forms[0])]  # where it is 1, 1 comes out: the form still
    cases: list[tuple[_Piece, list[Entry]]] = [(piece, [])]
    for f in forms:  # where each is 1, and where it is more
        cases = [
            (q, wide)
            for p, big in cases
            for q, wide in ((_equal_to(p, f, 1), big), (_at_least(p, f, 2), [*big, f]))
            if q
        ]
    return [(q, big[0] if big else 1) for p, big in cases for q in _all_same(p, big or [1])]


# --- each layer's arithmetic on the forms -----------------------------------------------------

_SENTINEL = 10**30  # stand-in sizes: far above any real one, so a layer cannot collapse them

Shape = tuple[Entry, ...]
Cases = list[tuple[_Piece, Shape]]


def _put(shape: Shape, i: int, e: Entry) -> Shape:
    return (*shape[:i], e, *shape[i + 1 :])


class _Pass:
    """One pass of the closed form through the network: the pieces of input sizes whose every
    layer's arithmetic comes out valid, with `varied` positions of the input shape set to n.

    A layer whose inputs do not depend on n runs its own `infer`; so does one that only moves
    sizes about (activations, permute, linear...), on stand-ins for the sizes that vary; one
    that computes with them has a handler (`_HANDLERS`) that does its arithmetic on the forms.
    """

    def __init__(self, probe: _Probe, varied: Iterable[int]):
        self.probe = probe
        shape = list(probe.spec.input.shape)
        for i in varied:
            shape[i] = _Lin(1, 0)
        self.shape = tuple(shape)
        self.results: dict = {}  # (settings, shapes) -> the inference, for alike layers
        self.settings: dict[int, tuple] = {}  # id(layer) -> its settings

    def run(self) -> list[_Piece]:
        order = self.probe.order
        last = {x: i for i, (_, _, names) in enumerate(order) for x in names}
        done: dict[int, list[str]] = {}
        for i, (name, _, _) in enumerate(order):  # a map is dropped after its last reader
            done.setdefault(last.get(name, i), []).append(name)
        done.setdefault(last.get(INPUT, -1), []).append(INPUT)
        runs = [(_Piece(1, 1, MAX_SIZE - 1), {INPUT: self.shape})]
        for i, (name, layer, names) in enumerate(order):
            after = []
            for piece, shapes in runs:
                outs = self.step(piece, name, layer, [shapes[x] for x in names])
                for sub, out in outs:
                    mine = shapes if len(outs) == 1 else dict(shapes)
                    mine[name] = out
                    if sub != piece:  # a form may be one number on the part
                        for x in list(mine):
                            mine[x] = _settle(sub, mine[x])
                    after.append((sub, mine))
            for x in done.get(i, ()):
                for _, shapes in after:
                    del shapes[x]
            if len(after) > _CAP:
                raise _Unsupported("too many classes of sizes")
            runs = after
        return [piece for piece, _ in runs]

    def step(self, piece: _Piece, name: str, layer, inputs: list[Shape]) -> Cases:
        if type(layer).infer is LayerBase.infer:  # an activation, dropout...: a shape passes
            return [(piece, inputs[0])]
        if all(type(e) is int for shape in inputs for e in shape):
            out = self.infer(layer, inputs)
            if self.probe.judge(name, out.output, out.axes, out.refusals):
                return []
            return [(piece, out.output)]
        handler = _HANDLERS.get(type(layer))
        if handler is None:
            raise _Unsupported(f"layer type {layer.type}")
        return handler(self, piece, layer, inputs)

    def infer(self, layer, inputs: list[tuple[int, ...]]):
        """The layer's own inference on these shapes: once for layers of the same settings
        (a chain repeats one block), and for all the pieces."""
        settings = self.settings.get(id(layer))
        if settings is None:
            settings = self.settings[id(layer)] = _settings(layer)
        key = (settings, *inputs)
        out = self.results.get(key)
        if out is None:
            out = self.results[key] = layer.infer(inputs)
        return out

    def stand_in(self, layer, shape: Shape):
        """The layer's inference with each varying size replaced by a stand-in of its own."""
        return self.infer(layer, [_stand_in(shape)])

    def moved(self, layer, shape: Shape) -> Shape | None:
        """What a layer that only moves, keeps or drops sizes makes of the shape (None where it
        refuses): the stand-ins it puts out are the forms they stood for."""
        out = self.stand_in(layer, shape)
        if out.refusals or out.output is None:
            return None
        back = {_SENTINEL + i: e for i, e in enumerate(shape) if type(e) is not int}
        if any(v >= _SENTINEL // 2 and v not in back for v in out.output):
            raise _Unsupported(f"{layer.type} computes with a varying size")
        return tuple(back.get(v, v) for v in out.output)

    def window(self, piece: _Piece, e: Entry, axis: Axis, least: int) -> list[tuple]:
        """A convolution or pooling window on a varying size: the pieces where it has `least`
        positions, divides as the mode wants and does not collapse; and its output.

        The output is ⌊(N + P_begin + P_end − extent)/S⌋ + 1; with ceil_mode PyTorch rounds up
        and then drops a last window that starts past the input and its left padding, which
        comes to ⌊(span + t − 1)/S⌋ + 1 with t = extent − P_end, clamped to 0..S.
        """
        shift = axis.pad_begin + axis.pad_end - axis.extent  # span = N + shift
        pieces = [piece] if least <= 1 else [q] if (q := _at_least(piece, e, least)) else []
        top = self.probe.top(axis)
        if top is not None and top < axis.stride - 1:
            pieces = [q for p in pieces for q in _mod(p, e, shift, axis.stride, top)]
        rounding = min(axis.stride, max(0, axis.extent - axis.pad_end)) - 1 if axis.ceil_mode else 0
        out = _plus(_over(_plus(e, shift + rounding), axis.stride), 1)
        return [(q, out) for p in pieces if (q := _at_least(p, out, 1))]


_FIELDS: dict[type, tuple[str, ...]] = {}  # a layer type's settings: what infer reads


def _settings(layer) -> tuple:
    """The layer's type and settings, as a key (a name does not change the arithmetic)."""
    kind = type(layer)
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(k for k in kind.model_fields if k not in ("name", "inputs", "ignore"))
    values = tuple(map(layer.__dict__.__getitem__, _FIELDS[kind]))
    try:
        hash(values)
    except TypeError:  # per-axis lists
        values = _frozen(values)
    return kind, values


def _frozen(value):
    return tuple(map(_frozen, value)) if isinstance(value, list | tuple) else value


def _settle(piece: _Piece, shape: Shape) -> Shape:
    """The shape with each form that is one number on the piece as that number."""
    if all(type(e) is int for e in shape):
        return shape
    return tuple(_settled(piece, e) for e in shape)


def _stand_in(shape: Shape) -> tuple[int, ...]:
    return tuple(e if isinstance(e, int) else _SENTINEL + i for i, e in enumerate(shape))


def _each(cases: list[tuple[_Piece, tuple]], i: int, split) -> list[tuple[_Piece, tuple]]:
    """Apply a split of entry i to every case: split(piece, entry) -> [(piece, new entry)]."""
    return [(q, _put(s, i, e)) for p, s in cases for q, e in split(p, s[i])]


def _windows(pass_: _Pass, piece: _Piece, layer: Conv | Pool, inputs: list[Shape]) -> Cases:
    """Conv and Pool: each varying axis through `_Pass.window`; the rest is their own infer."""
    (shape,) = inputs
    if isinstance(layer, Conv) and not isinstance(shape[0], int):
        raise _Unsupported("channels that depend on the size")
    out = pass_.stand_in(layer, shape)
    if out.refusals or out.output is None:
        return []
    cases = [(piece, (shape[0] if isinstance(layer, Pool) else out.output[0], *shape[1:]))]
    for i, (axis, e) in enumerate(zip(out.axes, shape[1:]), 1):
        if isinstance(e, int):
            if pass_.probe.drops(axis):
                return []
            cases = [(p, _put(s, i, axis.out)) for p, s in cases]
        else:
            least = _least_input(layer, axis)
            cases = _each(cases, i, lambda p, e, a=axis, n=least: pass_.window(p, e, a, n))
    return cases


def _least_input(layer: Conv | Pool, axis: Axis) -> int:
    """The smallest input size the layer takes on the axis, padding and collapse aside."""
    if isinstance(layer, Conv) and layer.padding_mode == "reflect":
        return max(axis.pad_begin, axis.pad_end) + 1
    if isinstance(layer, Conv) and layer.padding_mode == "circular":
        return max(axis.pad_begin, axis.pad_end)
    if layer.type == "avgpool3d":
        return axis.kernel  # avg_pool3d checks the input before padding
    return 1


def _transposed(pass_: _Pass, piece: _Piece, layer: ConvTranspose, inputs: list[Shape]) -> Cases:
    """(N − 1)·S − 2·P + d·(F − 1) + output_padding + 1, which must be at least 1."""
    (shape,) = inputs
    if not isinstance(shape[0], int):
        raise _Unsupported("channels that depend on the size")
    out = pass_.stand_in(layer, shape)
    if out.refusals or out.output is None:
        return []
    cases = [(piece, (out.output[0], *shape[1:]))]
    for i, (axis, e) in enumerate(zip(out.axes, shape[1:]), 1):
        if isinstance(e, int):
            cases = [(p, _put(s, i, axis.out)) for p, s in cases]
            continue
        extra = -axis.stride - 2 * axis.padding + axis.dilation * (axis.kernel - 1)
        extra += axis.output_padding + 1

        def scaled(p, e, axis=axis, extra=extra):
            grown = [(q, _plus(f, extra)) for q, f in _times(p, e, axis.stride)]
            return [(r, f) for q, f in grown if (r := _at_least(q, f, 1))]

        cases = _each(cases, i, scaled)
    return cases


def _upsample(pass_: _Pass, piece: _Piece, layer: Upsample, inputs: list[Shape]) -> Cases:
    """⌊N·f⌋ by a scale factor f = p/q, as PyTorch computes it in floating point: exactly
    when q is a small power of two and N·p < 2⁵³. To a size, sizes only move."""
    if layer.size is not None:
        return _move(pass_, piece, layer, inputs)
    (shape,) = inputs
    out = pass_.stand_in(layer, shape)
    if out.refusals or out.output is None:
        return []
    factors = layer.scale_factor
    factors = factors if isinstance(factors, list) else [factors] * (len(shape) - 1)
    done = [o if isinstance(e, int) else e for o, e in zip(out.output[1:], shape[1:])]
    cases = [(piece, (shape[0], *done))]
    for i, (f, e) in enumerate(zip(factors, shape[1:]), 1):
        if not isinstance(e, int):
            p, q = f.as_integer_ratio()
            if q > 1 << 16:
                raise _Unsupported(f"scale_factor {f}")
            cases = _each(cases, i, lambda piece, e, p=p, q=q: _scaled_by(piece, e, p, q))
    return cases


def _scaled_by(piece: _Piece, e: Entry, p: int, q: int) -> list[tuple[_Piece, Entry]]:
    """⌊e·p/q⌋, where it is at least 1."""
    out = []
    for r, g in _times(piece, e, p):
        if isinstance(g, _Prod) or (g if isinstance(g, int) else g(r.last)) >= 1 << 53:
            raise _Unsupported("a size beyond floating point")
        h = _over(g, q)
        if (s := _at_least(r, h, 1)) is not None:
            out.append((s, h))
    return out


def _pixel_shuffle(pass_: _Pass, piece: _Piece, layer: PixelShuffle, inputs) -> Cases:
    """(C·r², H, W) to (C, H·r, W·r); the channels must divide by r²."""
    (shape,) = inputs
    r = layer.upscale_factor
    if len(shape) < 3:
        return []
    if not isinstance(shape[-3], int):
        raise _Unsupported("channels that depend on the size")
    if shape[-3] % (r * r):
        return []
    cases = [(piece, _put(shape, len(shape) - 3, shape[-3] // (r * r)))]
    for i in (len(shape) - 2, len(shape) - 1):
        cases = _each(cases, i, lambda p, e: _times(p, e, r))
    return cases


def _pixel_unshuffle(pass_: _Pass, piece: _Piece, layer: PixelUnshuffle, inputs) -> Cases:
    """(C, H·r, W·r) to (C·r², H, W); H and W must divide by r."""
    (shape,) = inputs
    r = layer.downscale_factor
    if len(shape) < 3:
        return []
    cases = _each([(piece, shape)], len(shape) - 3, lambda p, e: _times(p, e, r * r))
    for i in (len(shape) - 2, len(shape) - 1):
        cases = _each(cases, i, lambda p, e: [(q, _over(e, r)) for q in _mod(p, e, 0, r, 0)])
    return cases


def _slice(pass_: _Pass, piece: _Piece, layer: Slice, inputs: list[Shape]) -> Cases:
    """len(range(start, end, step)) on a varying size N: start and end are each a number or
    N plus one (clamped into 0..N), so between the breakpoints the length is a constant,
    ⌈(N + k)/step⌉ or ⌈(k − N)/step⌉, which must be at least 1."""
    (shape,) = inputs
    i = axis_index(layer.dim, len(shape))
    if i is None or isinstance(shape[i], int):
        return _move(pass_, piece, layer, inputs)
    e = shape[i]
    marks = sorted({abs(x) for x in (layer.start, layer.end) if x is not None})
    bands = [_at_most(piece, e, marks[0] - 1)] if marks else [piece]
    bands += [_at_most(_at_least(piece, e, lo), e, hi - 1) for lo, hi in zip(marks, marks[1:])]
    bands += [_at_least(piece, e, marks[-1])] if marks else []
    out = []
    for band in filter(None, bands):
        size = e(band.r)  # the band's breakpoints are all on one side of its sizes
        (cs, ks), (ce, ke) = _clamped(layer.start, size, False), _clamped(layer.end, size, True)
        room, step = ke - ks, layer.step  # end − start = (ce − cs)·N + room
        if ce == cs:
            if room > 0:
                out.append((band, _put(shape, i, -(-room // step))))
        elif ce > cs:
            kept = _over(_plus(e, room + step - 1), step)
            if (q := _at_least(band, kept, 1)) is not None:
                out.append((q, _put(shape, i, kept)))
        else:
            out += [(q, _put(shape, i, v)) for q, v in _shrinking(band, e, room, step)]
    return out


def _shrinking(piece: _Piece, e: Entry, room: int, step: int) -> list[tuple[_Piece, int]]:
    """⌈(room − N)/step⌉ (x[-k:j] keeps less of a longer axis), which must be at least 1: one
    number on each run of sizes, j where room − j·step ≤ N < room − (j − 1)·step."""
    piece = _at_most(piece, e, room - 1)
    if piece is None:
        return []
    most, least = -((e(piece.r) - room) // step), -((e(piece.last) - room) // step)
    if most - least >= _CAP:
        raise _Unsupported("a slice that shrinks over too many sizes")
    runs = ((_at_least(_at_most(piece, e, room - (j - 1) * step - 1), e, room - j * step), j)
            for j in range(least, most + 1))  # fmt: skip
    return [(q, j) for q, j in runs if q is not None]


def _clamped(bound: int | None, size: int, end: bool) -> tuple[int, int]:
    """A slice bound as (1, k) for N + k, or (0, k) for the number k, at sizes like `size`
    (None: N for an end, 0 for a start)."""
    if bound is None:
        return (1, 0) if end else (0, 0)
    if bound >= 0:
        return (0, bound) if size >= bound else (1, 0)
    return (1, bound) if size + bound >= 0 else (0, 0)


def _pad(pass_: _Pass, piece: _Piece, layer: Pad, inputs: list[Shape]) -> Cases:
    """F.pad: N + begin + end, with the room each mode needs (reflect: more than the pad;
    circular: at least the pad; a crop at most N) and something left."""
    (shape,) = inputs
    out = pass_.stand_in(layer, shape)
    if out.refusals or out.output is None:
        return []
    cases = [(piece, shape)]
    for k in range(len(layer.pad) // 2):
        i = len(shape) - 1 - k
        begin, end = layer.pad[2 * k], layer.pad[2 * k + 1]
        if isinstance(shape[i], int):
            cases = [(p, _put(s, i, out.output[i])) for p, s in cases]
            continue
        least = 1 - begin - end
        if layer.mode == "reflect":
            least = max(least, max(begin, end) + 1)
        if layer.mode == "circular":
            least = max(least, max(begin, end))
        if layer.mode in ("constant", "circular"):
            least = max(least, -min(begin, end))
        cases = [
            (q, _put(s, i, _plus(s[i], begin + end)))
            for p, s in cases
            if (q := _at_least(p, s[i], least))
        ]
    return cases


def _add(pass_: _Pass, piece: _Piece, layer: Add, inputs: list[Shape]) -> Cases:
    """Broadcasting, as PyTorch with the batch axis put back in front (see layers.base)."""
    if len(inputs) == 1:
        return _move(pass_, piece, layer, inputs)
    batched = [(BATCH, *s) for s in inputs]
    rank = max(map(len, batched))
    cases: list[tuple[_Piece, tuple]] = [(piece, ())]
    for i in range(rank):
        meeting = [s[i - rank + len(s)] for s in batched if i - rank + len(s) >= 0]
        cases = [(q, (*out, e)) for p, out in cases for q, e in _broadcast_at(p, meeting)]
    return [(p, out[1:]) for p, out in cases if BATCH not in out[1:]]


def _concat(pass_: _Pass, piece: _Piece, layer: Concat, inputs: list[Shape]) -> Cases:
    """Every other axis equal; along `dim`, the sum."""
    first = inputs[0]
    along = axis_index(layer.dim, len(first))
    if along is None or any(len(s) != len(first) for s in inputs):
        return []
    cases: list[tuple[_Piece, tuple]] = [(piece, ())]
    for i in range(len(first)):
        column = [s[i] for s in inputs]
        if i == along:
            cases = [(q, (*out, e)) for p, out in cases for q, e in _sum(p, column)]
        else:
            cases = [(q, (*out, column[0])) for p, out in cases for q in _all_same(p, column)]
    return cases


def _flatten(pass_: _Pass, piece: _Piece, layer: Flatten, inputs: list[Shape]) -> Cases:
    (shape,) = inputs
    start = axis_index(layer.start_dim, len(shape))
    end = axis_index(layer.end_dim, len(shape))
    if start is None or end is None or start > end:
        return []
    return [
        (p, (*shape[:start], e, *shape[end + 1 :]))
        for p, e in _product(piece, shape[start : end + 1])
    ]


def _reshape(pass_: _Pass, piece: _Piece, layer: Reshape, inputs: list[Shape]) -> Cases:
    """The total must divide by the sizes given (with a -1) or equal their product."""
    (shape,) = inputs
    targets = tuple(layer.shape)
    if targets.count(-1) > 1:
        return []
    known = prod(t for t in targets if t != -1)
    k = prod(e for e in shape if isinstance(e, int))
    forms = [e for e in shape if not isinstance(e, int)]
    if -1 not in targets:
        if len(forms) == 1:
            q = _equal_to(piece, forms[0], known // k) if known % k == 0 else None
        else:
            ((_, total),) = _product(piece, shape)
            q = _equal_to(piece, total, known)
        return [(q, targets)] if q else []
    g = gcd(k, known)  # k·F divides by known where F divides by known/g
    i = targets.index(-1)
    if len(forms) > 1:  # a product: only where known divides the number in it
        if g < known:
            raise _Unsupported("a product of varying sizes, divided")
        ((_, total),) = _product(piece, shape)
        return [(piece, _put(targets, i, _Prod(total.k // known, total.factors)))]
    return [
        (q, _put(targets, i, e))
        for p in _mod(piece, forms[0], 0, known // g, 0)
        for q, e in _times(p, _over(forms[0], known // g), k // g)
    ]


def _instance_norm(pass_: _Pass, piece: _Piece, layer: InstanceNorm, inputs) -> Cases:
    """A map of one position is refused: where every spatial size is 1."""
    (shape,) = inputs
    spatial = shape[1:]
    if spatial and all(e == 1 for e in spatial if isinstance(e, int)):
        ones = [_equal_to(piece, e, 1) for e in spatial if not isinstance(e, int)]
        if all(ones):
            lo, hi = max(q.r for q in ones), min(q.last for q in ones)
            if lo <= hi:
                parts = [piece.between(None, lo - 1), piece.between(hi + 1)]
                return [c for p in parts if p for c in _move(pass_, p, layer, inputs)]
    return _move(pass_, piece, layer, inputs)


# What layers that move sizes compare with numbers: {position: the sizes it may have}.


def _needs_nothing(layer, shape: Shape) -> dict[int, set[int]]:
    return {}


def _needs_in_features(layer: Linear, shape: Shape) -> dict[int, set[int]]:
    return {len(shape) - 1: {layer.in_features}} if layer.in_features else {}


def _needs_num_features(layer: BatchNorm | InstanceNorm, shape: Shape) -> dict[int, set[int]]:
    return {0: {layer.num_features}} if layer.num_features else {}


def _needs_num_parameters(layer: PReLU, shape: Shape) -> dict[int, set[int]]:
    return {} if layer.num_parameters == 1 else {0: {layer.num_parameters}}


def _needs_layer_scale(layer: LayerScale, shape: Shape) -> dict[int, set[int]]:
    i = axis_index(layer.dim, len(shape))
    return {} if i is None or layer.num_features in (None, 1) else {i: {layer.num_features}}


def _needs_normalized_shape(layer: LayerNorm, shape: Shape) -> dict[int, set[int]]:
    wanted = layer.normalized_shape
    wanted = wanted if isinstance(wanted, list) else [wanted]
    start = len(shape) - len(wanted)
    return {start + i: {w} for i, w in enumerate(wanted)} if start >= 0 else {}


def _needs_expand(layer: Expand, shape: Shape) -> dict[int, set[int]]:
    if len(layer.shape) != len(shape):
        return {}
    return {i: {1, w} for i, w in enumerate(layer.shape) if w != -1}


def _needs_fixed_channels(layer: GroupNorm | ChannelShuffle, shape: Shape) -> dict:
    if not isinstance(shape[0], int):  # they divide the channels
        raise _Unsupported("channels that depend on the size")
    return {}


def _moving(needs: Callable[..., dict[int, set[int]]]):
    """The handler of a layer that moves, keeps or drops sizes: the pieces where the sizes it
    compares have one of the values it needs (each then that number), through `_Pass.moved`."""

    def handle(pass_: _Pass, piece: _Piece, layer, inputs: list[Shape]) -> Cases:
        (shape,) = inputs
        cases = [(piece, shape)]
        for i, allowed in needs(layer, shape).items():
            if not isinstance(shape[i], int):
                cases = _each(cases, i, lambda p, e, allowed=allowed: _among(p, e, allowed))
        return [(p, out) for p, s in cases if (out := pass_.moved(layer, s)) is not None]

    return handle


def _among(piece: _Piece, e: Entry, values: set[int]) -> list[tuple[_Piece, int]]:
    return [(q, v) for v in sorted(values) if (q := _equal_to(piece, e, v))]


def _opaque(pass_: _Pass, piece: _Piece, layer: Opaque, inputs: list[Shape]) -> Cases:
    """An operator archlint does not model, of one or more inputs: its output is unknown at
    every size, so no size is valid (as the ground truth says)."""
    return []


def _move(pass_: _Pass, piece: _Piece, layer, inputs: list[Shape]) -> Cases:
    return _moving(_needs_nothing)(pass_, piece, layer, inputs)


_HANDLERS: dict[type, Callable[..., Cases]] = {
    Conv: _windows,
    Pool: _windows,
    ConvTranspose: _transposed,
    Upsample: _upsample,
    PixelShuffle: _pixel_shuffle,
    PixelUnshuffle: _pixel_unshuffle,
    Slice: _slice,
    Pad: _pad,
    Add: _add,
    Concat: _concat,
    Flatten: _flatten,
    Reshape: _reshape,
    InstanceNorm: _instance_norm,
    Opaque: _opaque,
    Linear: _moving(_needs_in_features),
    BatchNorm: _moving(_needs_num_features),
    PReLU: _moving(_needs_num_parameters),
    LayerScale: _moving(_needs_layer_scale),
    LayerNorm: _moving(_needs_normalized_shape),
    Expand: _moving(_needs_expand),
    GroupNorm: _moving(_needs_fixed_channels),
    ChannelShuffle: _moving(_needs_fixed_channels),
    **{
        kind: _moving(_needs_nothing)
        for kind in (
            Activation,
            LeakyReLU,
            ELU,
            Clip,
            Scale,
            Dropout,
            Softmax,
            LocalResponseNorm,
            Permute,
            Reduce,
            AdaptivePool,
            GlobalPool,
        )
    },
}


def _solve(probe: _Probe) -> list[_Piece]:
    """The valid sizes of the probe's axis as pieces: the pass with that axis varied, and,
    with other axes, the square one (every axis varied) the ground truth falls back on."""
    if probe.broken:
        return []
    pieces = _Pass(probe, [probe.position]).run()  # disjoint
    count = len(spatial_axes(probe.spec))
    if count > 1 and sum(p.k + 1 for p in pieces) < MAX_SIZE:  # else it can add nothing
        pieces += _Pass(probe, range(1, count + 1)).run()
    return pieces


# --- the answer: the valid sizes and their closed form ----------------------------------------


class _Answer:
    """The valid sizes, a union of pieces, and what a report reads off them."""

    def __init__(self, pieces: list[_Piece]):
        self.pieces = pieces

    def __contains__(self, n: int) -> bool:
        return any(n in p for p in self.pieces)

    def below(self, x: int, floor: int = 1) -> int | None:
        """The largest valid size under x, if it is at least `floor`."""
        best = max((n for p in self.pieces if (n := p.below(x)) is not None), default=None)
        return best if best is not None and best >= floor else None

    def above(self, x: int, ceiling: int = MAX_SIZE) -> int | None:
        """The smallest valid size over x, if it is at most `ceiling`."""
        best = min((n for p in self.pieces if (n := p.above(x)) is not None), default=None)
        return best if best is not None and best <= ceiling else None

    def sizes(self, lo: int, hi: int) -> tuple[int, ...]:
        """Every valid size in lo..hi, in order."""
        lo, hi = max(lo, 1), min(hi, MAX_SIZE)
        if lo > hi:
            return ()
        marks = bytearray(hi - lo + 1)
        for p in self.pieces:
            if q := p.between(lo, hi):
                marks[q.r - lo : q.last - lo + 1 : q.m] = b"\1" * (q.k + 1)
        return tuple(compress(range(lo, hi + 1), marks))

    def form(self, lo: int) -> tuple[Form | None, tuple[int, ...]]:
        """The closed form of the sizes from `lo` on, and the valid sizes it leaves out; no
        form where it would need more than _CAP residues, or a period over MAX_SIZE.

        The residues are those, modulo the lcm of their moduli, of the pieces that run up to
        MAX_SIZE (where one piece's class holds another's, the wider one's), each valid from
        the first size of it they hold; reduced to their least period d. The form then starts
        after the largest size where it and the valid sizes disagree: a size of a residue below
        where it is held, or a valid size of another residue.
        """
        tail = _widest([p for p in self.pieces if p.last + p.m > MAX_SIZE])
        period = lcm(*(p.m for p in tail))
        if period > MAX_SIZE or sum(min(p.k + 1, period // p.m) for p in tail) > _CAP:
            return None, ()
        starts: dict[int, int] = {}  # residue modulo period -> its first size in the tail
        for p in tail:
            for n in map(p.at, range(min(p.k + 1, period // p.m))):
                starts[n % period] = min(n, starts.get(n % period, n))
        d = _least_period(set(starts), period)
        residues = {rho % d for rho in starts}
        worst = 0  # the largest size where the form and the valid sizes disagree
        for n in starts.values():
            n -= period
            while n >= 1 and n in self:
                n -= period
            worst = max(worst, n)
        for p in self.pieces:
            if p not in tail:  # its last size outside the form: within len(residues) + 1
                for n in map(p.at, range(p.k, max(-1, p.k - len(residues) - 1), -1)):
                    if n <= worst or n % d not in residues:
                        worst = max(worst, n)
                        break
        start = max(worst + 1, lo)
        return Form(d, tuple(sorted(residues)), self.above(start - 1)), self.sizes(lo, start - 1)


def _widest(pieces: list[_Piece]) -> list[_Piece]:
    """The pieces whose residue class no other's holds (of equal classes, one)."""
    kept: dict[int, set[int]] = {}  # modulus -> residues
    out = []
    for p in sorted(pieces, key=lambda p: (p.m, p.r)):
        if not any(p.m % m == 0 and p.r % m in rs for m, rs in kept.items()):
            kept.setdefault(p.m, set()).add(p.r % p.m)
            out.append(p)
    return out


def _least_period(residues: set[int], period: int) -> int:
    """The least d dividing `period` such that the residues are whole classes modulo d."""
    d = period
    for f in _prime_factors(period):
        while d % f == 0 and len({r % (d // f) for r in residues}) * f * period // d == len(
            residues
        ):
            d //= f
    return d


def _prime_factors(n: int) -> list[int]:
    out, f = [], 2
    while f * f <= n:
        if n % f == 0:
            out.append(f)
            while n % f == 0:
                n //= f
        f += 1
    return out + [n] if n > 1 else out


def _answer(probe: _Probe) -> _Answer | None:
    """The valid sizes in closed form, or None where the closed form cannot say (the caller
    then judges size by size).

    The closed form restates the layers' arithmetic, so the ground truth checks it where it
    is cheapest to be wrong: at the declared size, at the smallest valid size and at the size
    below it; disagreeing, it is not used.
    """
    try:
        answer = _Answer(_solve(probe))
    except _Unsupported:
        return None
    checks = {probe.declared}
    first = answer.above(0)
    if first is not None:
        checks |= {first, first - 1} - {0}
    if any((n in answer) != probe.valid(n) for n in checks):
        return None
    return answer


def valid_sizes(spec: Spec, axis: str, lo: int, hi: int, *, mode: str = "lossless") -> list[int]:
    """The valid sizes n of `axis` with lo ≤ n ≤ hi (see the module docstring), in order.

    From the closed form, so a range of 10⁶ sizes costs what one does; where the closed form
    cannot say, every size in the range is judged by archlint's inference.
    """
    probe = _Probe(spec, axis, mode)
    answer = _answer(probe)
    if answer is None:
        return list(probe.scan(range(max(lo, 1), hi + 1)))
    return list(answer.sizes(lo, hi))


def nearest_valid(
    spec: Spec,
    axis: str,
    size: int | None = None,
    *,
    mode: str = "lossless",
    within: int | None = None,
) -> tuple[int | None, int | None]:
    """The nearest valid sizes strictly below and strictly above `size` (default: declared).

    None where there is none: below, down to 1; above, up to MAX_SIZE; or within `within` of
    `size` either way.
    """
    probe = _Probe(spec, axis, mode)
    size = probe.declared if size is None else size
    answer = _answer(probe)
    if answer is None:
        return probe.nearest(size, within=within)
    if within is None:
        return answer.below(size), answer.above(size)
    return answer.below(size, size - within), answer.above(size, size + within)


# --- the structural period --------------------------------------------------------------------


def stride_period(spec: Spec, axis: str) -> int:
    """The lcm, over the windows on `axis`, of the product of strides on the paths to them.

    Whether every window on the axis divides exactly depends only on the input size modulo P
    (while no map collapses), so the valid sizes repeat with a period that divides P, except
    where branches or a declared in_features fit one size only.
    """
    return _Probe(spec, axis).period


def _period(spec: Spec, axis: str, order: list[tuple[str, object, list[str]]]) -> int:
    # v[name]: a period (in the input size) of the layer's output size along the axis, or
    # None when that size does not depend on the input size (after adaptive or global pooling,
    # flatten, upsampling to a fixed size)
    v: dict[str, int | None] = {INPUT: 1}
    period = 1
    for name, layer, names in order:
        periods = [v[x] for x in names if v.get(x) is not None]
        base = lcm(*periods) if periods else None
        if base is None or isinstance(layer, GlobalPool | Flatten):
            v[name] = None
            continue
        ndim = layer.ndim
        here = AXIS_NAMES.get(ndim, ())
        if isinstance(layer, Conv | Pool) and axis in here:
            strides = layer.stride
            if strides is None:  # a pool's stride defaults to its kernel
                strides = layer.kernel_size
            base *= _along(strides, here.index(axis))
            period = lcm(period, base)
        elif isinstance(layer, AdaptivePool) and axis in here:
            if _along(layer.output_size, here.index(axis)) is not None:
                base = None
        elif isinstance(layer, PixelUnshuffle) and axis in ("height", "width"):
            base *= layer.downscale_factor  # a window of r with stride r, which must divide
            period = lcm(period, base)
        elif isinstance(layer, Slice) and layer.step > 1:
            base *= layer.step  # ceil((n − start)/step) moves by 1 when n moves by step
        elif isinstance(layer, Upsample):
            if layer.size is not None:
                base = None
            else:  # floor(m·p/q) moves by p when m moves by q
                factors = layer.scale_factor
                factors = factors if isinstance(factors, list) else [factors]
                base *= lcm(*(_fraction(f).denominator for f in factors))
        v[name] = base
    return period


def _along(value, i: int):
    """A per-axis key's value on axis i (one number for every axis, or a list)."""
    return value[i] if isinstance(value, list) else value


def _fraction(value: float) -> Fraction:
    """1.5 as 3/2 (as written, not as the nearest binary fraction)."""
    return Fraction(repr(float(value))).limit_denominator(1 << 20)


# --- the report -------------------------------------------------------------------------------


def _signed(r: int, period: int) -> int:
    """The residue as written: −1 rather than 31 for 32·k − 1."""
    return r - period if 2 * r > period else r


@dataclass(frozen=True)
class Form:
    """The sizes n ≥ minimum with n mod period in residues (empty when minimum is None)."""

    period: int
    residues: tuple[int, ...]
    minimum: int | None

    def __contains__(self, n: int) -> bool:
        return self.minimum is not None and n >= self.minimum and n % self.period in self.residues

    def sizes(self, start: int | None = None) -> Iterator[int]:
        """The sizes of the form in order, from `start` (default: its minimum) on."""
        if self.minimum is None:
            return
        start = max(self.minimum, start or self.minimum)
        for base in range(start - start % self.period, MAX_SIZE + 1, self.period):
            yield from (n for n in map(base.__add__, self.residues) if start <= n <= MAX_SIZE)

    def term(self, n: int | None = None) -> str:
        """'32·k + 1' (one residue); with n, that size written so: '32·7 + 1'."""
        (r,) = self.residues
        s = _signed(r, self.period)
        k = "k" if n is None else str((n - s) // self.period)
        offset = f" + {s}" if s > 0 else f" − {-s}" if s < 0 else ""
        return f"{self.period}·{k}{offset}"

    def text(self) -> str:
        if self.minimum is None:
            return "no size"
        if self.period == 1:
            return f"any size ≥ {self.minimum}"
        if len(self.residues) == 1:
            s = _signed(self.residues[0], self.period)
            return f"{self.term()} for k ≥ {(self.minimum - s) // self.period}"
        shown = ", ".join(map(str, self.residues))
        return f"n ≥ {self.minimum} with n mod {self.period} in {{{shown}}}"


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, int(n**0.5) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def _fit(valid: set[int], lo: int, hi: int, period: int, proof: int):
    """The form with this period that the ground truth on lo..hi bears out, or None.

    The residues are read off the last period of the range; the form must then match the
    ground truth on a stretch of at least `proof` sizes ending at hi (the valid sizes before
    the stretch are listed as extras).
    """
    if hi - lo + 1 < proof:
        return None
    residues = {n % period for n in range(hi - period + 1, hi + 1) if n in valid}
    start = hi
    while start - 1 >= lo and ((start - 1) in valid) == ((start - 1) % period in residues):
        start -= 1
    if hi - start + 1 < proof:
        return None
    first = min((n for n in valid if n >= start), default=None)
    form = Form(period, tuple(sorted(residues)), first)
    extra = tuple(sorted(n for n in valid if n < start))
    return form, extra


@dataclass(frozen=True)
class InputSizes:
    """The valid sizes of one input axis: a closed form, and the list over lo..hi."""

    axis: str
    declared: int
    lo: int
    hi: int
    period: int  # the structural period (stride_period)
    form: Form | None  # from lo on; None when the sizes could only be listed
    extra: tuple[int, ...]  # valid sizes the form leaves out (below where it starts)
    below: int | None  # the nearest valid size under the declared one
    above: int | None  # ... and over it
    reason: str | None  # why the declared size is not valid (None when it is)
    mode: str = "lossless"
    valid: _Answer = field(default_factory=lambda: _Answer([]), repr=False, compare=False)

    @cached_property
    def sizes(self) -> tuple[int, ...]:
        """Every valid size in lo..hi, listed on first use (a million, for an input of 10⁶)."""
        return self.valid.sizes(self.lo, self.hi)

    @property
    def declared_valid(self) -> bool:
        return self.reason is None

    def __contains__(self, n: int) -> bool:
        if self.lo <= n <= self.hi:
            return n in self.valid
        return self.form is not None and (n in self.form or n in self.extra)

    def describe(self) -> str:
        """One line: 'height: 32·k for k ≥ 1 (32, 64, 96, …); declared 224 = 32·7 is exact'."""
        return f"{self.axis}: {self._sizes_text()}; {self._declared_text()}"

    def _sizes_text(self) -> str:
        checked = f"{self.lo}..{self.hi}"
        form = self.form
        if form is None or form.minimum is None:
            if not self.sizes:
                return f"no valid size in {checked}"
            if len(self.sizes) <= 6:
                return "only " + ", ".join(map(str, self.sizes)) + f" in {checked}"
            first = ", ".join(map(str, self.sizes[:3]))
            return f"{len(self.sizes)} sizes in {checked}: {first}, …, {self.sizes[-1]}"
        first = [n for _, n in zip(range(3), form.sizes())]
        text = f"{form.text()} ({', '.join(map(str, first))}, …)"
        if self.extra:
            text += ", and " + ", ".join(map(str, self.extra))
        return text

    def _declared_text(self) -> str:
        n = self.declared
        good, bad = (
            ("loses nothing", "loses input") if self.mode == "lossless" else ("is exact", "is not")
        )
        if self.reason is None:
            if self.form is not None and n in self.form and len(self.form.residues) == 1:
                if self.form.period > 1:
                    return f"declared {n} = {self.form.term(n)} {good}"
            return f"declared {n} {good}"
        if self.below is not None and self.above is not None:
            return f"declared {n} {bad}: nearest {self.below} and {self.above}"
        if self.above is not None:
            return f"declared {n} {bad}: nearest {self.above} (none below)"
        if self.below is not None:
            return f"declared {n} {bad}: nearest {self.below} (none above nearby)"
        return f"declared {n} {bad}, and no size near it works"


def input_sizes(
    spec: Spec, axis: str, lo: int = 1, hi: int | None = None, *, mode: str = "lossless"
) -> InputSizes:
    """The valid sizes of one input axis: their closed form, and a list over lo..hi.

    `hi` defaults to enough for the pattern to show in the list: 4 × the declared size, at
    least 16 periods.
    """
    probe = _Probe(spec, axis, mode)
    period = probe.period
    lo = max(lo, 1)
    if hi is None:
        hi = max(64, 4 * probe.declared, 16 * min(period, 4096), lo)
    hi = min(hi, MAX_SIZE)
    declared = probe.declared
    reason = probe.why_not(declared)
    answer = _answer(probe)
    if answer is None:
        return _judged_one_by_one(probe, lo, hi, reason)
    form, extra = (None, ()) if probe.broken else answer.form(lo)
    below, above = answer.below(declared), answer.above(declared)
    return InputSizes(
        axis, declared, lo, hi, period, form, extra, below, above, reason, mode, answer
    )


def _judged_one_by_one(probe: _Probe, lo: int, hi: int, reason: str | None) -> InputSizes:
    """The report where the closed form cannot say: every size of lo..hi judged, and the form
    with the smallest divisor of the structural period that they bear out."""
    period = probe.period
    sizes = tuple(probe.scan(range(lo, hi + 1)))
    valid = set(sizes)
    form, extra = None, ()
    if not probe.broken:
        for d in _divisors(period):
            # a stretch of P + d sizes shows a P-periodic set is d-periodic too; 2d at least
            fitted = _fit(valid, lo, hi, d, proof=max(period + d, 2 * d))
            if fitted is not None:
                form, extra = fitted
                break
    below, above = probe.nearest(probe.declared)  # sizes in lo..hi are judged already (cached)
    listed = _Answer([_Piece(n, 1, 0) for n in sizes])
    return InputSizes(
        probe.axis, probe.declared, lo, hi, period, form, extra, below, above, reason,
        probe.mode, listed,
    )  # fmt: skip


def why_not(
    spec: Spec, axis: str, size: int | None = None, *, mode: str = "lossless"
) -> str | None:
    """Why `size` (default: the declared one) is not valid on `axis`, or None when it is."""
    probe = _Probe(spec, axis, mode)
    return probe.why_not(probe.declared if size is None else size)


def describe(spec: Spec, **kw) -> list[str]:
    """One line per spatial axis of the input (input_sizes(...).describe())."""
    return [input_sizes(spec, axis, **kw).describe() for axis in spatial_axes(spec)]
