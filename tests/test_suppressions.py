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


# conv1 has two findings: its stride 3 does not fit 7 (AL001, at `stride`, line 11) and its bias
# is cancelled by the batch norm right after it (AL010, at the layer's header, line 6)
BN = '\n[[layers]]\nname = "bn1"\ntype = "batchnorm2d"\n'
BOTH = [("bias-before-batchnorm", 6), ("non-integer-output", 11)]


def test_a_layer_with_two_findings_reports_both():
    assert found(HEAD + CONV + BN) == BOTH


def test_ignoring_one_rule_on_a_layer_keeps_its_other_finding():
    by_key = {
        name: HEAD + CONV + f'ignore = ["{name}"]\n' + BN
        for name in ("AL001", "non-integer-output")
    }
    by_comment = HEAD + CONV.replace("stride = 3", "stride = 3  # archlint: ignore[AL001]") + BN
    for how, text in [*by_key.items(), ("comment", by_comment)]:
        assert found(text) == [("bias-before-batchnorm", 6)], how
    by_model = '[model]\nignore = ["non-integer-output"]\n\n' + HEAD + CONV + BN
    assert found(by_model) == [("bias-before-batchnorm", 6 + 3)]  # three lines of [model] first
    other = HEAD + CONV.replace("[[layers]]", "[[layers]]  # archlint: ignore[AL010]") + BN
    assert found(other) == [("non-integer-output", 11)]
    data = {"input": {"channels": 1, "height": 7, "width": 7},
            "layers": [{"name": "conv1", "type": "conv2d", "out_channels": 8, "kernel_size": 3,
                        "stride": 3, "ignore": ["bias-before-batchnorm"]},
                       {"name": "bn1", "type": "batchnorm2d"}]}  # fmt: skip
    assert [rule for rule, _ in found(json.dumps(data), "json")] == ["non-integer-output"]


def test_an_ignore_on_one_layer_never_silences_another():
    # a_conv and b_conv (both read the input) each have AL001; "a_conv" sorts before "b_conv",
    # so a comparison of names other than equality would let a_conv's ignore reach b_conv
    b_conv = CONV.replace("conv1", "b_conv") + 'inputs = ["input"]\n'
    a_conv = CONV.replace("conv1", "a_conv").replace(
        "[[layers]]", "[[layers]]  # archlint: ignore[AL001]"
    )
    both = '[model]\noutputs = ["a_conv", "b_conv"]\n\n'  # neither output is unused (AL904)
    assert found(both + HEAD + a_conv + "\n" + b_conv) == [("non-integer-output", 3 + 18)]
    b_first = CONV.replace("conv1", "b_conv").replace(
        "[[layers]]", "[[layers]]  # archlint: ignore[AL001]"
    )
    a_second = CONV.replace("conv1", "a_conv") + 'inputs = ["input"]\n'
    assert found(both + HEAD + b_first + "\n" + a_second) == [("non-integer-output", 3 + 18)]


def test_unused_suppressions_say_where_they_are_and_what_to_do():
    # line 1: "[input]" (columns 1-7), two spaces, "#" at 10, " old ", the second "#" at 16;
    # line 6: "[[layers]]" (1-10), two spaces, "# note " from 13, the second "#" at 20
    text = (HEAD.replace("[input]", "[input]  # old # archlint: ignore[AL002]")
            + CONV.replace("[[layers]]", "[[layers]]  # note # archlint: ignore[AL008, nope]"))  # fmt: skip
    result = archlint.check(archlint.loads(text, "toml", "spec.toml"))
    unused = [(d.line, d.column, d.layer, d.message, d.help)
              for d in result.diagnostics if d.rule == "unused-suppression"]  # fmt: skip
    assert unused == [
        (1, 16, None, "ignore[AL002] outside any layer silences nothing", "remove it"),
        (6, 20, "conv1", "ignore[AL008] on layer 'conv1' silences nothing", "remove it"),
        (6, 20, "conv1", "ignore names 'nope', which is not a rule",
         "`archlint rules` lists the codes and names"),
    ]  # fmt: skip
    whole_file = f'[model]\nignore = ["AL010"]\n\n{HEAD}{CONV}'
    [d] = [d for d in archlint.check(archlint.loads(whole_file)).diagnostics if d.code == "AL907"]
    assert (d.line, d.layer, d.message) == (
        2,
        None,
        "ignore[AL010] for the whole file silences nothing",
    )
