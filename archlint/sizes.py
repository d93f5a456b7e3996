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

The closed form: along one path, a window of stride s turns an exact input size into
(n − c)/s + 1, so the sizes that divide every window of a chain of strides s1, s2, ... are
one residue class modulo s1·s2·...; transposed convolutions and integer upsampling only
multiply. The network's period P is therefore the least common multiple, over the windows
on the axis, of the product of the strides on the paths that lead to them (the structural
period, `stride_period`). Beyond small sizes (where maps collapse) the valid sizes are
periodic: n ≥ n0 with n mod P in a set R. `input_sizes` computes the ground truth over a
range, fits that form with the smallest divisor of P that the ground truth confirms, lists
the sizes the form misses, and falls back to a plain list when no form fits the range.

    >>> report = input_sizes(archlint.load("samples/networks/vgg16.toml").spec, "height")
    >>> report.describe()
    'height: 32·k for k ≥ 1 (32, 64, 96, …); declared 224 = 32·7 is exact'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from archlint.diagnostics import Severity
from archlint.graph import INPUT, build, input_names
from archlint.inference import infer
from archlint.layers import (
    MAX_SIZE,
    AdaptivePool,
    Conv,
    Flatten,
    GlobalPool,
    PixelUnshuffle,
    Pool,
    Slice,
    Upsample,
)
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

    The graph is built once. Each size first runs the layers' own `infer` in topological
    order, as archlint.inference.infer does, stopping at the first refusal or inexact window
    (most sizes fail within the first few layers); a size that gets through is then judged on
    the Analysis of a full `archlint.inference.infer` of the resized spec.
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
        for name, layer, names in self.order:  # quick rejection: stop at the first failure
            inputs = [shapes.get(x) for x in names]
            if any(s is None for s in inputs):
                return f"{name}: input unknown"
            out = layer.infer(inputs)
            reason = self.judge(name, out.output, out.axes, out.refusals)
            if reason:
                return reason
            shapes[name] = out.output
        # it got through: the verdict is that of archlint's own inference on the resized spec
        spec = self.spec
        for axis, n in sizes.items():
            spec = resized(spec, axis, n)
        analysis = infer(spec, self.graph)
        if len(analysis.layers) != len(self.spec.layers):
            return "inference did not reach every layer"
        for r in analysis.layers.values():
            reason = self.judge(r.name, r.output, r.axes, r.refusals)
            if reason:
                return reason
        return None

    def scan(self, sizes: Iterable[int]) -> Iterator[int]:
        return (n for n in sizes if self.valid(n))

    def nearest(
        self, size: int, above_limit: int | None = None, within: int | None = None
    ) -> tuple[int | None, int | None]:
        """The nearest valid sizes strictly below and strictly above `size` (within a distance,
        if given: each size tried costs an inference)."""
        bottom = 1 if within is None else max(1, size - within)
        below = next(self.scan(range(size - 1, bottom - 1, -1)), None)
        if above_limit is None:
            above_limit = size + (within or max(4096, 8 * min(self.period, 4096)))
        top = min(MAX_SIZE, above_limit)
        above = next(self.scan(range(size + 1, top + 1)), None)
        return below, above


def valid_sizes(spec: Spec, axis: str, lo: int, hi: int, *, mode: str = "lossless") -> list[int]:
    """The valid sizes n of `axis` with lo ≤ n ≤ hi (see the module docstring), in order.

    The ground truth: every size in the range is judged by archlint's inference on the spec
    resized to it.
    """
    return list(_Probe(spec, axis, mode).scan(range(max(lo, 1), hi + 1)))


def nearest_valid(
    spec: Spec,
    axis: str,
    size: int | None = None,
    *,
    mode: str = "lossless",
    within: int | None = None,
) -> tuple[int | None, int | None]:
    """The nearest valid sizes strictly below and strictly above `size` (default: declared).

    None where there is none: below, down to 1; above, within 4096 (or 8 periods) of `size`;
    or within `within` of it either way.
    """
    probe = _Probe(spec, axis, mode)
    return probe.nearest(probe.declared if size is None else size, within=within)  # fmt: skip


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


# --- the closed form --------------------------------------------------------------------------


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
        n = max(self.minimum, start or self.minimum)
        while n <= MAX_SIZE:
            if n % self.period in self.residues:
                yield n
            n += 1

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
    """The valid sizes of one input axis: ground truth over lo..hi, and a closed form."""

    axis: str
    declared: int
    lo: int
    hi: int
    sizes: tuple[int, ...]  # the ground truth: every valid size in lo..hi
    period: int  # the structural period (stride_period)
    form: Form | None  # confirmed over lo..hi; None when the sizes could only be listed
    extra: tuple[int, ...]  # valid sizes the form leaves out (below where it starts)
    below: int | None  # the nearest valid size under the declared one
    above: int | None  # ... and over it
    reason: str | None  # why the declared size is not valid (None when it is)
    mode: str = "lossless"

    @property
    def declared_valid(self) -> bool:
        return self.reason is None

    def __contains__(self, n: int) -> bool:
        if self.lo <= n <= self.hi:
            return n in set(self.sizes)
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
    """The valid sizes of one input axis, with the closed form where the range confirms one.

    `hi` defaults to enough for the form to show: 4 × the declared size, at least 16 periods.
    """
    probe = _Probe(spec, axis, mode)
    period = probe.period
    lo = max(lo, 1)
    if hi is None:
        hi = max(64, 4 * probe.declared, 16 * min(period, 4096), lo)
    hi = min(hi, MAX_SIZE)
    sizes = tuple(probe.scan(range(lo, hi + 1)))
    valid = set(sizes)
    form, extra = None, ()
    if not probe.broken:
        for d in _divisors(period):  # the smallest period the ground truth confirms
            # a stretch of P + d sizes shows a P-periodic set is d-periodic too; 2d at least
            fitted = _fit(valid, lo, hi, d, proof=max(period + d, 2 * d))
            if fitted is not None:
                form, extra = fitted
                break
    declared = probe.declared
    reason = probe.why_not(declared)
    below, above = probe.nearest(declared)  # sizes in lo..hi are judged already (cached)
    return InputSizes(
        axis, declared, lo, hi, sizes, period, form, extra, below, above, reason, mode
    )


def why_not(
    spec: Spec, axis: str, size: int | None = None, *, mode: str = "lossless"
) -> str | None:
    """Why `size` (default: the declared one) is not valid on `axis`, or None when it is."""
    probe = _Probe(spec, axis, mode)
    return probe.why_not(probe.declared if size is None else size)


def describe(spec: Spec, **kw) -> list[str]:
    """One line per spatial axis of the input (input_sizes(...).describe())."""
    return [input_sizes(spec, axis, **kw).describe() for axis in spatial_axes(spec)]
