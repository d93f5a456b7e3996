"""Suppressions per layer, per file and by comment; unused ones are reported."""

import json

import archlint

HEAD = "[input]\nchannels = 1\nheight = 7\nwidth = 7\n\n"
CONV = (
    '[[layers]]\nname = "conv1"\ntype = "conv2d"\nout_channels = 8\nkernel_size = 3\nstride = 3\n'
)


def found(text: str, fmt: str = "toml") -> list[tuple[str, int]]:
    result = archlint.check(archlint.loads(text, fmt, f"spec.{fmt}"))
    return [(d.rule, d.line) for d in result.diagnostics]


def test_unsuppressed():
    assert found(HEAD + CONV) == [("non-integer-output", 11)]


def test_layer_ignore_by_name_or_code():
    for name in ("non-integer-output", "AL001"):
        assert found(HEAD + CONV + f'ignore = ["{name}"]\n') == []


def test_model_ignore_for_the_whole_file():
    assert found(f'[model]\nignore = ["AL001"]\n\n{HEAD}{CONV}') == []


def test_comment_on_any_line_of_the_layer():
    assert found(HEAD + CONV.replace("stride = 3", "stride = 3  # archlint: ignore[AL001]")) == []
    header = CONV.replace("[[layers]]", "[[layers]]  # archlint: ignore[non-integer-output]")
    assert found(HEAD + header) == []


def test_comment_only_silences_its_own_layer():
    other = '\n[[layers]]  # archlint: ignore[AL001]\nname = "relu"\ntype = "relu"\n'
    assert found(HEAD + CONV + other) == [
        ("non-integer-output", 11),
        ("unused-suppression", 13),
    ]


def test_unused_and_unknown_suppressions_are_reported():
    text = HEAD + CONV + 'ignore = ["AL001", "padding-mismatch", "no-such-rule"]\n'
    result = archlint.check(archlint.loads(text, "toml", "spec.toml"))
    messages = {d.message: d for d in result.diagnostics}
    assert set(messages) == {
        "ignore[padding-mismatch] on layer 'conv1' silences nothing",
        "ignore names 'no-such-rule', which is not a rule",
    }
    assert all(d.code == "AL907" and d.severity == archlint.Severity.INFO and d.line == 12
               for d in result.diagnostics)  # fmt: skip


def test_suppressions_work_in_json():
    data = {"model": {"ignore": []}, "input": {"channels": 1, "height": 7, "width": 7},
            "layers": [{"name": "conv1", "type": "conv2d", "out_channels": 8, "kernel_size": 3,
                        "stride": 3, "ignore": ["non-integer-output"]}]}  # fmt: skip
    assert found(json.dumps(data), "json") == []
    data["layers"][0]["ignore"] = []
    data["model"]["ignore"] = ["AL001"]
    assert found(json.dumps(data, indent=2), "json") == []


def test_unused_suppression_of_a_rule_the_config_turned_off_is_not_reported():
    text = HEAD + CONV + 'ignore = ["AL001", "padding-mismatch"]\n'
    config = archlint.parse_config({"ignore": ["padding-mismatch"]})
    assert archlint.check(archlint.loads(text), config=config).diagnostics == []


def test_suppression_text_inside_a_string_is_not_a_comment():
    text = HEAD + CONV + '\n[model]\ndescription = """\nnote: # archlint: ignore[AL001]\n"""\n'
    assert found(text) == [("non-integer-output", 11)]
    early = '[model]\ndescription = "# archlint: ignore[AL001]"\n\n' + HEAD + CONV
    assert [rule for rule, _ in found(early)] == ["non-integer-output"]
