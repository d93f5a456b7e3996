"""The Python API explains a wrong argument instead of failing deep inside, and takes what is
natural: a Spec or a dict given to check, a dict config, a Document given to analyze."""

import pytest

import archlint
from archlint.layers import Conv, Flatten, Linear
from archlint.report import check_json, check_text
from archlint.spec import Input, Spec
from conftest import ROOT

SELECT = {"select": ["non-integer-output"], "fail-on": "error"}


def spec() -> Spec:
    return Spec(
        input=Input(channels=3, height=7, width=7),
        layers=[
            Conv(type="conv2d", name="conv1", out_channels=8, kernel_size=3, stride=3),
            Flatten(type="flatten"),
            Linear(type="linear", name="fc", out_features=10),
        ],
    )


def as_dict() -> dict:
    return {
        "input": {"channels": 3, "height": 7, "width": 7},
        "layers": [
            {"type": "conv2d", "name": "conv1", "out_channels": 8, "kernel_size": 3, "stride": 3},
            {"type": "flatten"},
            {"type": "linear", "name": "fc", "out_features": 10},
        ],
    }


# ------------------------------------------------------------------- what is natural is taken


@pytest.mark.parametrize("target", [spec, as_dict, lambda: archlint.Document("c17", spec())],
                         ids=["Spec", "dict", "Document"])  # fmt: skip
def test_check_takes_a_spec_a_dict_or_a_document_with_a_dict_config(target):
    result = archlint.check(target(), config=SELECT)
    [d] = result.diagnostics
    assert (d.rule, d.layer) == ("non-integer-output", "conv1")
    assert not result.fails(result_config().fail_on)  # fail-on = "error" came through


def result_config() -> archlint.Config:
    return archlint.parse_config(SELECT)


def test_a_dict_config_is_read_as_a_config_files_table():
    by_dict = archlint.check(spec(), config={"ignore": ["AL001"]})
    assert [d.code for d in by_dict.diagnostics] == []
    with pytest.raises(archlint.ConfigError, match="did you mean 'select'"):
        archlint.check(spec(), config={"selct": ["AL001"]})


def test_a_config_files_path_is_read_as_the_command_line_reads_it(tmp_path):
    config = tmp_path / ".archlint.toml"
    config.write_text('ignore = ["non-integer-output"]\n')
    assert archlint.check(spec(), config=config).diagnostics == []
    assert archlint.check(spec(), config=str(config)).diagnostics == []


def test_analyze_takes_a_document_or_a_dict_as_well_as_a_spec():
    for given in (spec(), archlint.from_dict(as_dict()), as_dict()):
        analysis, problems = archlint.analyze(given)
        assert analysis.layers["conv1"].output == (8, 2, 2) and problems == []


def test_rules_takes_a_rule_alone_or_a_rule_module():
    import archlint_rules.non_integer_output as module

    [rule] = [r for r in archlint.installed_rules()[0] if r.code == "AL001"]
    for rules in (rule, [rule], [module], module):
        assert [d.code for d in archlint.check(spec(), rules=rules).diagnostics] == ["AL001"]


def test_loads_takes_the_format_in_any_case_and_from_dict_a_spec():
    text = (ROOT / "samples" / "lecture" / "strides_7x7.toml").read_text(encoding="utf-8")
    assert archlint.loads(text, "TOML").spec is not None
    built = spec()
    assert archlint.from_dict(built).spec is built


# ------------------------------------------------------------------ code-built specs: no lines


def test_diagnostics_of_a_spec_built_in_code_name_the_layer_not_a_made_up_line():
    result = archlint.check(spec(), config=SELECT)
    [d] = result.diagnostics
    assert d.where == "layers[0] (conv2d 'conv1')"
    text = check_text([result])
    assert text.startswith("<spec>: layers[0] (conv2d 'conv1'): AL001 warning: conv1: ")
    assert ":1:1:" not in text
    assert '"where": "layers[0] (conv2d \'conv1\')"' in check_json([result])
    # a Document built in code keeps its name; the caller's Document is not changed
    doc = archlint.Document("candidate-17", spec())
    [d] = archlint.check(doc, config=SELECT).diagnostics
    assert d.file == "candidate-17" and d.where.startswith("layers[0] ")
    assert doc.labels == {}


def test_files_keep_their_lines():
    text = (ROOT / "samples" / "lecture" / "strides_7x7.toml").read_text(encoding="utf-8")
    [d] = archlint.check(archlint.loads(text, "toml", "strides.toml")).diagnostics
    assert (d.line, d.where) == (35, None)


# ------------------------------------------------------------- anything else is explained


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        (lambda: archlint.check(3), TypeError, "takes a Document (archlint.load, loads or from_dict), a Spec"),
        (lambda: archlint.check(None), TypeError, "not a NoneType"),
        (lambda: archlint.check([as_dict()]), TypeError, "not a list"),
        (lambda: archlint.check("[input]\nchannels = 3\n"), ValueError, "use archlint.check(archlint.loads(text"),
        (lambda: archlint.check(spec(), config=["AL001"]), TypeError, "config=...) takes a Config, a dict"),
        (lambda: archlint.check(spec(), config=archlint.Config), TypeError, "not a type"),
        (lambda: archlint.check(spec(), rules=["AL001"]), TypeError, "config={'select': [...]}"),
        (lambda: archlint.check(spec(), rules=[print]), TypeError, "takes a list of Rules"),
        (lambda: archlint.analyze(3), TypeError, "analyze() takes a Spec, a Document or a dict"),
        (lambda: archlint.analyze(archlint.loads("[input]\n", "toml", "broken.toml")), ValueError,
         "broken.toml is not a valid spec"),
        (lambda: archlint.loads("x = 1", "yaml"), ValueError, "reads 'toml' or 'json' text, not 'yaml'"),
        (lambda: archlint.loads("x = 1", None), ValueError, "not None"),
        (lambda: archlint.loads(b"x = 1"), TypeError, "decode it first"),
        (lambda: archlint.loads("x = 1", "toml", 3), TypeError, "filename"),
        (lambda: archlint.load(as_dict()), TypeError, "for a dict, use archlint.from_dict()"),
        (lambda: archlint.load(archlint.Document("x", None)), TypeError, "loaded already"),
        (lambda: archlint.load("[input]\nchannels = 3"), ValueError, "use archlint.loads("),
        (lambda: archlint.from_dict(as_dict(), filename=None), TypeError, "filename"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)  # fmt: skip
def test_a_wrong_argument_is_a_clear_type_or_value_error(call, error, says):
    with pytest.raises(error) as caught:
        call()
    assert says in str(caught.value)
    assert type(caught.value) is error  # not an AttributeError or IndexError passed off as one


@pytest.mark.parametrize(
    "keys",
    [{"name": "c", "out_channels": 8, "kernel_size": 3},
     {"type": "linear", "name": "c", "out_channels": 8, "kernel_size": 3}],
    ids=["no type", "wrong type"],
)  # fmt: skip
def test_a_layer_model_without_its_type_or_with_a_wrong_one_says_so(keys):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="type"):
        Conv(**keys)
