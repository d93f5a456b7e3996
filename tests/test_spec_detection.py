"""Which TOML and JSON files are specs: files of other formats with a `layers` key are skipped,
while specs, broken ones included (a typo'd type, no [input]), are still checked."""

import json

import pytest
from click.testing import CliRunner

import archlint
from archlint.cli import main

MAPBOX = {
    "version": 8,
    "name": "Basic",
    "sources": {"openmaptiles": {"type": "vector", "url": "mapbox://mapbox.streets"}},
    "sprite": "mapbox://sprites/basic",
    "glyphs": "mapbox://fonts/{fontstack}/{range}.pbf",
    "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": "#f8f4f0"}},
        {"id": "water", "type": "fill", "source": "openmaptiles", "source-layer": "water",
         "paint": {"fill-color": "#a0c8f0"}},
        {"id": "road", "type": "line", "source": "openmaptiles", "source-layer": "transportation",
         "layout": {"line-cap": "round"}, "paint": {"line-width": 2}},
        {"id": "rail", "type": "line", "source": "openmaptiles", "source-layer": "transportation",
         "paint": {"line-dasharray": [2, 2]}},
        {"id": "poi", "type": "symbol", "source": "openmaptiles", "source-layer": "poi",
         "layout": {"text-field": "{name}"}},
    ],
}  # fmt: skip

KERAS_SEQUENTIAL = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 28, 28, 1],
                                                    "dtype": "float32", "name": "input_1"}},
            {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 32,
                                                "kernel_size": [3, 3], "strides": [1, 1],
                                                "padding": "valid", "activation": "relu"}},
            {"class_name": "Flatten", "config": {"name": "flatten"}},
            {"class_name": "Dense", "config": {"name": "dense", "units": 10}},
        ],
    },
    "keras_version": "2.13.1",
    "backend": "tensorflow",
}  # fmt: skip

KERAS_FUNCTIONAL = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 32, 32, 3], "name": "input_1"}},
            {"class_name": "Conv2D", "name": "conv2d", "inbound_nodes": [[["input_1", 0, 0, {}]]],
             "config": {"name": "conv2d", "filters": 16, "kernel_size": [3, 3]}},
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["conv2d", 0, 0]],
    },
    "keras_version": "2.13.1",
    "backend": "tensorflow",
}  # fmt: skip

# the layers of a Keras model with the wrapper taken off, as some tools save them
KERAS_LAYERS_AT_TOP = {"name": "model", "layers": KERAS_FUNCTIONAL["config"]["layers"]}

LOTTIE = {
    "v": "5.7.4", "fr": 30, "ip": 0, "op": 60, "w": 512, "h": 512, "nm": "spinner", "ddd": 0,
    "assets": [],
    "layers": [
        {"ddd": 0, "ind": 1, "ty": 4, "nm": "circle", "sr": 1,
         "ks": {"o": {"a": 0, "k": 100}, "r": {"a": 1, "k": [{"t": 0, "s": [0]}, {"t": 60, "s": [360]}]}},
         "shapes": [{"ty": "el", "p": {"a": 0, "k": [256, 256]}, "s": {"a": 0, "k": [200, 200]}}],
         "ip": 0, "op": 60, "st": 0},
        {"ddd": 0, "ind": 2, "ty": 1, "nm": "background", "sc": "#ffffff", "sw": 512, "sh": 512,
         "ip": 0, "op": 60, "st": 0},
    ],
}  # fmt: skip

PHOTOSHOP = {
    "document": {"name": "poster.psd", "width": 1920, "height": 1080, "resolution": 72},
    "layers": [
        {"name": "Background", "visible": True, "opacity": 100, "blendMode": "normal"},
        {"name": "Logo", "visible": True, "opacity": 80, "blendMode": "multiply",
         "bounds": {"left": 10, "top": 10, "right": 200, "bottom": 90}},
        {"name": "Title", "type": "text", "visible": False, "opacity": 100, "text": "Hello"},
    ],
}  # fmt: skip

TILEMAP_TOML = """\
# a game level: tile layers drawn bottom to top
title = "level 1"
width = 64
height = 48

[[layers]]
name = "ground"
type = "tiles"
tileset = "grass.png"
z = 0

[[layers]]
name = "objects"
type = "objectgroup"
opacity = 0.8
z = 1
"""

# layers of only name and type, neither a layer's: a word, not a typo'd layer type
NAMED_TYPES_TOML = (
    '[[layers]]\nname = "base"\ntype = "raster"\n\n[[layers]]\nname = "top"\ntype = "terrain"\n'
)

OTHERS = {
    "style.json": json.dumps(MAPBOX, indent=2),
    "keras_sequential.json": json.dumps(KERAS_SEQUENTIAL, indent=2),
    "keras_functional.json": json.dumps(KERAS_FUNCTIONAL, indent=2),
    "keras_layers.json": json.dumps(KERAS_LAYERS_AT_TOP, indent=2),
    "spinner.json": json.dumps(LOTTIE),
    "poster.json": json.dumps(PHOTOSHOP, indent=1),
    "level.toml": TILEMAP_TOML,
    "map.toml": NAMED_TYPES_TOML,
}

