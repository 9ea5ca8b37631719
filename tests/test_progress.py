"""The progress helper: a bar on a terminal, plain lines in logs, nothing when quiet."""

from __future__ import annotations

import io

from groupcover.progress import Progress


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    with Progress("import suppliers", total=1000, stream=out, every_seconds=0) as progress:
        progress.advance(400)
        progress.phase("writing suppliers", total=1000)
        progress.advance(1000)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("import suppliers: 400/1,000 rows (")
    assert "s left" in lines[0]
    assert lines[-1].startswith("writing suppliers: 1,000/1,000 rows (")
    assert "s left" not in lines[-1]  # the final line of a phase


def test_a_terminal_gets_a_rich_bar():
    out = io.StringIO()
    with Progress("import members", total=10, stream=out, interactive=True) as progress:
        progress.advance(10)
    assert "import members" in out.getvalue()
    assert "10/10" in out.getvalue()


def test_quiet_prints_nothing_but_still_counts():
    out = io.StringIO()
    with Progress("x", total=5, stream=out, every_seconds=0, quiet=True) as progress:
        progress.advance(5)
    assert (out.getvalue(), progress.done) == ("", 5)
    assert progress.seconds_left() == 0
