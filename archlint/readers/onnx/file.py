"""An .onnx file -> a Conversion: the bytes read within protobuf's limit, parsed, converted.

Problems instead of exceptions, whatever the file holds; the only exception is LoadError, for
a file that cannot be read or when the onnx package is not installed.
"""

from __future__ import annotations

from pathlib import Path

from archlint.diagnostics import SCHEMA_ERROR, SYNTAX_ERROR, Problem
from archlint.readers import LoadError
from archlint.readers.onnx.graph import OnnxStructureError
from archlint.readers.onnx.translate import Conversion, convert_model

ONNX_MISSING = "reading .onnx files needs the onnx package: pip install 'archlint[onnx]'"
MAX_FILE_BYTES = 2**31 - 1
"""Protobuf cannot serialise more; larger models keep their weights in external data files."""


def convert_file(path: str | Path) -> Conversion:
    """Read and convert an .onnx file; problems instead of exceptions, except LoadError."""
    path = Path(path)
    try:
        import onnx
    except ImportError:
        raise LoadError(ONNX_MISSING) from None
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory")
        if size > MAX_FILE_BYTES:
            return _failed(
                SYNTAX_ERROR,
                f"the file is {size:,} bytes, over protobuf's 2 GiB limit: it is not an ONNX"
                " model (large models keep their weights in external data files)",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not data:
        return _failed(SYNTAX_ERROR, "the file is empty: not an ONNX model")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as exc:  # DecodeError and whatever else a hostile file provokes
        return _failed(
            SYNTAX_ERROR,
            f"not a readable ONNX model: the protobuf does not parse ({exc});"
            " the file may be truncated or not ONNX",
        )
    try:
        return convert_model(model, path.stem)
    except OnnxStructureError as exc:
        return _failed(SCHEMA_ERROR, str(exc))
    except RecursionError:
        return _failed(SCHEMA_ERROR, "the model is nested too deeply to read")
    except Exception as exc:  # never a traceback for a file, whatever it holds
        return _failed(
            SCHEMA_ERROR,
            f"archlint could not convert this ONNX model ({type(exc).__name__}: {exc});"
            " please report it",
        )


def _failed(kind, message: str) -> Conversion:
    return Conversion(None, problems=[Problem(kind, message)])
