"""Drawings: SVG, HTML, Mermaid and DOT, checked for structure; the HTML page in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

import archlint
from archlint import draw
from conftest import SAMPLES

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = Path("/usr/bin/chromium")
CASES = {
    "tiny_resnet": SAMPLES / "tiny_resnet.toml",
    "resnet18": SAMPLES / "networks" / "resnet18.toml",
    "merge_mismatch": SAMPLES / "bad" / "merge-mismatch.toml",
}


@pytest.fixture(scope="module", params=list(CASES))
def result(request) -> archlint.FileResult:
    return archlint.check(CASES[request.param])


@pytest.fixture(scope="module")
def bad() -> archlint.FileResult:
    return archlint.check(CASES["merge_mismatch"])


def shape(s) -> str:
    return "unknown" if s is None else "×".join(map(str, s))


def expected_edges(result) -> dict[tuple[str, str], str]:
    """(source, target) -> the shape label, for every data flow of the analysis."""
    analysis = result.analysis
    outputs = {INPUT: analysis.input_shape} | {n: r.output for n, r in analysis.layers.items()}
    return {(u, v): shape(outputs[u]) for u, v in analysis.graph.edges}


INPUT = "input"


def svg_root(result) -> ET.Element:
    return ET.fromstring(draw.render(result, "svg").encode("utf-8"))


def nodes(root: ET.Element) -> dict[str, ET.Element]:
    return {
        g.get("data-name"): g for g in root.iter(SVG + "g") if "node" in g.get("class", "").split()
    }


# ---------------------------------------------------------------------------------------------
# SVG


def test_svg_is_a_standalone_document_with_a_sane_size(result):
    text = draw.render(result, "svg")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == SVG + "svg"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert 100 < width < 5000 and 100 < height < 50_000
    for rect in root.iter(SVG + "rect"):
        if rect.get("width", "").endswith("%"):
            continue  # the background
        x, y = float(rect.get("x")), float(rect.get("y"))
        assert 0 <= x and x + float(rect.get("width")) <= width
        assert 0 <= y and y + float(rect.get("height")) <= height
    for text_el in root.iter(SVG + "text"):
        assert 0 <= float(text_el.get("x")) <= width and 0 <= float(text_el.get("y")) <= height


def test_svg_draws_every_layer_with_its_settings(result):
    drawn = nodes(svg_root(result))
    assert set(result.analysis.layers) | {INPUT} <= set(drawn)
    for name, layer in result.analysis.layers.items():
        texts = [t.text for t in drawn[name].iter(SVG + "text")]
        assert texts[0] == name and texts[1].startswith(layer.type)
    assert any(k.startswith("output:") for k in drawn)


def test_svg_labels_every_edge_with_its_shape(result):
    root = svg_root(result)
    paths = {(p.get("data-source"), p.get("data-target")): p for p in root.iter(SVG + "path")
             if "edge" in p.get("class", "")}  # fmt: skip
    labels = {(t.get("data-source"), t.get("data-target")): t.text for t in root.iter(SVG + "text")
              if "label" in t.get("class", "").split()}  # fmt: skip
    for edge, label in expected_edges(result).items():
        assert edge in paths, edge
        assert labels[edge] == label, edge
        assert paths[edge].find(SVG + "title").text.endswith(": " + label)


def test_svg_boxes_in_a_rank_share_a_row_and_never_overlap(result):
    by_rank: dict[str, list[tuple[float, float, float]]] = {}
    for g in nodes(svg_root(result)).values():
        rect = g.find(SVG + "rect")
        x, y, w = (float(rect.get(k)) for k in ("x", "y", "width"))
        by_rank.setdefault(g.get("data-rank"), []).append((x, x + w, y))
    assert len(by_rank) > 3
    for rank, boxes in by_rank.items():
        assert len({y for _, _, y in boxes}) == 1, rank
        boxes.sort()
        for (_, right, _), (left, _, _) in zip(boxes, boxes[1:]):
            assert right + 10 <= left, rank


def test_svg_edges_never_pass_through_a_box(result):
    """Curves only between rows of boxes; straight runs through a row only between boxes."""
    root = svg_root(result)
    boxes = []
    for g in nodes(root).values():
        rect = g.find(SVG + "rect")
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        boxes.append((x, y, x + w, y + h))
    for path in root.iter(SVG + "path"):
        if "edge" not in path.get("class", ""):
            continue
        for (x1, y1), (_, y2), curve in segments(path.get("d")):
            top, bottom = min(y1, y2) + 0.5, max(y1, y2) - 0.5
            for bx1, by1, bx2, by2 in boxes:
                if top < by2 and bottom > by1:  # the segment's rows meet the box's
                    assert not curve, (path.get("data-source"), path.get("data-target"))
                    assert not bx1 < x1 < bx2, (path.get("data-source"), path.get("data-target"))


def segments(d: str):
    """(start, end, is_curve) for each segment of an M/L/C path."""
    tokens = re.findall(r"([MLC])([^MLC]*)", d)
    here = None
    for command, args in tokens:
        numbers = [float(n) for n in re.findall(r"-?[\d.]+", args)]
        end = (numbers[-2], numbers[-1])
        if command != "M":
            yield here, end, command == "C"
        here = end


def test_svg_marks_findings_by_severity(bad):
    root = svg_root(bad)
    add = nodes(root)["add"]
    assert "error" in add.get("class").split() and add.get("data-severity") == "error"
    assert add.get("data-codes") == "AL007"
    assert add.find(SVG + "rect").get("stroke") == draw.SEVERITY_COLOURS[archlint.Severity.ERROR][0]
    assert "AL007" in [t.text for t in add.iter(SVG + "text")]  # the badge
    assert "cannot add shapes" in add.find(SVG + "title").text  # the tooltip
    assert nodes(root)["conv1"].get("data-severity") is None
    resnet = nodes(svg_root(archlint.check(CASES["resnet18"])))
    assert resnet["layer2.0.downsample.0"].get("data-severity") == "info"


def test_svg_escapes_names_and_survives_a_cycle():
    doc = archlint.from_dict({
        "model": {"name": 'a <b> & "c"'},
        "input": {"channels": 3, "height": 8, "width": 8},
        "layers": [
            {"name": "x<&>'\"", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "inputs": ["z"]},
            {"name": "y", "type": "relu"},
            {"name": "z", "type": "add", "inputs": ["y", "input"]},
        ],
    })  # fmt: skip
    result = archlint.check(doc)
    root = ET.fromstring(draw.render(result, "svg").encode("utf-8"))
    assert root.find(SVG + "title").text.startswith('a <b> & "c"')
    assert "x<&>'\"" in nodes(root)
    upward = [p for p in root.iter(SVG + "path") if p.get("marker-start")]
    assert len(upward) == 1  # the flow that closes the cycle, drawn against the flow
    for fmt in draw.FORMATS:
        assert draw.render(result, fmt)


def test_an_invalid_spec_still_renders_every_format():
    result = archlint.check(SAMPLES / "bad" / "schema-error.json")
    assert result.analysis is None
    root = ET.fromstring(draw.render(result, "svg").encode("utf-8"))
    assert "not a valid spec" in "".join(root.itertext())
    assert "Findings (" in draw.render(result, "html")
    assert draw.render(result, "mmd").startswith("flowchart TD")
    assert draw.render(result, "dot").startswith("digraph")


def test_a_long_chain_flows_down_and_stays_straight():
    result = archlint.check(SAMPLES / "networks" / "resnet50.toml")
    root = svg_root(result)  # how fast: benchmarks/bench.py measures it, on a quiet machine
    width, height = float(root.get("width")), float(root.get("height"))
    assert height > 10 * width  # top to bottom, not sideways
    edges = [p for p in root.iter(SVG + "path") if "edge" in p.get("class", "")]
    straight = [p for p in edges if "C" not in p.get("d")]
    assert len(straight) >= 0.85 * len(edges)


def test_describe_key_settings():
    def one(**layer):
        doc = archlint.from_dict({"input": {"channels": 3, "height": 56, "width": 56},
                                  "layers": [{"name": "x", **layer}]})  # fmt: skip
        return draw.describe(doc.spec.layers[0])

    assert (
        one(type="conv2d", out_channels=64, kernel_size=3, stride=2, padding=1)
        == "conv2d 3×3 /2 p1 → 64"
    )
    assert one(type="maxpool2d", kernel_size=3, stride=2) == "maxpool2d 3×3 /2"
    assert (
        one(type="conv2d", out_channels=8, kernel_size=[1, 3], padding="same")
        == "conv2d 1×3 p=same → 8"
    )
    assert (
        one(type="conv2d", out_channels=8, kernel_size=3, groups=8, dilation=2)
        == "conv2d 3×3 d2 g8 → 8"
    )
    assert one(type="adaptive_avgpool2d", output_size=1) == "adaptive_avgpool2d → 1×1"
    assert one(type="relu") == "relu"


def test_formats_and_extensions(bad):
    assert draw.format_for("net.svg") == "svg" and draw.format_for("out/NET.HTML") == "html"
    assert draw.format_for("n.mmd") == "mmd" and draw.format_for("n.gv") == "dot"
    with pytest.raises(ValueError, match="cannot tell"):
        draw.format_for("net.png")
    with pytest.raises(ValueError, match="unknown drawing format"):
        draw.render(bad, "png")


# ---------------------------------------------------------------------------------------------
# HTML


class Page(HTMLParser):
    """Tags, table rows and the text of a page; fails on unbalanced tags."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, (tag, self.stack[-3:])

    def handle_data(self, data):
        self.text.append(data)
        if self.stack and self.stack[-1] in ("td", "th", "code") and self.rows:
            self.rows[-1].append(data)


