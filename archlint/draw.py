"""Draw a network: each layer a box, each edge labelled with the shape it carries, findings marked.

    render(archlint.check("net.toml"), "svg")   # or "html", "mmd" (Mermaid), "dot" (Graphviz)

SVG and HTML are laid out here, in Python, with no Graphviz: a layered ("Sugiyama") layout that
flows top to bottom. Each node's rank is its longest path from the input; an edge that spans
several ranks passes through a dummy node in each rank between, so it is routed between the
boxes, never through one; the order within a rank comes from barycentre sweeps that keep the
order with the fewest crossings. For x, nodes are aligned into vertical blocks (a node with
its median predecessor, as in Brandes and Köpf), so chains and long edges are drawn straight;
the blocks are packed to the left, then each is moved toward the mean of its neighbours as far
as the gaps in every rank allow, so no two boxes in a rank ever overlap.
Mermaid and DOT are text for those tools to lay out themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import networkx as nx

from archlint.check import FileResult
from archlint.diagnostics import Diagnostic, Severity
from archlint.graph import INPUT, outputs
from archlint.layers import Shape

FORMATS = ("svg", "html", "mmd", "dot")
EXTENSIONS = {
    ".svg": "svg", ".html": "html", ".htm": "html", ".mmd": "mmd", ".mermaid": "mmd",
    ".dot": "dot", ".gv": "dot",
}  # fmt: skip


def render(result: FileResult, fmt: str) -> str:
    """The drawing of a checked file as text in `fmt`, one of FORMATS."""
    writers: dict[str, Callable[[Network], str]] = {
        "svg": lambda net: svg(net, standalone=True),
        "html": html_page,
        "mmd": mermaid,
        "dot": dot,
    }
    if fmt not in writers:
        raise ValueError(f"unknown drawing format {fmt!r}: use one of {', '.join(FORMATS)}")
    return writers[fmt](network(result))


def format_for(path: str | Path) -> str:
    """The format a file name asks for, from its extension (.svg, .html, .mmd, .dot, ...)."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValueError(f"cannot tell the drawing format from {str(path)!r}: use one of "
                         + ", ".join(EXTENSIONS))  # fmt: skip
    return EXTENSIONS[suffix]


# ---------------------------------------------------------------------------------------------
# The model drawn: boxes and flows, whatever the format


@dataclass
class Box:
    """One node: the input, a layer, or a model output."""

    key: Hashable  # the layer's name; ("output", name) for the output after layer `name`
    name: str
    detail: str  # type and key settings, e.g. "conv2d 3×3 /2 p1 → 64"
    kind: str  # "input", "layer" or "output"
    type: str = ""
    index: float = -1.0  # position in the spec, for a stable initial order
    output: Shape | None = None
    params: int | None = None
    findings: list[Diagnostic] = field(default_factory=list)

    @property
    def severity(self) -> Severity | None:
        return max((d.severity for d in self.findings), default=None)

    @property
    def codes(self) -> list[str]:
        return sorted({d.code for d in self.findings})

    @property
    def tooltip(self) -> str:
        lines = [f"{self.name} ({self.type or self.kind})"]
        if self.kind == "layer":
            params = "?" if self.params is None else f"{self.params:,}"
            lines.append(f"output {shape_text(self.output)}, {params} parameters")
        lines += [f"{d.code} {d.severity}: {d.message}" for d in self.findings]
        return "\n".join(lines)


@dataclass
class Flow:
    """One edge: `shape` flows from `source` to `target` (None when it is unknown)."""

    source: Hashable
    target: Hashable
    shape: Shape | None

    @property
    def label(self) -> str:
        return shape_text(self.shape)


@dataclass
class Network:
    title: str
    path: str
    input_shape: Shape | None
    boxes: dict[Hashable, Box]
    flows: list[Flow]
    diagnostics: list[Diagnostic]
    total_params: int = 0
    note: str | None = None  # why there is nothing to draw, when there is not


def shape_text(shape: Shape | None) -> str:
    return "unknown" if shape is None else "×".join(map(str, shape)) or "scalar"


def network(result: FileResult) -> Network:
    """The boxes and flows of a checked file (none when the spec did not load)."""
    document, analysis = result.document, result.analysis
    spec = document.spec
    title = (spec.model.name if spec else None) or Path(document.path).stem
    net = Network(title, document.path, None, {}, [], list(result.diagnostics))
    if analysis is None or spec is None:
        net.note = "no drawing: the file is not a valid spec (see the findings)"
        return net
    net.input_shape, net.total_params = analysis.input_shape, analysis.total_params
    graph = analysis.graph
    shapes = {INPUT: analysis.input_shape}
    net.boxes[INPUT] = Box(INPUT, INPUT, shape_text(analysis.input_shape), "input", INPUT)
    for name, data in graph.nodes(data=True):
        if name == INPUT:
            continue
        done = analysis.layers.get(name)
        shapes[name] = done.output if done else None
        net.boxes[name] = Box(
            name, name, describe(data["layer"]), "layer", data["layer"].type, data["index"],
            shapes[name], done.params if done else None,
        )  # fmt: skip
    net.flows = [Flow(u, v, shapes[u]) for u, v in graph.edges]
    for name in outputs(spec):
        if name in graph and name != INPUT:
            key = ("output", name)
            net.boxes[key] = Box(key, "output", "", "output", "", graph.nodes[name]["index"] + 0.5)
            net.flows.append(Flow(name, key, shapes[name]))
    for d in result.diagnostics:
        if d.layer in net.boxes:
            net.boxes[d.layer].findings.append(d)
    return net


