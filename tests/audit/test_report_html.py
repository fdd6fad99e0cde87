"""The audit and review HTML a manager hands on: names, counts, filled cells, print layout,
honest about small data, and every value escaped."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from claimscrub.audit import svg
from claimscrub.audit.html_page import web_css
from claimscrub.cli import main


class _Page(HTMLParser):
    """Text nodes, and the tables as rows of (header, cell text)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._style = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "style":
            self._style = True
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "style":
            self._style = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._style:
            return
        if data.strip():
            self.texts.append(data.strip())
        if self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def _columns(table: list[list[str]], name: str) -> list[str]:
    header = table[0]
    k = next(i for i, h in enumerate(header) if h.startswith(name))
    return [row[k] for row in table[1:] if len(row) == len(header)]


WHOLE_FLOAT = re.compile(r"(?<![\d.])\d[\d,]*\.0(?![\d%])")


def _run(*args: str) -> str:
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_audit_html_is_the_finished_report(history):
    out, url, _ = history
    html = _run("audit", "--db", url, "--providers", str(out / "providers.csv"))
    page = _parse(html)
    assert not [t for t in page.texts if WHOLE_FLOAT.search(t)], "a count shown as a float"
    providers = page.tables[0]
    assert _columns(providers, "provider")[0].startswith("U. Barlow, LPC NPI ")
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", v) for v in _columns(providers, "lines"))
    assert "@media print" in html and web_css().strip()[:200] in html
    assert "<script" not in html and "S. Vance, NP" in html
    without = _run("audit", "--db", url)
    assert "S. Vance" not in without and "--providers ROSTER.csv" in without
    data = json.loads(
        _run("audit", "--db", url, "--format", "json", "--providers", str(out / "providers.csv"))
    )
    assert data["providers"][0]["provider_name"] == "U. Barlow, LPC"
    res = CliRunner().invoke(main, ["audit", "--db", url, "--providers", str(out / "claims-2026-10.csv")])
    assert (
        res.exit_code == 2 and "missing column provider_name" in res.output and "Traceback" not in res.output
    )


def test_review_html_fills_every_change_cell_and_counts_are_counts(history):
    out, url, _ = history
    html = _run("review", "--month", "2026-10", "--db", url, "--providers", str(out / "providers.csv"))
    page = _parse(html)
    assert not [t for t in page.texts if WHOLE_FLOAT.search(t)], "a count shown as a float"
    with_change = [t for t in page.tables if any(h.startswith("change") for h in t[0])]
    assert len(with_change) == 2
    for t in with_change:
        cells = _columns(t, "change")
        assert cells and all(
            re.fullmatch(r"[+-](\$[\d,]+\.\d\d|[\d,]+|\d+\.\d pts)|0|0 pts|\$0\.00", c) for c in cells
        ), cells
    summary = {row[0]: row for row in with_change[0][1:]}
    assert summary["claim lines"][1].replace(",", "").isdigit()
    assert "@media print" in html and "T. Whitfield, LCSW" in html
    first = _parse(_run("review", "--month", "2026-05", "--db", url))
    for t in first.tables:
        if any(h.startswith("change") for h in t[0]):
            assert set(_columns(t, "change")) == {"no previous month"}
    assert any("nothing to compare this month with yet" in x for x in first.texts)


def test_small_peer_groups_claim_nothing(tmp_path, sqlite_url):
    rows = ["claim_id,patient_id,service_date,provider_npi,provider_credential,cpt,minutes,icd10"]
    for k in range(5):
        rows.append(f"A{k},p{k},2026-03-0{k + 2},1111111111,LCSW,90837,55,F33.1")
    rows.append("B1,q,2026-03-02,2222222222,LPC,90834,45,F33.1")
    f = tmp_path / "few.csv"
    f.write_text("\n".join(rows) + "\n")
    _run("import", str(f), "--db", sqlite_url)
    html = _run("audit", "--db", sqlite_url)
    assert "Too few providers to compare" in html and "No provider stands out" not in html
    reasons = _columns(_parse(html).tables[0], "reasons")
    assert reasons == ["too few providers to compare"] * 2
    data = json.loads(_run("audit", "--db", sqlite_url, "--format", "json"))
    assert all(p["too_few_peers"] and p["risk_score"] == 0 for p in data["providers"])
    assert all(v["peer_median"] is None for p in data["providers"] for v in p["versus_peers"].values())
    review = _run("review", "--month", "2026-03", "--db", sqlite_url)
    assert "S. Vance" not in review
    assert "too few lines" in review and "fewer than 20 lines" in review


def test_every_value_is_escaped(tmp_path, sqlite_url):
    bad = "<img src=x onerror=alert(1)>"
    f = tmp_path / "h.csv"
    f.write_text(
        "claim_id,patient_id,service_date,provider_npi,provider_credential,cpt,minutes,icd10\n"
        f'C1,p,2026-03-02,"{bad}",LCSW,90834,45,F33\n'
    )
    roster = tmp_path / "r.csv"
    roster.write_text(f'provider_npi,provider_name\n"{bad}","{bad} &amp"\n')
    _run("import", str(f), "--db", sqlite_url)
    for cmd in (["audit"], ["review", "--month", "2026-03"]):
        html = _run(*cmd, "--db", sqlite_url, "--providers", str(roster))
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp;amp" in html


def _label_boxes(svg_text: str) -> list[tuple[float, float, float]]:
    out = []
    for m in re.finditer(
        r'<text class="(?:label|axis)" x="([\d.-]+)" y="([\d.-]+)"[^>]*>([^<]*)</text>', svg_text
    ):
        text = html.unescape(m.group(3))
        out.append((float(m.group(1)), float(m.group(2)), len(text) * svg.CHAR_W))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=24), st.floats(0, 1), st.booleans()), min_size=1, max_size=25
    ),
    st.one_of(st.none(), st.floats(0, 1)),
)
def test_strip_chart_labels_never_overlap(points, median):
    text = svg.strip_chart(points, title="t", kind="pct", median=median)
    boxes = _label_boxes(text)
    assert len(boxes) == sum(1 for p in points if p[2]) + 2 + (median is not None)
    assert text.index('<text class="label"') > text.rindex("<line") if any(p[2] for p in points) else True
    for i, (x1, y1, w1) in enumerate(boxes):
        for x2, y2, w2 in boxes[i + 1 :]:
            if y1 == y2:
                assert x1 + w1 <= x2 or x2 + w2 <= x1, (boxes, points)
    height = float(re.search(r'height="([\d.]+)"', text).group(1))
    assert all(0 < y < height for _, y, _ in boxes)