def parse_page(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert page.stack == []
    return page


def test_html_is_one_self_contained_page(result):
    text = draw.render(result, "html")
    assert text.startswith("<!DOCTYPE html>")
    page = parse_page(text)
    names = [t for t, _ in page.tags]
    assert "script" not in names and "link" not in names and "iframe" not in names
    for _, attrs in page.tags:
        for key, value in attrs.items():
            assert (
                key not in ("src", "href")
                and "://" not in (value or "")
                or (key == "xmlns" and value == "http://www.w3.org/2000/svg")
            )
    assert not re.search(r"url\((?!#)", text)  # only url(#marker) references
    assert names.count("svg") == 1
    words = "".join(page.text)
    assert result.document.spec.model.name in words


def test_html_has_the_summary_table_and_the_findings(result):
    page = parse_page(draw.render(result, "html"))
    rows = {r[0]: r for r in page.rows if r}
    for name, layer in result.analysis.layers.items():
        row = rows[name]
        params = "?" if layer.params is None else f"{layer.params:,}"
        assert row == [name, layer.type, shape(layer.output), params]
    assert rows["total"] == ["total", f"{result.analysis.total_params:,}"]
    text = "".join(page.text)
    for d in result.diagnostics:
        assert d.message in text and d.code in text
    if not result.diagnostics:
        assert "No findings." in text
    findings = [a for t, a in page.tags if t == "li"]
    assert [a["class"] for a in findings] == [str(d.severity) for d in result.diagnostics]


# ---------------------------------------------------------------------------------------------
# Mermaid and DOT

MERMAID_LINE = re.compile(
    r'\s+(n\d+(\["[^"]*"\]|\(\["[^"]*"\]\))'  # a node
    r'|n\d+ -->\|"[^"]*"\| n\d+'  # an edge
    r"|classDef (error|warning|info) [\w#:,.-]+"
    r"|class n\d+(,n\d+)* (error|warning|info)"
    r"|%% [^\n]*)$"
)


def mermaid_parts(text: str):
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart TD"
    for line in lines[1:]:
        assert MERMAID_LINE.fullmatch(line), line
    labels = dict(re.findall(r'^\s+(n\d+)[\[(]+"([^"]*)"', text, re.M))
    edges = re.findall(r'^\s+(n\d+) -->\|"([^"]*)"\| (n\d+)$', text, re.M)
    return labels, edges


def test_mermaid_flowchart(result):
    labels, edges = mermaid_parts(draw.render(result, "mmd"))
    ids = {label.split("<br/>")[0].split(" [")[0]: n for n, label in labels.items()}
    assert set(result.analysis.layers) | {INPUT} <= set(ids)
    drawn = {(u, v): label for u, label, v in edges}
    for (u, v), label in expected_edges(result).items():
        assert drawn[(ids[u], ids[v])] == label


def test_mermaid_escapes_and_marks_severity(bad):
    text = draw.render(bad, "mmd")
    labels, _ = mermaid_parts(text)
    add = next(n for n, label in labels.items() if label.startswith("add"))
    assert "[AL007]" in labels[add]
    assert re.search(rf"^\s+class {add} error$", text, re.M)
    assert "classDef error fill:" in text
    assert draw._mermaid_text('a "b" <c> #d;') == "a #34;b#34; #60;c#62; #35;d;"


def test_dot_digraph(result):
    text = draw.render(result, "dot")
    assert text.startswith(
        f'digraph "{result.document.spec.model.name}" {{'
    ) and text.rstrip().endswith("}")
    nodes_ = dict(re.findall(r'^\s+(n\d+) \[label="((?:[^"\\]|\\.)*)"', text, re.M))
    ids = {label.split("\\n")[0].split(" [")[0]: n for n, label in nodes_.items()}
    assert set(result.analysis.layers) | {INPUT} <= set(ids)
    edges = {(u, v): label for u, v, label in
             re.findall(r'^\s+(n\d+) -> (n\d+) \[label="([^"]*)"', text, re.M)}  # fmt: skip
    for (u, v), label in expected_edges(result).items():
        assert edges[(ids[u], ids[v])] == label
    if shutil.which("dot"):  # Graphviz, when installed, must accept it
        done = subprocess.run(
            ["dot", "-Tsvg"], input=text.encode(), capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
        ET.fromstring(done.stdout)


def test_dot_escapes_and_marks_severity(bad):
    text = draw.render(bad, "dot")
    add = next(line for line in text.splitlines() if 'label="add' in line)
    stroke, fill = draw.SEVERITY_COLOURS[archlint.Severity.ERROR]
    assert f'color="{stroke}"' in add and f'fillcolor="{fill}"' in add and "AL007" in add
    assert draw._dot_text('a "b" \\ c\nd') == 'a \\"b\\" \\\\ c\\nd'


# ---------------------------------------------------------------------------------------------
# The page in a real browser


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Width, height, rows of raw pixel bytes and bytes per pixel (8-bit, not interlaced)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        chunks.setdefault(kind, []).append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"][0])
    assert depth == 8 and interlace == 0 and colour in (0, 2, 4, 6), (depth, colour, interlace)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw, stride = zlib.decompress(b"".join(chunks[b"IDAT"])), width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        unfilter(kind, line, previous, bpp)
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def unfilter(kind: int, line: bytearray, up: bytearray, bpp: int) -> None:
    if kind == 0:
        return
    if kind == 2:
        line[:] = bytes((a + b) & 255 for a, b in zip(line, up))
        return
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        above, corner = up[i], up[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 3:
            line[i] = (line[i] + ((left + above) >> 1)) & 255
        else:  # Paeth
            p = left + above - corner
            pa, pb, pc = abs(p - left), abs(p - above), abs(p - corner)
            pred = left if pa <= pb and pa <= pc else above if pb <= pc else corner
            line[i] = (line[i] + pred) & 255


def chromium(page: Path, tmp_path: Path, *mode: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--window-size=1400,1000",
        "--enable-logging=stderr", "--v=0", *mode, page.as_uri(),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_html_page_renders_in_headless_chromium(bad, tmp_path):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: CI must install chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs this test")
    page = tmp_path / "bad-residual.html"
    page.write_text(draw.render(bad, "html"), encoding="utf-8")
    shot = tmp_path / "page.png"
    done = chromium(page, tmp_path, f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 1000, done.stderr[-2000:]
    for log in (done.stderr, done.stdout):
        assert "Uncaught" not in log and "ERROR:CONSOLE" not in log, log[-2000:]
    width, height, rows, bpp = png_pixels(shot.read_bytes())
    assert (width, height) == (1400, 1000)
    colours, ink = set(), 0
    for row in rows[::4]:
        for x in range(0, width * bpp, 4 * bpp):
            pixel = row[x : x + 3]
            colours.add(pixel)
            ink += min(pixel) < 200
    assert len(colours) > 20, "the screenshot is nearly blank"
    assert ink > 0.003 * (width // 4) * (height // 4), "almost no dark pixels: nothing rendered"
    dom = chromium(page, tmp_path, "--dump-dom").stdout
    assert "bad-residual" in dom and "<svg" in dom and "cannot add shapes" in dom
    assert 'data-name="add"' in dom and "AL007" in dom


def test_graph_command_writes_each_format_and_refuses_unknown_ones(tmp_path):
    from click.testing import CliRunner

    from archlint.cli import main

    for suffix in ("svg", "html", "mmd", "dot"):
        out = tmp_path / f"net.{suffix}"
        result = CliRunner().invoke(
            main, ["graph", str(SAMPLES / "tiny_resnet.toml"), "-o", str(out)]
        )
        assert result.exit_code == 0 and out.read_text().strip()
    assert (
        CliRunner()
        .invoke(main, ["graph", str(SAMPLES / "tiny_resnet.toml"), "-o", str(tmp_path / "x.png")])
        .exit_code
        == 2
    )
    broken = CliRunner().invoke(
        main, ["graph", str(SAMPLES / "bad" / "syntax-error.toml"), "-o", str(tmp_path / "b.svg")]
    )
    assert broken.exit_code == 1