def describe(layer) -> str:
    """A layer's type and key settings: "conv2d 3×3 /2 p1 → 64", "maxpool2d 3×3 /2"."""
    values = layer.__dict__  # the layer's keys: no pydantic lookup for the keys it lacks
    kind, ndim, get = layer.type, layer.ndim, values.get
    parts = [kind]
    if get("kernel_size") is not None:
        parts.append(_axes(get("kernel_size"), ndim))
        stride = get("stride") if get("stride") is not None else get("kernel_size")
        parts += [_setting("/", stride, ndim, 1), _setting("p", get("padding"), ndim, 0)]
        parts += [_setting("op", get("output_padding"), ndim, 0)]
        parts += [_setting("d", get("dilation"), ndim, 1), _setting("g", get("groups"), 1, 1)]
        parts.append("ceil" if get("ceil_mode") else "")
    for key in ("out_channels", "out_features", "output_size"):
        if get(key) is not None:
            parts.append("→ " + _axes(get(key), ndim if key == "output_size" else 1))
    if kind == "upsample":
        factor = get("scale_factor")
        by = f"×{_axes(factor, 1)}" if factor is not None else f"→ {_axes(get('size'), ndim)}"
        parts.append(by)
        parts.append(get("mode"))
    for key, prefix in (("p", "p="), ("op", ""), ("factor", "×"), ("negative_slope", "α=")):
        if isinstance(get(key), (int, float, str)) and not isinstance(get(key), bool):
            parts.append(f"{prefix}{get(key)}")
    if kind in ("clip", "hardtanh"):
        parts.append(f"[{_number(get('min'))}, {_number(get('max'))}]")
    parts.append(_rearranging(layer, get))
    return " ".join(p for p in parts if p)


def _rearranging(layer, get) -> str:
    """The settings of the newer layer types: "[1, 2, 0]", "dim 0 :48", "g2", "×2", "(-2, -1)"."""
    kind = layer.type
    if kind == "slice":
        bounds = f"{_number(get('start')) if get('start') is not None else ''}:" + (
            _number(get("end")) if get("end") is not None else ""
        )
        return f"dim {get('dim')} {bounds}" + (f":{get('step')}" if get("step") != 1 else "")
    if kind == "pad":
        mode = get("mode")
        return str(get("pad")) + ("" if mode == "constant" else f" {mode}")
    for key in ("dims", "shape", "normalized_shape"):
        if get(key) is not None:
            return str(get(key))
    if kind == "flatten":
        dims = (get("start_dim"), get("end_dim"))
        return "" if dims == (0, -1) else f"dims {dims[0]}..{dims[1]}"
    if kind == "concat":
        return f"dim {get('dim')}" if get("dim") else ""
    if get("dim") is not None and kind not in ("softmax", "log_softmax", "layer_scale"):
        return f"dim {get('dim')}" + (" keepdim" if get("keepdim") else "")
    for key, prefix in (("num_groups", "g"), ("upscale_factor", "×"), ("downscale_factor", "÷"),
                        ("value", "")):  # fmt: skip
        if get(key) is not None:
            return f"{prefix}{_number(get(key))}"
    if kind == "channel_shuffle":
        return f"g{get('groups')}"
    return ""


def _axes(value, ndim: int) -> str:
    """3 -> "3×3" for a 2-d layer; [3, 5] -> "3×5"; None entries (adaptive pools) -> "·"."""
    if isinstance(value, str):
        return value
    values = value if isinstance(value, list) else [value] * max(ndim, 1)
    return "×".join("-".join(map(str, v)) if isinstance(v, list) else _number(v) for v in values)


def _setting(prefix: str, value, ndim: int, default) -> str:
    """A setting that differs from its default: "/2", "p1", "p1×2", "p=same"; else ""."""
    if isinstance(value, list) and all(v == value[0] for v in value):
        value = value[0]
    if value is None or value == default:
        return ""
    if isinstance(value, str):
        return f"{prefix}={value}"
    return prefix + _axes(value, ndim if isinstance(value, list) else 1)


def _number(value) -> str:
    if value is None:
        return "·"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


# ---------------------------------------------------------------------------------------------
# Layout: ranks, dummy nodes, order within ranks, coordinates, routes

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
NAME_SIZE, DETAIL_SIZE, LABEL_SIZE, BADGE_SIZE = 12.0, 11.0, 10.0, 10.0
CHAR = 0.602  # a monospace glyph's advance, in ems
BOX_HEIGHT, RANK_GAP, NODE_GAP, MARGIN, HEADER = 40.0, 46.0, 22.0, 20.0, 36.0
PAD, STRIPE, PORT_GAP = 10.0, 5.0, 14.0
# The ordering sweeps, and the rounds of moves that centre the blocks, may each visit at most
# WORK nodes and edges of the layered graph per box and flow of the network: one sweep visits
# them all, and a densely connected network (each layer a concat of every one before) has a
# dummy for each rank each of its edges crosses, about n^3/6 of them for n layers. The bound
# is well above what a usual network's sweeps and moves take (DenseNet-121's 13 sweeps, the
# most of any sample, use about half of theirs), so it cuts only where dummies swamp the boxes.
WORK = 2000


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR


def badge_width(box: Box) -> float:
    return text_width(" ".join(box.codes), BADGE_SIZE) + 10 if box.codes else 0.0


def box_width(box: Box) -> float:
    name = text_width(box.name, NAME_SIZE) + (badge_width(box) + 8 if box.codes else 0)
    return max(name, text_width(box.detail, DETAIL_SIZE), 64.0) + 2 * PAD + STRIPE


@dataclass
class Place:
    """Where a node is: centre x, top y, extents left and right of the centre, its rank."""

    rank: int
    x: float = 0.0
    y: float = 0.0
    left: float = 0.0
    right: float = 0.0
    dummy: bool = False


