"""`archlint diff`: what a change does to shapes, parameters and MACs."""

import json

from click.testing import CliRunner

from archlint.cli import main
from conftest import SAMPLES

RESNET18 = SAMPLES / "networks" / "resnet18.toml"


def changed(tmp_path, edit) -> str:
    path = tmp_path / "new.toml"
    path.write_text(edit(RESNET18.read_text()))
    return str(path)


def test_diff_reports_changed_added_and_removed_layers_and_totals(tmp_path):
    new = changed(tmp_path, lambda s: s.replace("out_features = 1000", "out_features = 10")
                  .replace('name = "avgpool"', 'name = "gap"'))  # fmt: skip
    result = CliRunner().invoke(main, ["diff", "--format", "json", str(RESNET18), new])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    fc = next(r for r in data["layers"] if r["name"] == "fc")
    assert fc["change"] == "changed" and fc["output_shape"] == [[1000], [10]]
    assert fc["params"] == [513_000, 5_130] and fc["macs"] == [512_000, 5_120]
    assert data["totals"]["params"] == [11_689_512, 11_689_512 - 513_000 + 5_130]
    changes = {r["name"]: r["change"] for r in data["layers"]}
    assert (changes["gap"], changes["avgpool"], changes["conv1"]) == ("added", "removed", "same")
    text = CliRunner().invoke(main, ["diff", str(RESNET18), new]).output
    assert (
        "  ~ fc (linear): (1000) → (10); params 513,000 → 5,130 (−507,870, −99.0%);"
        " MACs 512.00K → 5.12K (−506.88K, −99.0%)\n" in text
    )
    assert "total parameters: 11,689,512 → 11,181,642 (−507,870, −4.3%)" in text


def test_identical_specs_have_no_changes():
    text = CliRunner().invoke(main, ["diff", str(RESNET18), str(RESNET18)]).output
    assert "no layer changed" in text and "total parameters: 11,689,512\n" in text


def test_diff_of_an_invalid_spec_shows_its_problems():
    result = CliRunner().invoke(
        main, ["diff", str(RESNET18), str(SAMPLES / "bad" / "syntax-error.toml")]
    )
    assert result.exit_code == 1 and "AL901" in result.output
    assert CliRunner().invoke(main, ["diff", str(RESNET18), "missing.toml"]).exit_code == 2


def test_growth_is_signed_plus_and_macs_and_unchanged_shapes_are_shown(tmp_path):
    # fc 512 -> 2000: 512·2000 + 2000 = 1,026,000 parameters (from 513,000: +100%), and
    # 512·2000 = 1,024,000 MACs (from 512,000); in all 11,689,512 + 513,000 = 12,202,512 (+4.4%)
    bigger = changed(tmp_path, lambda s: s.replace("out_features = 1000", "out_features = 2000"))
    text = CliRunner().invoke(main, ["diff", str(RESNET18), bigger]).output.splitlines()
    assert text[1:] == [
        "  ~ fc (linear): (1000) → (2000); params 513,000 → 1,026,000 (+513,000, +100.0%);"
        " MACs 512.00K → 1.02M (+512.00K, +100.0%)",
        "  total parameters: 11,689,512 → 12,202,512 (+513,000, +4.4%)",
        "  total MACs: 1.81G → 1.81G (+512.00K, +0.0%)",
    ]
    # a bias dropped: parameters change, the shape and the MACs do not (and are not repeated)
    no_bias = changed(
        tmp_path, lambda s: s.replace("out_features = 1000", "out_features = 1000\nbias = false")
    )
    text = CliRunner().invoke(main, ["diff", str(RESNET18), no_bias]).output.splitlines()
    assert text[1] == "  ~ fc (linear): (1000); params 513,000 → 512,000 (−1,000, −0.2%)"
    # a layer whose type changes is shown with its new type
    gelu = changed(
        tmp_path,
        lambda s: s.replace('name = "relu"\ntype = "relu"', 'name = "relu"\ntype = "gelu"'),
    )
    text = CliRunner().invoke(main, ["diff", str(RESNET18), gelu]).output.splitlines()
    assert text[1] == "  ~ relu (gelu): (64, 112, 112); params 0"
