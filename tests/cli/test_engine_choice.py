"""`check --engine auto` streams big inputs; engine failures exit 2 with one line, never 1."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.engine.choose import choose_engine, parse_size, streaming_threshold

SAMPLE = ["check", "--sample"]


def _one_error_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("claimscrub: error: ")
    assert "Traceback" not in output
    return lines[0]


def test_auto_picks_streaming_by_input_size(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 2048)
    assert choose_engine("auto", [big], threshold=1024) == "streaming"
    assert choose_engine("auto", [big], threshold=4096) == "embedded"
    assert choose_engine("auto", [big], threshold=1024, store=True) == "embedded"
    assert choose_engine("spark", [big], threshold=1024) == "spark"
    assert parse_size("256M") == 256 * 2**20 and parse_size("1.5k") == 1536 and parse_size("10") == 10
    with pytest.raises(ValueError):
        parse_size("lots")


def test_threshold_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMSCRUB_STREAMING_ABOVE", "2G")
    assert streaming_threshold() == 2 * 2**30
    assert streaming_threshold("0") == 0  # the option wins


@pytest.mark.parametrize("fmt", ["json", "text", "csv", "sarif", "html"])
def test_streamed_report_is_the_embedded_one(fmt: str) -> None:
    """Above the threshold the default engine streams; the report does not change (money too)."""
    runner = CliRunner()
    emb = runner.invoke(main, [*SAMPLE, "--format", fmt, "--engine", "embedded"])
    auto = runner.invoke(main, [*SAMPLE, "--format", fmt, "--streaming-above", "0"])
    assert auto.exit_code == emb.exit_code, auto.output
    assert auto.stdout == emb.stdout


def test_bad_threshold_is_a_usage_error() -> None:
    r = CliRunner().invoke(main, [*SAMPLE, "--streaming-above", "lots"])
    assert r.exit_code == 2 and "--streaming-above" in r.output


def test_streaming_failure_exits_2_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The spill folder cannot be used (here: it is a file). Before: a traceback, exit 1."""
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_dir))
    for engine in (["--engine", "streaming"], ["--streaming-above", "0"]):
        r = CliRunner().invoke(main, [*SAMPLE, *engine])
        assert r.exit_code == 2
        line = _one_error_line(r.output)
        assert "streaming engine could not use its work folder" in line and "TMPDIR" in line
    assert CliRunner().invoke(main, SAMPLE).exit_code == 1  # small input: embedded, no spill


def test_internal_failure_exits_2_without_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception in the engine is not "error findings" (1): exit 2, its type
    only (its text may carry claim values); CLAIMSCRUB_DEBUG=1 shows the traceback."""
    import claimscrub.service as service

    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("patient P123 broke a rule")

    monkeypatch.setattr(service, "run_rules", broken)
    r = CliRunner().invoke(main, SAMPLE)
    assert r.exit_code == 2
    line = _one_error_line(r.output)
    assert "RuntimeError" in line and "P123" not in line
    monkeypatch.setenv("CLAIMSCRUB_DEBUG", "1")
    r = CliRunner().invoke(main, SAMPLE)
    assert isinstance(r.exception, RuntimeError)