@dataclass
class Route:
    flow: Flow
    points: list[tuple[float, float]]  # start at the upper node, end at the lower one
    label_at: tuple[float, float, str]  # x, y, text-anchor
    upward: bool = False  # a flow drawn against the layout (it closes a cycle)


@dataclass
class Layout:
    width: float
    height: float
    places: dict[Hashable, Place]
    routes: list[Route]


def layout(net: Network) -> Layout:
    """Where every box, dummy and edge goes (see the module docstring for how)."""
    dag, upward = _acyclic(net)
    ranks = _ranks(dag)
    layered, chains = _with_dummies(dag, ranks)
    budget = WORK * (len(net.boxes) + len(net.flows))  # for the sweeps, and for the moves
    order = _order(layered, ranks, net, budget)
    places = {v: Place(ranks[v]) for v in layered}
    labels = {(f.source, f.target): f.label for f in net.flows}
    for (u, v), chain in chains.items():
        for d in chain:
            places[d].dummy, places[d].left, places[d].right = True, 4.0, 4.0
        label = labels.get((u, v)) or labels[(v, u)]  # (v, u): a flow drawn upward
        places[chain[len(chain) // 2]].right = text_width(label, LABEL_SIZE) + 10
    for key, box in net.boxes.items():
        places[key].left = places[key].right = box_width(box) / 2
    root = _assign_x(layered, order, places, budget)
    left = right = None  # plain loops: a densely connected network has many dummies
    for p in places.values():
        if left is None or p.x - p.left < left:
            left = p.x - p.left
    left = 0.0 if left is None else left
    for p in places.values():
        p.x += MARGIN - left
        p.y = HEADER + MARGIN + p.rank * (BOX_HEIGHT + RANK_GAP)
        if right is None or p.x + p.right > right:
            right = p.x + p.right
    ports: dict = {}  # each box's ports, worked out once for all its edges
    routes = [_route(layered, places, chains, root, f, f in upward, ports) for f in net.flows]
    width = (0.0 if right is None else right) + MARGIN
    height = HEADER + 2 * MARGIN + (max(ranks.values(), default=-1) + 1) * (BOX_HEIGHT + RANK_GAP)
    return Layout(max(width, header_width(net) + 2 * MARGIN), height - RANK_GAP, places, routes)


def _acyclic(net: Network) -> tuple[nx.DiGraph, list[Flow]]:
    """The flows as a DAG; in a graph with a cycle, flows against the spec order turn round."""
    dag = nx.DiGraph()
    dag.add_nodes_from(net.boxes)
    dag.add_edges_from((f.source, f.target) for f in net.flows)
    if nx.is_directed_acyclic_graph(dag):
        return dag, []
    upward = [f for f in net.flows if net.boxes[f.source].index >= net.boxes[f.target].index]
    for f in upward:
        dag.remove_edge(f.source, f.target)
        dag.add_edge(f.target, f.source)
    return dag, upward


def _ranks(dag: nx.DiGraph) -> dict[Hashable, int]:
    """Longest path from a source: every flow points down at least one rank."""
    rank: dict[Hashable, int] = {}
    for v in nx.topological_sort(dag):
        rank[v] = max((rank[u] + 1 for u in dag.predecessors(v)), default=0)
    return rank


class _Layered:
    """The DAG with its long edges cut into chains of dummies: nodes in order, and each node's
    predecessors and successors as plain lists (the layout reads them a great many times)."""

    def __init__(self, nodes) -> None:
        self.pred: dict[Hashable, list] = {v: [] for v in nodes}
        self.succ: dict[Hashable, list] = {v: [] for v in nodes}

    def __iter__(self):
        return iter(self.pred)

    def add_path(self, path: list) -> None:
        for u, v in zip(path, path[1:]):
            for node in (u, v):
                if node not in self.pred:
                    self.pred[node], self.succ[node] = [], []
            self.succ[u] += [v]
            self.pred[v] += [u]


def _with_dummies(dag: nx.DiGraph, ranks: dict) -> tuple[_Layered, dict]:
    """Each edge spanning k > 1 ranks becomes a chain through k - 1 dummy nodes."""
    layered = _Layered(dag)
    chains: dict[tuple, list] = {}
    for u, v in dag.edges:
        chain = [("dummy", u, v, r) for r in range(ranks[u] + 1, ranks[v])]
        for d in chain:
            ranks[d] = d[3]
        layered.add_path([u, *chain, v])
        if chain:
            chains[(u, v)] = chain
    return layered, chains


def _order(layered: _Layered, ranks: dict, net: Network, budget: int) -> list[list[Hashable]]:
    """Nodes per rank, ordered by barycentre sweeps; the order with fewest crossings wins.

    Each sweep visits every node and edge of the layered graph twice (its barycentres, then
    its crossings, counted in O(E log V)); the sweeps stop when the next would take the work
    past the budget (see WORK): a densely connected network has many more dummies than
    boxes and flows."""
    boxes = net.boxes  # each node's start: its box's index, a dummy's just after its source's
    started = [(boxes[v].index if v in boxes else boxes[v[1]].index + 0.25, i, v)
               for i, v in enumerate(layered)]  # fmt: skip
    started.sort()
    order: list[list] = [[] for _ in range(max(ranks.values(), default=-1) + 1)]
    for _, _, v in started:
        order[ranks[v]] += [v]
    best, fewest = [list(r) for r in order], _crossings(layered, order)
    stale = 0  # sweeps since the last improvement
    size = len(started) + sum(map(len, layered.succ.values()))  # nodes and edges
    spent = size  # the first count of crossings
    for sweep in range(16):
        if fewest == 0 or stale == 4:
            break  # nothing left to gain (a chain, most ResNets), or the sweeps have settled
        if sweep and spent + 2 * size > budget:
            break  # past the budget: the best order so far
        spent += 2 * size
        down = sweep % 2 == 0
        steps = range(1, len(order)) if down else range(len(order) - 2, -1, -1)
        for r in steps:
            near = order[r - 1] if down else order[r + 1]
            order[r] = _by_barycentre(order[r], near, layered.pred if down else layered.succ)
        crossings = _crossings(layered, order)
        if crossings < fewest:
            best, fewest, stale = [list(r) for r in order], crossings, 0
        else:
            stale += 1
    return best


def _by_barycentre(rank: list, near: list, neighbours) -> list:
    """The rank sorted by the mean place of each node's neighbours in `near` (a node with
    none keeps its own place, scaled), ties in the rank's order. Plain loops: a rank of a
    densely connected network holds many dummies, and this runs on each rank every sweep."""
    where = {v: i for i, v in enumerate(near)}
    scale = len(near) / max(len(rank), 1)
    keyed = []
    for i, v in enumerate(rank):
        total = count = 0
        for u in neighbours[v]:
            if u in where:
                total += where[u]
                count += 1
        keyed += [(total / count if count else i * scale, i, v)]
    keyed.sort()
    return [v for _, _, v in keyed]


def _crossings(layered: _Layered, order: list[list]) -> int:
    """Pairs of edges between neighbouring ranks that cross (both ends strictly apart), in
    O(E log V): the edges in order of their upper end, each counting the edges before it
    (a Fenwick tree over the lower rank) that end further right below."""
    total = 0
    for upper, lower in zip(order, order[1:]):
        pos = {v: i for i, v in enumerate(lower)}
        ends = [(i, pos[w]) for i, v in enumerate(upper) for w in layered.succ[v]]
        ends.sort()
        size = len(lower)
        tree = [0] * (size + 1)  # tree[k]: how many edges seen so far end at a run of places
        for seen, (_, x) in enumerate(ends):
            k, below = x + 1, 0  # edges seen that end at x or left of it
            while k:
                below += tree[k]
                k &= k - 1
            total += seen - below
            k = x + 1
            while k <= size:
                tree[k] += 1
                k += k & -k
    return total


def _assign_x(layered: _Layered, order: list[list], places: dict, budget: int) -> dict:
    """Blocks (vertical runs drawn straight) packed left, then each moved toward its neighbours.

    Every move stays within the room its neighbours in each rank leave, so boxes never overlap.
    The rounds of moves stop when they settle, after 40, or when the next would take the work
    (each round visits every block, its neighbours and its gaps) past the budget.
    """
    pos = {v: i for rank in order for i, v in enumerate(rank)}
    root = _align(layered, order, pos, places)
    gaps = blocks, pred, succ = _block_gaps(order, root, places)
    ordered = _topological(*gaps)
    if ordered is None:  # cannot happen with non-crossing alignments
        root = {v: v for v in layered}
        gaps = blocks, pred, succ = _block_gaps(order, root, places)
        ordered = _topological(*gaps) or []
    # each block's neighbouring blocks (one per edge) as plain lists, like its gaps: the moves
    # below read them up to 40 times, and a densely connected network has many blocks
    members: dict = {b: [] for b in blocks}
    for v, b in root.items():
        members[b] += [v]
    near = {b: [root[w] for v in members[b] for w in (*layered.pred[v], *layered.succ[v])
                if root[w] != b] for b in blocks}  # fmt: skip
    x: dict = {}
    for b in ordered:  # as far left as the blocks left of it allow
        x[b] = None
        for a, gap in pred[b]:
            if x[b] is None or x[a] + gap > x[b]:
                x[b] = x[a] + gap
        x[b] = 0.0 if x[b] is None else x[b]
    size = len(blocks) + sum(map(len, near.values())) + 2 * sum(map(len, pred.values()))
    for turn in range(40):
        if turn and (turn + 1) * size > budget:
            break  # past the budget: the blocks stay where the last round left them
        moved = 0.0
        for b in blocks:  # plain loops, no max(), min() or sum() for each block
            if not near[b]:
                continue
            total, count = 0.0, 0  # as sum() adds floats (Python 3.11), left to right
            for c in near[b]:
                total += x[c]
                count += 1
            low = high = None
            for a, gap in pred[b]:
                if low is None or x[a] + gap > low:
                    low = x[a] + gap
            for c, gap in succ[b]:
                if high is None or x[c] - gap < high:
                    high = x[c] - gap
            new = total / count
            low = -1e9 if low is None else low
            new = low if low > new else new
            high = 1e9 if high is None else high
            new = high if high < new else new
            change = new - x[b] if new >= x[b] else x[b] - new
            moved, x[b] = (change if change > moved else moved), new
        if moved < 0.5:
            break
    for v in layered:
        places[v].x = x[root[v]]
    return root


def _align(layered: _Layered, order: list[list], pos: dict, places: dict) -> dict:
    """Each node's block root: a node joins the block of a median predecessor (a box prefers
    a box, a dummy a dummy) that no other node has joined, unless that crosses an alignment.

    The alignments made in a rank cross none of each other, so in order of their upper ends
    their lower ends rise too: a new one crosses none of them when it falls strictly between
    its neighbours in that order, found by bisection. Plain loops, without a call for each
    node: a densely connected network has many dummies in each rank."""
    root = {v: v for v in layered}
    taken: dict = {}
    for rank in order[1:]:
        uppers: list[int] = []
        lowers: list[int] = []
        made = 0  # len(uppers)
        ranked = [(places[v].dummy, pos[v], v) for v in rank]
        ranked.sort()
        for _, b, v in ranked:
            preds = layered.pred[v]
            if preds[1:]:
                preds = sorted(preds, key=pos.__getitem__)
                middle = preds[(len(preds) - 1) // 2 : len(preds) // 2 + 1]
                if (
                    middle[1:]
                    and (places[middle[0]].dummy != places[v].dummy)
                    and (places[middle[1]].dummy == places[v].dummy)
                ):
                    middle = [middle[1], middle[0]]  # a box prefers a box, a dummy a dummy
            else:
                middle = preds
            for u in middle:
                if u in taken:
                    continue
                a, lo, hi = pos[u], 0, made
                while lo < hi:  # the first alignment whose upper end is not left of a
                    mid = (lo + hi) // 2
                    if uppers[mid] < a:
                        lo = mid + 1
                    else:
                        hi = mid
                if (
                    (lo < made and uppers[lo] == a)
                    or (lo and lowers[lo - 1] >= b)
                    or (lo < made and lowers[lo] <= b)
                ):
                    continue
                root[v] = root[u]
                taken[u] = True
                uppers[lo:lo] = [a]
                lowers[lo:lo] = [b]
                made += 1
                break
    return root


def _block_gaps(order: list[list], root: dict, places: dict) -> tuple[list, dict, dict]:
    """Block a must be left of block b by at least the gap: from neighbours in every rank.
    The blocks, and for each the blocks that must be left of it and right of it, with the
    gaps: plain dicts and lists, built without a call for each node."""
    blocks = list(set(root.values()))
    widest: dict = {}
    for rank in order:
        for a, b in zip(rank, rank[1:]):
            gap = places[a].right + NODE_GAP + places[b].left
            pair = (root[a], root[b])
            if pair not in widest or widest[pair] < gap:
                widest[pair] = gap
    left: dict = {b: [] for b in blocks}
    right: dict = {b: [] for b in blocks}
    for (a, b), gap in widest.items():
        left[b] += [(a, gap)]
        right[a] += [(b, gap)]
    return blocks, left, right


def _topological(blocks: list, left: dict, right: dict) -> list | None:
    """The blocks in an order that puts each after every block left of it, or None if the
    gaps go round in a circle."""
    waiting = {b: 0 for b in blocks}
    for b in blocks:
        for _ in left[b]:
            waiting[b] += 1
    ready = [b for b in blocks if not waiting[b]]
    for a in ready:  # grows as it goes
        for b, _ in right[a]:
            waiting[b] -= 1
            if not waiting[b]:
                ready += [b]
    return ready if len(ready) == len(blocks) else None


def _ports(node: Hashable, others: list[Hashable], places: dict, root: dict) -> dict:
    """Where the edges to `others` leave or enter a box: the one in the node's block (drawn
    straight) at the centre, the others beside it on their side, PORT_GAP apart."""
    place = places[node]
    if place.dummy or len(others) == 1:
        return {o: place.x for o in others}
    ordered = [(places[o].x, i, o) for i, o in enumerate(others)]
    ordered.sort()
    ordered = [o for _, _, o in ordered]
    straight = [o for o in ordered if root[o] == root[node]]
    step = min(PORT_GAP, (place.left + place.right - 2 * PAD) / len(others))
    if straight:
        i = ordered.index(straight[0])
        return {o: place.x + (j - i) * step for j, o in enumerate(ordered)}
    first = place.x - step * (len(others) - 1) / 2
    return {o: first + j * step for j, o in enumerate(ordered)}


def _route(layered, places, chains, root, flow: Flow, upward: bool, ports: dict) -> Route:
    top, bottom = (flow.target, flow.source) if upward else (flow.source, flow.target)
    chain = chains.get((top, bottom), [])
    path = [top, *chain, bottom]
    if (top, "out") not in ports:
        ports[top, "out"] = _ports(top, list(layered.succ[top]), places, root)
    if (bottom, "in") not in ports:
        ports[bottom, "in"] = _ports(bottom, list(layered.pred[bottom]), places, root)
    leave = ports[top, "out"][path[1]]
    enter = ports[bottom, "in"][path[-2]]
    points = [(leave, places[top].y + BOX_HEIGHT)]
    for d in chain:
        points += [(places[d].x, places[d].y), (places[d].x, places[d].y + BOX_HEIGHT)]
    points.append((enter, places[bottom].y))
    if chain:
        middle = places[chain[len(chain) // 2]]
        label = (middle.x + 6, middle.y + BOX_HEIGHT / 2 + LABEL_SIZE * 0.35, "start")
    else:
        label = _label_place(points, len(layered.succ[top]) > 1, len(layered.pred[bottom]) > 1)
    return Route(flow, points, label, upward)


def _label_place(points: list, fan_out: bool, fan_in: bool) -> tuple[float, float, str]:
    """Beside a straight edge's middle; a curved edge's label goes where the curve is upright,
    at the end that no other edge shares, on the side the curve does not come from."""
    (x1, y1), (x2, y2) = points
    lift = LABEL_SIZE * 0.35
    if abs(x2 - x1) < 1 or fan_out == fan_in:
        straight = abs(x2 - x1) < 1
        x = (x1 + x2) / 2 + (6 if straight else 0)
        return x, (y1 + y2) / 2 + lift, "start" if straight else "middle"
    side = 1 if x2 > x1 else -1  # the label goes on the side the curve is heading to
    if fan_out:  # near the target
        return x2 + 6 * side, y2 - RANK_GAP * 0.22 + lift, "start" if side > 0 else "end"
    return x1 - 6 * side, y1 + RANK_GAP * 0.22 + lift, "end" if side > 0 else "start"


# ---------------------------------------------------------------------------------------------
# SVG

SEVERITY_COLOURS = {  # stroke, fill
    Severity.ERROR: ("#c62828", "#fdecea"),
    Severity.WARNING: ("#b26a00", "#fff4e0"),
    Severity.INFO: ("#1565c0", "#e8f1fb"),
}
CATEGORY_COLOURS = (  # the stripe at a box's left, by type
    (r"conv", "#4e79a7"), (r"pool", "#b07aa1"), (r"norm", "#9d9d9d"), (r"linear", "#9c755f"),
    (r"^(add|mul|concat)$", "#59a1a0"), (r"relu|elu|gelu|silu|sigmoid|tanh|swish|softmax|clip",
    "#59a14f"),
)  # fmt: skip
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPED = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: str) -> str:
    """Text for XML and HTML content or attributes (characters XML forbids become U+FFFD)."""
    text = str(text)
    if not _ESCAPED.search(text):
        return text  # most labels and numbers: nothing to replace
    text = _XML_BAD.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&#39;")
    )  # fmt: skip


def tag(name: str, *children: str, **attrs) -> str:
    """An element: `class_="x"` -> class="x", `font_size=11` -> font-size="11"; None is left out.

    Children are markup already: pass text through esc().
    """
    parts = [name]
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, float):
            text = _num(value)
        elif isinstance(value, int):
            text = str(value)  # numbers need no escaping
        else:
            text = esc(value)
        parts.append(f'{_attribute(key)}="{text}"')
    opening = " ".join(parts)
    return f"<{opening}>{''.join(children)}</{name}>" if children else f"<{opening}/>"


@cache
def _attribute(key: str) -> str:
    """`class_` -> class, `font_size` -> font-size."""
    return key.rstrip("_").replace("_", "-")


@lru_cache(maxsize=1 << 16)
def _num(value: float) -> str:
    """A coordinate to a tenth (cached: a drawing repeats its x and y values many times)."""
    return f"{round(value, 1):g}"


def svg(net: Network, standalone: bool = True) -> str:
    """The drawing as an SVG document (standalone: with the XML declaration)."""
    lay = layout(net)
    body = [
        tag("title", esc(f"{net.title}: network drawn by archlint")),
        tag("style", esc(_svg_style())),
        _defs(),
        tag("rect", width="100%", height="100%", fill="#ffffff"),
        _header(net),
    ]
    body += [_edge(route) for route in lay.routes]
    body += [_edge_label(route) for route in lay.routes]
    body += [_node(net.boxes[k], p) for k, p in lay.places.items() if not p.dummy]
    if net.note:
        body.append(tag("text", esc(net.note), x=MARGIN, y=HEADER + MARGIN, class_="note"))
    root = tag(
        "svg", *body, xmlns="http://www.w3.org/2000/svg", width=lay.width, height=lay.height,
        viewBox=f"0 0 {_num(lay.width)} {_num(lay.height)}", font_family=FONT,
        role="img", class_="archlint-drawing",
    )  # fmt: skip
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + root + "\n") if standalone else root


def _svg_style() -> str:
    return (
        f".name{{font-size:{NAME_SIZE}px;font-weight:bold;fill:#1a1a1a}}"
        f".detail{{font-size:{DETAIL_SIZE}px;fill:#444}}"
        f".label{{font-size:{LABEL_SIZE}px;fill:#555;paint-order:stroke;stroke:#fff;"
        "stroke-width:4px;stroke-linejoin:round}"
        f".badge{{font-size:{BADGE_SIZE}px;font-weight:bold;fill:#fff}}"
        ".edge{fill:none;stroke:#8a8a8a;stroke-width:1.3}"
        ".edge.unknown{stroke:#c62828;stroke-dasharray:4 3}"
        ".label.unknown{fill:#c62828}"
        ".title{font-size:15px;font-weight:bold;fill:#1a1a1a}.subtitle{font-size:11px;fill:#555}"
        ".note{font-size:13px;fill:#c62828}"
    )


def _defs() -> str:
    arrows = [
        tag("marker", tag("path", d="M0,0 L8,4 L0,8 z", fill=colour), id=f"arrow-{name}",
            viewBox="0 0 8 8", refX=7, refY=4, markerWidth=7, markerHeight=7,
            orient="auto-start-reverse")
        for name, colour in (("known", "#8a8a8a"), ("unknown", "#c62828"))
    ]  # fmt: skip
    return tag("defs", *arrows)


def _subtitle(net: Network) -> str:
    counts = {s: sum(d.severity == s for d in net.diagnostics) for s in Severity}
    layers = sum(b.kind == "layer" for b in net.boxes.values())
    findings = ", ".join(
        f"{n} {s}" + ("s" if n > 1 and s != Severity.INFO else "")
        for s, n in sorted(counts.items(), reverse=True)
        if n
    )
    return f"{layers} layers · {net.total_params:,} parameters · " + (findings or "no findings")


def header_width(net: Network) -> float:
    return text_width(net.title, 15) + 14 + text_width(_subtitle(net), 11)


def _header(net: Network) -> str:
    return tag(
        "g",
        tag("text", esc(net.title), x=MARGIN, y=MARGIN + 8, class_="title"),
        tag("text", esc(_subtitle(net)), x=MARGIN + text_width(net.title, 15) + 14,
            y=MARGIN + 8, class_="subtitle"),
        class_="header",
    )  # fmt: skip


def _edge(route: Route) -> str:
    (x, y), rest = route.points[0], route.points[1:]
    d = [f"M{_num(x)},{_num(y)}"]
    for (x1, y1), (x2, y2) in zip(route.points, rest):
        if abs(x2 - x1) < 0.5:
            d.append(f"L{_num(x2)},{_num(y2)}")
        else:
            m = (y1 + y2) / 2
            d.append(f"C{_num(x1)},{_num(m)} {_num(x2)},{_num(m)} {_num(x2)},{_num(y2)}")
    kind = "known" if route.flow.shape is not None else "unknown"
    marker = f"url(#arrow-{kind})"
    return tag(
        "path", tag("title", esc(_edge_title(route.flow))), d=" ".join(d),
        class_=f"edge {kind}", marker_end=None if route.upward else marker,
        marker_start=marker if route.upward else None,
        data_source=_key_name(route.flow.source), data_target=_key_name(route.flow.target),
    )  # fmt: skip


def _edge_title(flow: Flow) -> str:
    return f"{_key_name(flow.source)} → {_key_name(flow.target)}: {flow.label}"


def _edge_label(route: Route) -> str:
    x, y, anchor = route.label_at
    kind = "" if route.flow.shape is not None else " unknown"
    return tag(
        "text", esc(route.flow.label), x=x, y=y, text_anchor=anchor, class_="label" + kind,
        data_source=_key_name(route.flow.source), data_target=_key_name(route.flow.target),
    )  # fmt: skip


def _key_name(key: Hashable) -> str:
    return f"output:{key[1]}" if isinstance(key, tuple) else str(key)


def _node(box: Box, p: Place) -> str:
    x, y, w = p.x - p.left, p.y, p.left + p.right
    stroke, fill = SEVERITY_COLOURS.get(box.severity, ("#7a7a7a", "#ffffff"))  # type: ignore[arg-type]
    if box.kind != "layer":
        fill = "#eef0f3"
    heavy = box.severity is not None
    parts = [
        tag("title", esc(box.tooltip)),
        tag("rect", x=x, y=y, width=w, height=BOX_HEIGHT, fill=fill, stroke=stroke,
            rx=5.0 if box.kind == "layer" else BOX_HEIGHT / 2, stroke_width=2.2 if heavy else 1.0),
    ]  # fmt: skip
    if box.kind == "layer":
        parts.append(tag("rect", x=x + 1, y=y + 1, width=STRIPE, height=BOX_HEIGHT - 2,
                         fill=_category(box.type), rx=2.0))  # fmt: skip
    text_x, anchor = (x + PAD + STRIPE, None) if box.kind == "layer" else (p.x, "middle")
    baseline = y + (16.0 if box.detail else 25.0)
    parts.append(tag("text", esc(box.name), x=text_x, y=baseline, text_anchor=anchor,
                     class_="name"))  # fmt: skip
    if box.detail:
        parts.append(tag("text", esc(box.detail), x=text_x, y=y + 32, text_anchor=anchor,
                         class_="detail"))  # fmt: skip
    if box.codes:
        parts.append(_badge(box, text_x + text_width(box.name, NAME_SIZE) + 8, y + 5, stroke))
    severity = str(box.severity) if box.severity else None
    return tag(
        "g", *parts, class_=f"node {box.kind}" + (f" {severity}" if severity else ""),
        data_name=_key_name(box.key), data_rank=p.rank, data_severity=severity,
        data_codes=" ".join(box.codes) or None,
    )  # fmt: skip


def _badge(box: Box, x: float, y: float, colour: str) -> str:
    text = " ".join(box.codes)
    return tag(
        "g",
        tag("rect", x=x, y=y, width=badge_width(box), height=14.0, rx=7.0, fill=colour),
        tag("text", esc(text), x=x + 5, y=y + 10.5, class_="badge"),
        class_="badge",
    )


def _category(type_name: str) -> str:
    return next((c for pattern, c in CATEGORY_COLOURS if re.search(pattern, type_name)), "#c4c4c4")


# ---------------------------------------------------------------------------------------------
# HTML: one self-contained page, no script, no external resource

PAGE_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a1a1a;
background:#f6f7f9}
header{padding:16px 24px;background:#fff;border-bottom:1px solid #ddd}
h1{margin:0 0 4px;font-size:22px}h2{font-size:16px;margin:0 0 8px}
.meta{color:#555;font-size:13px}
main{display:flex;flex-wrap:wrap;gap:20px;padding:20px 24px;align-items:flex-start}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:14px}
.findings{flex:1 1 100%}.drawing{flex:0 1 auto;overflow:auto;max-width:100%}
.summary{flex:1 1 360px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:bold;border-top:2px solid #ccc}
ul{margin:0;padding:0;list-style:none;font-size:13px}
li{padding:6px 8px;border-left:4px solid #999;margin-bottom:4px;background:#fafafa}
li.error{border-color:#c62828}li.warning{border-color:#b26a00}li.info{border-color:#1565c0}
.sev{font-weight:bold;text-transform:uppercase;font-size:11px;margin-right:6px}
li.error .sev{color:#c62828}li.warning .sev{color:#b26a00}li.info .sev{color:#1565c0}
.help{color:#555;margin-top:2px}
tr.error td:first-child{box-shadow:inset 4px 0 #c62828}
tr.warning td:first-child{box-shadow:inset 4px 0 #b26a00}
tr.info td:first-child{box-shadow:inset 4px 0 #1565c0}
code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
"""


def html_page(net: Network) -> str:
    """One page: the model's name, the findings, the drawing and the summary table."""
    layers = sum(b.kind == "layer" for b in net.boxes.values())
    meta = f"{net.path} · input {shape_text(net.input_shape)} · {layers} layers"
    meta += f" · {net.total_params:,} parameters"
    head = tag(
        "head", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        tag("title", esc(f"{net.title} · archlint")), tag("style", PAGE_STYLE),
    )  # fmt: skip
    main = tag(
        "main", _findings(net),
        tag("section", tag("h2", "Network"), svg(net, standalone=False), class_="drawing"),
        tag("section", tag("h2", "Summary"), _summary(net), class_="summary"),
    )  # fmt: skip
    header = tag("header", tag("h1", esc(net.title)), tag("p", esc(meta), class_="meta"))
    return "<!DOCTYPE html>\n" + tag("html", head, tag("body", header, main), lang="en") + "\n"


def _findings(net: Network) -> str:
    items = [_finding(d) for d in net.diagnostics]
    body = tag("ul", *items) if items else tag("p", "No findings.")
    return tag("section", tag("h2", esc(f"Findings ({len(items)})")), body, class_="findings")


def _finding(d: Diagnostic) -> str:
    where = f"line {d.line}" + (f", {d.layer}" if d.layer else "")
    parts = [
        tag("span", esc(str(d.severity)), class_="sev"),
        tag("code", esc(f"{d.code} {d.rule}")),
        esc(f" ({where}): {d.message}"),
    ]
    if d.help:
        parts.append(tag("div", esc(f"help: {d.help}"), class_="help"))
    return tag("li", *parts, class_=str(d.severity))


def _summary(net: Network) -> str:
    heads = tag("tr", *(tag("th", h, class_=c) for h, c in (
        ("layer", None), ("type", None), ("output shape", None), ("params", "num"))))  # fmt: skip
    rows = []
    for box in sorted(net.boxes.values(), key=lambda b: b.index):
        if box.kind != "layer":
            continue
        params = "?" if box.params is None else f"{box.params:,}"
        cells = [esc(box.name), esc(box.type), esc(shape_text(box.output))]
        rows.append(tag(
            "tr", *(tag("td", tag("code", c)) for c in cells), tag("td", params, class_="num"),
            class_=str(box.severity) if box.severity else None,
        ))  # fmt: skip
    total = tag("tr", tag("td", "total", colspan="3"),
                tag("td", f"{net.total_params:,}", class_="num"))  # fmt: skip
    return tag("table", tag("thead", heads), tag("tbody", *rows), tag("tfoot", total))


# ---------------------------------------------------------------------------------------------
# Mermaid and DOT: text for other tools to lay out


def _ids(net: Network) -> dict[Hashable, str]:
    return {key: f"n{i}" for i, key in enumerate(net.boxes)}


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: # entity codes for what Mermaid would read."""
    text = " ".join(str(text).split())
    return re.sub(r"[\"#%&<>`|\\]", lambda m: f"#{ord(m.group())};", text)


def mermaid(net: Network) -> str:
    """A Mermaid `flowchart TD`: boxes with name and settings, edges labelled with shapes."""
    ids = _ids(net)
    lines = ["flowchart TD", f"  %% {_mermaid_text(net.title)}: drawn by archlint"]
    for key, box in net.boxes.items():
        label = "<br/>".join(_mermaid_text(t) for t in _label_lines(box))
        opened, closed = ('(["', '"])') if box.kind != "layer" else ('["', '"]')
        lines.append(f"  {ids[key]}{opened}{label}{closed}")
    for f in net.flows:
        lines.append(f'  {ids[f.source]} -->|"{_mermaid_text(f.label)}"| {ids[f.target]}')
    for severity, (stroke, fill) in SEVERITY_COLOURS.items():
        marked = [ids[k] for k, b in net.boxes.items() if b.severity == severity]
        if marked:
            lines.append(f"  classDef {severity} fill:{fill},stroke:{stroke},stroke-width:2px")
            lines.append(f"  class {','.join(marked)} {severity}")
    lines += [f"  %% {_mermaid_text(f'{d.code} {d.severity}: {d.layer}: {d.message}')}"
              for d in net.diagnostics]  # fmt: skip
    return "\n".join(lines) + "\n"


def _label_lines(box: Box) -> list[str]:
    lines = [box.name + (f" [{' '.join(box.codes)}]" if box.codes else "")]
    return lines + ([box.detail] if box.detail else [])


def _dot_text(text: str) -> str:
    """Text inside a double-quoted DOT string."""
    text = _XML_BAD.sub("\ufffd", str(text))
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")


def dot(net: Network) -> str:
    """A Graphviz `digraph`, top to bottom; `dot -Tsvg` draws it."""
    ids = _ids(net)
    lines = [
        f'digraph "{_dot_text(net.title)}" {{',
        f'  graph [rankdir=TB, label="{_dot_text(net.title)}", labelloc=t, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#7a7a7a",'
        ' fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#8a8a8a"];',
    ]
    for key, box in net.boxes.items():
        attrs = {"label": "\n".join(_label_lines(box)), "tooltip": box.tooltip}
        if box.kind != "layer":
            attrs.update(shape="oval", fillcolor="#eef0f3")
        if box.severity is not None:
            stroke, fill = SEVERITY_COLOURS[box.severity]
            attrs.update(color=stroke, fillcolor=fill, penwidth="2")
        lines.append(f"  {ids[key]} [{_dot_attrs(attrs)}];")
    for f in net.flows:
        style = {"label": f.label} | ({} if f.shape else {"color": "#c62828", "style": "dashed"})
        lines.append(f"  {ids[f.source]} -> {ids[f.target]} [{_dot_attrs(style)}];")
    return "\n".join(lines + ["}"]) + "\n"


def _dot_attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f'{k}="{_dot_text(v)}"' for k, v in attrs.items())
