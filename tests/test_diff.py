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
    assert "~ fc (linear): (1000) → (10); params 513,000 → 5,130 (−507,870, −99.0%)" in text
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
