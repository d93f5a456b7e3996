"""Files archlint writes (`check --fix`, `graph -o`, `convert -o`) are replaced atomically.

An interrupted write must leave the old file whole and no temporary file behind; a finished one
must hold exactly the bytes intended and keep the old file's permission bits.
"""

import errno
import os
import shutil
import stat

import pytest
from click.testing import CliRunner

from archlint import files
from archlint.cli import main
from conftest import SAMPLES, import_or_skip


@pytest.fixture
def replaced(monkeypatch):
    """Every os.replace made while the test runs, as (source, target); each still happens."""
    calls = []
    real_replace = os.replace

    def spy(source, target):
        calls.append((os.fspath(source), os.fspath(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    return calls


def test_a_write_that_fails_midway_leaves_the_original(tmp_path, monkeypatch):
    path = tmp_path / "spec.json"
    path.write_text("the original\n")
    real_open = open

    class HalfWritten:
        """A file that takes half of what it is given, then fails as a full disk does."""

        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, text):
            self.file.write(text[: len(text) // 2])
            self.file.flush()
            raise OSError(28, "No space left on device")

    def open_half(*args, **kwargs):
        return HalfWritten(real_open(*args, **kwargs))

    monkeypatch.setattr(files, "open", open_half, raising=False)
    with pytest.raises(OSError, match="No space"):
        files.write_text(path, "a new text, much longer than the original one\n")
    assert path.read_text() == "the original\n"
    assert os.listdir(tmp_path) == ["spec.json"]  # no temporary file left


def test_a_failed_replace_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "spec.json"
    path.write_text("the original\n")

    def fail(source, target):
        raise KeyboardInterrupt  # stopped at the last moment

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(path, "new\n")
    assert path.read_text() == "the original\n"
    assert os.listdir(tmp_path) == ["spec.json"]


def test_the_temporary_file_is_beside_the_target(tmp_path, replaced):
    path = tmp_path / "spec.json"
    files.write_text(path, "new\n")
    [(source, target)] = replaced
    assert os.path.dirname(source) == str(tmp_path) and target == str(path)
    assert os.listdir(tmp_path) == ["spec.json"]


def test_permission_bits_are_kept(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("old\n")
    path.chmod(0o751)
    files.write_text(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751 and path.read_text() == "new\n"


def test_a_new_file_gets_the_mode_open_would_give_it(tmp_path):
    (tmp_path / "by-open.txt").write_text("x")
    files.write_text(tmp_path / "new.txt", "x")
    mode = stat.S_IMODE((tmp_path / "by-open.txt").stat().st_mode)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == mode


def test_exactly_the_bytes_intended(tmp_path):
    path = tmp_path / "out.txt"
    text = "naïve 名前\nline two\n"
    files.write_text(path, text, newline="\r\n")
    assert path.read_bytes() == text.replace("\n", "\r\n").encode("utf-8")
    files.write_text(path, text, newline="\n")
    assert path.read_bytes() == text.encode("utf-8")
    files.write_text(path, text)  # as Path.write_text: the platform's line ending
    assert path.read_bytes() == text.replace("\n", os.linesep).encode("utf-8")


def test_a_symbolic_link_is_written_through(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    try:
        link.symlink_to(target)
    except OSError as exc:  # only a file system or account that cannot make links skips
        cannot = exc.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS)
        if not cannot and getattr(exc, "winerror", None) != 1314:  # Windows: privilege not held
            raise
        pytest.skip(f"no symbolic links here: {exc.strerror}")
    files.write_text(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"


# ------------------------------------------------------------- the commands that write


def test_fix_writes_atomically(tmp_path, replaced):
    path = tmp_path / "bias-before-batchnorm.toml"
    shutil.copy(SAMPLES / "bad" / "bias-before-batchnorm.toml", path)
    path.chmod(0o640)
    result = CliRunner().invoke(main, ["check", "--fix", str(path)])
    assert result.exit_code == 0 and "bias = false" in path.read_text()
    assert [target for _, target in replaced] == [str(path)]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == [path.name]


def test_graph_writes_atomically(tmp_path, replaced):
    out = tmp_path / "net.svg"
    out.write_text("an old drawing")
    result = CliRunner().invoke(main, ["graph", str(SAMPLES / "tiny_resnet.toml"), "-o", str(out)])
    assert result.exit_code == 0 and out.read_text().lstrip().startswith("<")
    assert [target for _, target in replaced] == [str(out)]
    assert os.listdir(tmp_path) == ["net.svg"]


def tiny_onnx(path):
    """An ONNX model of one ReLU on a 3×8×8 input, saved at `path`."""
    onnx = import_or_skip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(graph), path)
    return path


def test_convert_writes_atomically(tmp_path, replaced):
    model = tiny_onnx(tmp_path / "m.onnx")
    for name in ("m.toml", "m.json"):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["convert", str(model), "-o", str(out)])
        assert result.exit_code == 0 and "relu" in out.read_text()
    assert [target for _, target in replaced] == [str(tmp_path / n) for n in ("m.toml", "m.json")]
    assert sorted(os.listdir(tmp_path)) == ["m.json", "m.onnx", "m.toml"]


def test_convert_says_why_it_cannot_write(tmp_path):
    model = tiny_onnx(tmp_path / "m.onnx")
    out = tmp_path / "no-such-folder" / "m.toml"
    result = CliRunner().invoke(main, ["convert", str(model), "-o", str(out)])
    assert result.exit_code == 2 and "cannot write" in result.output


def test_graph_says_why_it_cannot_write(tmp_path):
    out = tmp_path / "no-such-folder" / "net.svg"
    args = ["graph", str(SAMPLES / "tiny_resnet.toml"), "-o", str(out)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 2 and f"{out}: cannot write" in result.output
    assert "Traceback" not in result.output


def test_fix_says_why_it_cannot_write(tmp_path, monkeypatch):
    path = tmp_path / "bias-before-batchnorm.toml"
    shutil.copy(SAMPLES / "bad" / "bias-before-batchnorm.toml", path)
    before = path.read_bytes()

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    result = CliRunner().invoke(main, ["check", "--fix", str(path)], catch_exceptions=False)
    assert result.exit_code == 2 and "cannot write: No space left on device" in result.output
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]