HEAD = "[input]\nchannels = 3\nheight = 8\nwidth = 8\n\n"


def check(tmp_path, monkeypatch, *args):
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(main, ["check", *args])


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_other_formats_with_layers_are_skipped_when_named(tmp_path, monkeypatch, name):
    (tmp_path / name).write_text(OTHERS[name], encoding="utf-8")
    result = check(tmp_path, monkeypatch, name)
    assert result.exit_code == 0, result.output
    assert "AL9" not in result.stdout and "AL0" not in result.stdout
    assert f"{name}: skipped: not an archlint spec" in result.stderr


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_other_formats_are_not_specs_in_the_api(name):
    fmt = name.rsplit(".", 1)[1]
    assert not archlint.loads(OTHERS[name], fmt, name).is_spec


def test_the_reason_names_what_is_foreign(tmp_path, monkeypatch):
    for name in ("style.json", "map.toml"):
        (tmp_path / name).write_text(OTHERS[name], encoding="utf-8")
    result = check(tmp_path, monkeypatch, "style.json", "map.toml")
    assert (
        "style.json: skipped: not an archlint spec (its layers are another format's"
        " ('id', 'layout', 'paint', ...: not layer keys))" in result.stderr
    )
    assert "map.toml: skipped: not an archlint spec (its layers are another format's" \
        " (type 'raster', 'terrain': not layer types))" in result.stderr  # fmt: skip


def test_other_formats_in_a_folder_are_counted_with_a_spec_beside_them(tmp_path, monkeypatch):
    for name, text in OTHERS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "net.toml").write_text(
        HEAD + '[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 4\nkernel_size = 3\n'
        'stride = 2\n', encoding="utf-8")  # fmt: skip
    result = check(tmp_path, monkeypatch, ".")
    assert result.exit_code == 1, result.output  # 8 - 3 + 0 over 2: not an integer
    assert "net.toml:11:1: AL001" in result.stdout
    assert all(name not in result.stdout for name in OTHERS)
    assert f"skipped {len(OTHERS)} files found in folders" in result.stderr


# ------------------------------------------------------ specs, broken ones too, stay specs

BROKEN_SPECS = {
    # a typo'd layer type, with [input]
    "typo.toml": (HEAD + '[[layers]]\nname = "c"\ntype = "covn2d"\nout_channels = 8\nkernel_size = 3\n',
                  "unknown layer type 'covn2d'"),
    # a typo'd layer type and no [input]
    "typo_no_input.json": (json.dumps({"layers": [{"name": "c", "type": "covn2d", "out_channels": 8,
                                                   "kernel_size": 3}]}), "covn2d"),
    # the type in another case, a typo'd key and no [input]
    "case_no_input.json": (json.dumps({"layers": [{"type": "Conv2D", "out_channel": 8, "kernel_size": 3},
                                                  {"type": "ReLU"}]}), "input"),
    # the type in another case, and a typo'd key: the type alone says it is a layer
    "case_typo_key.json": (json.dumps({"layers": [{"type": "MaxPool2d", "kernel_siz": 2}]}),
                           "input"),
    # no [input] at all
    "no_input.toml": ('[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 8\nkernel_size = 3\n',
                      "input"),
    # every layer's type a typo, with [input]: the input says it is a spec
    "all_typos.json": (json.dumps({"input": {"channels": 3, "height": 8, "width": 8},
                                   "layers": [{"id": "x", "type": "fill"}]}), "fill"),
    # an empty layer table, layers that are not tables
    "empty_layer.toml": ("[[layers]]\n", "input"),
    "scalar_layers.toml": ("layers = 3", "should be a valid list"),
    "list_of_numbers.json": ('{"layers": [1, 2]}', "should be a valid dictionary"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BROKEN_SPECS))
def test_broken_specs_are_still_checked(tmp_path, monkeypatch, name):
    text, mentions = BROKEN_SPECS[name]
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = check(tmp_path, monkeypatch, "--format", "json", name)
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)["diagnostics"]
    assert found and all(d["severity"] == "error" for d in found)
    assert any(mentions in d["message"] for d in found), found
    assert "skipped" not in result.stderr


def test_a_spec_with_one_odd_layer_is_still_a_spec():
    """Foreign layers must be more than half for a file without [input] to be skipped."""
    layers = [{"name": "c", "type": "conv2d", "out_channels": 8, "kernel_size": 3},
              {"id": "x", "type": "fill"}]  # fmt: skip
    assert archlint.loads(json.dumps({"layers": layers}), "json", "x.json").is_spec


def test_every_sample_is_still_a_spec():
    from conftest import SAMPLES

    files = sorted(p for p in SAMPLES.rglob("*") if p.suffix in (".toml", ".json"))
    files = [p for p in files if p.name not in (".archlint.toml", "pyproject.toml")]
    assert len(files) > 30
    assert [p for p in files if not archlint.load(p).is_spec] == []
