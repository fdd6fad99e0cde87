"""`claimscrub note FILE...` (documentation elements) and `claimscrub template CODE`."""

from __future__ import annotations

import json
from pathlib import Path

import click


def register(main: click.Group) -> None:
    main.add_command(note)
    main.add_command(template)


def _read(path: Path) -> str:
    """A note file (``-`` = stdin), at most MAX_NOTE_BYTES: ``/dev/zero`` stops with a message."""
    from claimscrub.readers.source import MAX_NOTE_BYTES, read_bounded

    return read_bounded(path, what="note", limit=MAX_NOTE_BYTES).decode("utf-8", errors="replace")


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path), required=True)  # - = stdin
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--evidence",
    is_flag=True,
    help="Accepted for compatibility: JSON output always carries the evidence spans.",
)
def note(files: tuple[Path, ...], fmt: str, evidence: bool) -> None:  # noqa: ARG001
    """Read clinical notes: medication, decision, response, side effects, adherence, rationale,
    not-performed statements and psychotherapy minutes, with the words that gave each.

    JSON: one object per note; ``evidence`` maps each true element (and ``therapy_minutes``
    when found) to ``[start, end, words]`` character spans of the note."""
    from claimscrub.notes import extract_notes
    from claimscrub.notes.highlight import text_summary
    from claimscrub.readers.source import source_name

    texts = [_read(p) for p in files]
    for path, facts in zip(files, extract_notes(texts), strict=True):
        if fmt == "json":
            click.echo(json.dumps({"file": source_name(path), **facts.to_dict(evidence=True)}))
        else:
            click.echo(text_summary(source_name(path), facts))


@click.command()
@click.argument("code")
def template(code: str) -> None:
    """Print a documentation template for CODE (90863, 90832/90834/90837, 90833/90836/90838)."""
    from claimscrub.notes import render_template

    try:
        click.echo(render_template(code))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
