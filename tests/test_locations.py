"""Locations are right for [[layers]] tables, inline tables, dotted keys and JSON in any layout."""

import json

import archlint
from archlint.readers.sourcemap import json_positions, toml_positions
from conftest import SAMPLES

TABLES = '''[model]
name = "m"   # a comment with "quotes" and [brackets]
description = """a multi-line string
[[layers]]
stride = 9
"""
[input]
channels = 3
height = 7
width = 7

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = [
  3,
  3,
]
stride = 3
'''

INLINE = """input = { channels = 3, height = 7, width = 7 }
layers = [
  { name = "conv1", type = "conv2d", out_channels = 8, kernel_size = 3, stride = 3 },
]
"""

DOTTED = """input.channels = 3
input.height = 7
input.width = 7

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 3
stride = 3
"""


def where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Line and column of the nth occurrence of needle, found by plain text search."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def test_toml_positions_for_array_tables_skip_strings_and_comments():
    positions = toml_positions(TABLES).positions
    assert positions[("layers", 0)] == where(TABLES, "[[layers]]", 1)  # the first is in a string
    assert positions[("layers", 0, "stride")] == where(TABLES, "stride = 3")
    assert positions[("layers", 0, "kernel_size", 1)] == where(TABLES, "3,", 1)
    assert ("layers", 1) not in positions


def test_toml_positions_inline_tables_and_dotted_keys():
    inline = toml_positions(INLINE).positions
    assert inline[("layers", 0)] == where(INLINE, "{ name")
    assert inline[("layers", 0, "stride")] == where(INLINE, "stride")
    assert inline[("input", "height")] == where(INLINE, "height")
    assert toml_positions(DOTTED).positions[("input", "width")] == where(DOTTED, "width")


def test_json_positions_in_any_layout():
    data = {"input": {"channels": 3}, "layers": [{"name": "a", "type": "relu"}]}
    for text in (json.dumps(data, separators=(",", ":")), json.dumps(data, indent=4)):
        positions = json_positions(text).positions
        assert positions[("layers", 0)] == where(text, "{", 2)
        assert positions[("layers", 0, "type")] == where(text, '"type"')
    escaped = '{"a\\"b": 1, "c": "x\\\\", "d": [1, {"e": 2}]}'
    assert json_positions(escaped).positions[("d", 1, "e")] == where(escaped, '"e"')


def test_findings_point_at_the_offending_key_in_every_layout():
    for text in (TABLES, INLINE, DOTTED):
        [d] = archlint.check(archlint.loads(text, "toml", "x.toml")).diagnostics
        assert (d.rule, (d.line, d.column)) == ("non-integer-output", where(text, "stride = 3"))
    typo = TABLES.replace("stride = 3\n", "strid = 3\n")
    [d] = archlint.check(archlint.loads(typo)).diagnostics
    assert (d.code, (d.line, d.column)) == ("AL902", where(typo, "strid ="))


def test_toml_and_json_give_identical_results(tmp_path):
    import tomllib

    for sample in [*sorted((SAMPLES / "bad").glob("*.toml")), SAMPLES / "tiny_resnet.toml"]:
        text = sample.read_text()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        as_json = tmp_path / (sample.stem + ".json")
        as_json.write_text(json.dumps(data, indent=2))
        from_toml = archlint.check(sample)
        from_json = archlint.check(as_json)
        strip = lambda r: [(d.code, d.layer, d.message, d.help, d.note) for d in r.diagnostics]  # noqa: E731
        assert strip(from_toml) == strip(from_json), sample.name
        if from_toml.analysis:
            shapes = lambda r: {n: (x.output, x.params) for n, x in r.analysis.layers.items()}  # noqa: E731
            assert shapes(from_toml) == shapes(from_json)
