"""Structure-aware mutations of real files, as hypothesis strategies.

Each strategy picks a seed file of the reader's corpus and applies a short list of edits at the
level the format is built from: X12 segments and elements (with the interchange's own
separators), CSV rows and cells, JSON values of a FHIR resource, note sentences; plus a few
byte-level edits (truncate, flip, insert hostile bytes) so the tokenizers see damage too.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import strategies as st

HOSTILE = [
    b"",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"\r",
    b"~",
    b"*",
    b":",
    b"^",
    b">",
    b'"',
    b",",
    b"'",
    b"=cmd|' /C calc'!A0",
    b"../../etc/passwd",
    b"<script>alert(1)</script>",
    b"9" * 40,
    b"-1",
    b"1e309",
    b"NaN",
    b"2026-02-30",
    b"99999999",
    "\u202e\u00e9\U0001f600".encode(),
    b" " * 50,
    b"ISA",
    b"IEA*1*000000001~",
    b"SE*0*0001~",
]

small_int = st.integers(min_value=0, max_value=10_000)
piece = st.one_of(st.sampled_from(HOSTILE), st.binary(max_size=12))


# -- byte level -------------------------------------------------------------------------------


def _byte_edit(data: bytes, op: str, a: int, b: int, ins: bytes) -> bytes:
    if not data:
        return ins
    i = a % (len(data) + 1)
    j = min(len(data), i + b % 16)
    if op == "truncate":
        return data[:i]
    if op == "delete":
        return data[:i] + data[j:]
    if op == "insert":
        return data[:i] + ins + data[i:]
    if op == "replace":
        return data[:i] + ins + data[j:]
    if op == "flip" and i < len(data):
        return data[:i] + bytes([data[i] ^ (1 << (b % 8))]) + data[i + 1 :]
    if op == "dup":
        return data[:j] + data[i:j] + data[j:]
    return data


byte_ops = st.tuples(
    st.sampled_from(["truncate", "delete", "insert", "replace", "flip", "dup"]), small_int, small_int, piece
)


# -- X12 --------------------------------------------------------------------------------------


def x12_separators(data: bytes) -> tuple[bytes, bytes]:
    """(element separator, segment terminator) of the first ISA, with defaults."""
    k = data.find(b"ISA")
    if k < 0 or len(data) < k + 106:
        return b"*", b"~"
    e = data[k + 3 : k + 4]
    pos = k + 3
    for _ in range(15):
        pos = data.find(e, pos + 1)
        if pos < 0:
            return e, b"~"
    return e, data[pos + 2 : pos + 3] or b"~"


def _x12_edit(data: bytes, op: str, a: int, b: int, ins: bytes) -> bytes:
    e, t = x12_separators(data)
    segs = data.split(t)
    if not segs:
        return data
    i = a % len(segs)
    j = b % len(segs)
    if op == "drop_segment" and i > 0:  # keep ISA
        del segs[i]
    elif op == "dup_segment":
        segs.insert(j, segs[i])
    elif op == "swap_segments" and i > 0 and j > 0:
        segs[i], segs[j] = segs[j], segs[i]
    elif op == "move_segment" and i > 0:
        segs.insert(j or 1, segs.pop(i))
    elif op in ("set_element", "drop_element", "add_elements"):
        els = segs[i].split(e)
        k = b % len(els)
        if op == "set_element" and (i > 0 or k > 0):
            els[k] = ins.replace(t, b"")
        elif op == "drop_element" and k > 0:
            del els[k]
        elif op == "add_elements":
            els += [ins.replace(t, b"")] * (1 + b % 30)
        segs[i] = e.join(els)
    elif op == "split_segment":
        s = segs[i]
        cut = b % (len(s) + 1)
        segs[i : i + 1] = [s[:cut], s[cut:]]
    elif op == "repeat_loop":  # repeat a run of segments (CLM..SV1 loops) many times
        run = segs[i : i + 1 + b % 8]
        segs[i:i] = run * (1 + b % 50)
    return t.join(segs)


x12_ops = st.tuples(
    st.sampled_from(
        [
            "drop_segment",
            "dup_segment",
            "swap_segments",
            "move_segment",
            "set_element",
            "drop_element",
            "add_elements",
            "split_segment",
            "repeat_loop",
        ]
    ),
    small_int,
    small_int,
    piece,
)


# -- CSV --------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8", errors="replace")
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv_edit(rows: list[list[str]], op: str, a: int, b: int, ins: bytes) -> list[list[str]]:
    if not rows:
        return [[ins.decode("utf-8", errors="replace")]]
    i = a % len(rows)
    cell = ins.decode("utf-8", errors="replace")
    if op == "set_cell" and rows[i]:
        rows[i][b % len(rows[i])] = cell
    elif op == "drop_row":
        del rows[i]
    elif op == "dup_row":
        rows.insert(b % (len(rows) + 1), list(rows[i]))
    elif op == "drop_cell" and rows[i]:
        del rows[i][b % len(rows[i])]
    elif op == "add_cell":
        rows[i].insert(b % (len(rows[i]) + 1), cell)
    elif op == "rename_column" and rows[0]:
        rows[0][b % len(rows[0])] = cell
    elif op == "swap_columns" and rows[0]:
        k, m = a % len(rows[0]), b % len(rows[0])
        for r in rows:
            if len(r) > max(k, m):
                r[k], r[m] = r[m], r[k]
    elif op == "many_rows" and len(rows) > 1:
        rows += [list(rows[1 + a % (len(rows) - 1)]) for _ in range(b % 300)]
    return rows


csv_ops = st.tuples(
    st.sampled_from(
        [
            "set_cell",
            "drop_row",
            "dup_row",
            "drop_cell",
            "add_cell",
            "rename_column",
            "swap_columns",
            "many_rows",
        ]
    ),
    small_int,
    small_int,
    piece,
)


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8", errors="surrogatepass")


# -- JSON (FHIR) ------------------------------------------------------------------------------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        ["Claim", "Bundle", "Patient", "Practitioner", "Coverage", "Organization", "#p1", "urn:x"]
    ),
)


def _containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3))


json_value = st.recursive(json_leaf, _containers, max_leaves=8)


def _paths(node: Any, trail: tuple = ()) -> list[tuple]:
    out = [trail]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*trail, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*trail, i))
    return out


def _json_edit(doc: Any, op: str, a: int, b: int, value: Any) -> Any:
    paths = _paths(doc)
    path = paths[a % len(paths)]
    if not path:
        return value if op == "set" and b % 7 == 0 else doc
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    if op == "set":
        parent[key] = value
    elif op == "delete":
        del parent[key]
    elif op == "wrap_list":
        parent[key] = [parent[key]]
    elif op == "unwrap" and isinstance(parent[key], list) and parent[key]:
        parent[key] = parent[key][0]
    elif op == "to_string":
        parent[key] = json.dumps(parent[key])
    elif op == "copy":
        src = paths[b % len(paths)]
        node = doc
        for k in src:
            node = node[k]
        if node is not parent:
            parent[key] = json.loads(json.dumps(node))
    return doc


json_ops = st.tuples(
    st.sampled_from(["set", "delete", "wrap_list", "unwrap", "to_string", "copy"]),
    small_int,
    small_int,
    json_value,
)


# -- strategies -------------------------------------------------------------------------------


@st.composite
def mutated(draw, reader: str, seeds: list[bytes]) -> bytes:  # type: ignore[no-untyped-def]
    data = draw(st.sampled_from(seeds))
    if reader in ("x12_837", "x12_835"):
        for op in draw(st.lists(x12_ops, min_size=1, max_size=4)):
            data = _x12_edit(data, *op)
    elif reader == "csv":
        rows = _csv_rows(data)
        for op in draw(st.lists(csv_ops, min_size=1, max_size=4)):
            rows = _csv_edit(rows, *op)
        data = _csv_bytes(rows)
    elif reader == "fhir":
        doc = json.loads(data)
        for op in draw(st.lists(json_ops, min_size=1, max_size=4)):
            doc = _json_edit(doc, *op)
        data = json.dumps(doc, allow_nan=False).encode()
    elif reader == "notes":
        text = data.decode("utf-8", errors="replace")
        parts = text.replace("\n", ". ").split(". ")
        for _ in range(draw(st.integers(0, 3))):
            op = draw(st.sampled_from(["drop", "dup", "shuffle", "insert"]))
            i = draw(small_int) % len(parts)
            if op == "drop" and len(parts) > 1:
                del parts[i]
            elif op == "dup":
                parts.insert(i, parts[i] * draw(st.integers(1, 5)))
            elif op == "shuffle":
                parts = parts[i:] + parts[:i]
            else:
                parts.insert(i, draw(st.text(max_size=60)))
        data = ". ".join(parts).encode("utf-8", errors="surrogatepass")
    for op in draw(st.lists(byte_ops, max_size=2)):
        data = _byte_edit(data, *op)
    return data
