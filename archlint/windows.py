"""Sliding-window arithmetic of one spatial axis, exact, as PyTorch computes it.

Every convolution and pooling layer is a window of `kernel` taps, `dilation` apart, moved
`stride` at a time over `size` input positions padded by `pad_begin` and `pad_end`. The output
size is (N + P_begin + P_end − d·(F − 1) − 1)/S + 1, kept here as an exact Fraction so that
"2.33 is not an integer" is a fact, not a float comparison; frameworks then floor it (or, for
pooling with ceil_mode, ceil it, dropping a last window that would start in the right padding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


def show(value: Fraction | int) -> str:
    """2.33 for 7/3, 112.5 for 225/2, 3 for 3."""
    value = Fraction(value)
    text = str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}".rstrip("0")
    return text.replace("-", "−")


@dataclass(slots=True)
class Axis:
    """One spatial axis of a convolution or pooling window; treat it as read-only.

    The derived figures (`extent` to `zero_windows`) are computed once, when the Axis is
    made: inference makes each Axis once, and every rule then reads them. (Not a frozen
    dataclass: its field-by-field object.__setattr__ made an Axis cost more than the rest of
    a convolution's inference.)
    """

    name: str  # "height", "width", "length" or "depth"
    size: int
    kernel: int
    stride: int = 1
    dilation: int = 1
    pad_begin: int = 0
    pad_end: int = 0
    ceil_mode: bool = False
    # how many input positions one window spans, dilation included
    extent: int = field(init=False, repr=False, compare=False)
    padded: int = field(init=False, repr=False, compare=False)
    out: int = field(init=False, repr=False, compare=False)  # the output size PyTorch gives
    is_exact: bool = field(init=False, repr=False, compare=False)  # no rounding needed
    # real input positions at the end that no window reaches (see _unread)
    unread: int = field(init=False, repr=False, compare=False)
    # output positions at the start and at the end whose every tap falls in the padding
    zero_windows: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.extent = self.dilation * (self.kernel - 1) + 1
        self.padded = self.size + self.pad_begin + self.pad_end
        span = self.padded - self.extent
        self.is_exact = span % self.stride == 0
        self.out = self._out(span)
        self.unread = self._unread()
        self.zero_windows = self._zero_windows()

    @property
    def exact(self) -> Fraction:
        """The output size before rounding."""
        return Fraction(self.padded - self.extent, self.stride) + 1

    def _out(self, span: int) -> int:
        if not self.ceil_mode:
            return span // self.stride + 1
        out = -(-span // self.stride) + 1
        # PyTorch: the last window must start inside the input or its left padding.
        if (out - 1) * self.stride >= self.size + self.pad_begin:
            out -= 1
        return out

    def _unread(self) -> int:
        """Real input positions at the end that no window reaches (padding not counted).

        A stride wider than the window skips positions between all windows anyway (see
        `coverage`); only what is lost beyond that regular gap counts here.
        """
        if self.out <= 0:
            return 0
        last_tap = (self.out - 1) * self.stride - self.pad_begin + self.extent - 1
        gap = max(0, self.stride - self.extent)
        return max(0, self.size - 1 - last_tap - gap)

    def _zero_windows(self) -> tuple[int, int]:
        if self.out <= 0:
            return 0, 0
        lead = self.pad_begin - (self.extent - 1)
        leading = -(-lead // self.stride) if lead > 0 else 0
        first_past = self.size + self.pad_begin  # a window starting here or later is all padding
        trailing = max(0, self.out - max(0, -(-first_past // self.stride)))
        return min(leading, self.out), min(trailing, self.out - min(leading, self.out))

    @property
    def covered(self) -> int:
        """How many of every `stride` input positions any window touches, away from borders."""
        if self.kernel >= self.stride and self.dilation == 1:
            return self.stride  # the common case, without the set below
        # tap offsets k·d modulo S repeat with a period of at most S, so S taps show them all
        taps = range(min(self.kernel, self.stride))
        return len({(k * self.dilation) % self.stride for k in taps})

    @property
    def coverage(self) -> Fraction:
        """Share of input positions any window touches, away from the borders."""
        return Fraction(self.covered, self.stride)

    def formula(self) -> str:
        """The arithmetic with the user's numbers, in the lecture's form where it applies."""
        pad = (
            f"2·{self.pad_begin}"
            if self.pad_begin == self.pad_end
            else f"{self.pad_begin} + {self.pad_end}"
        )
        if self.dilation == 1:
            body = f"{self.size} − {self.kernel} + {pad}"
        else:
            body = f"{self.size} − {self.dilation}·({self.kernel} − 1) − 1 + {pad}"
        return f"({body})/{self.stride} + 1 = {show(self.exact)}"

    def describe(self) -> str:
        """What the window does, for messages: 'kernel 3, stride 2, padding 1'."""
        parts = [f"kernel {self.kernel}", f"stride {self.stride}"]
        if self.pad_begin or self.pad_end:
            same = self.pad_begin == self.pad_end
            parts.append(
                f"padding {self.pad_begin}" if same else f"padding {self.pad_begin}+{self.pad_end}"
            )
        if self.dilation != 1:
            parts.append(f"dilation {self.dilation}")
        return ", ".join(parts)


@dataclass(frozen=True)
class TransposedAxis:
    """One spatial axis of a transposed convolution (the gradient of a convolution)."""

    name: str
    size: int
    kernel: int
    stride: int = 1
    dilation: int = 1
    padding: int = 0
    output_padding: int = 0

    @property
    def out(self) -> int:
        return (
            (self.size - 1) * self.stride
            - 2 * self.padding
            + self.dilation * (self.kernel - 1)
            + self.output_padding
            + 1
        )

    @property
    def exact(self) -> Fraction:
        return Fraction(self.out)

    def formula(self) -> str:
        return (
            f"({self.size} − 1)·{self.stride} − 2·{self.padding}"
            f" + {self.dilation}·({self.kernel} − 1) + {self.output_padding} + 1 = {self.out}"
        )


AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
UNITS = {"height": "row", "width": "column", "length": "position", "depth": "slice"}


def units(axis: str, n: int) -> str:
    """'1 row', '2 columns': what n positions along an axis are called."""
    return f"{n} {UNITS[axis]}{'s' if n != 1 else ''}"
