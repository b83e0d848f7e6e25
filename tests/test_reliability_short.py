"""The short forms of `make reliability` (bench/reliability.py), run by `make test`:
3 kills during writes, 3 during imports, 2 writers beside a 20 000-row import,
every fault case (one command each), a corpus of hostile arguments, hostile
text through every display, and the tamper cases if there are any."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from bench import reliability as rel

pytestmark = pytest.mark.reliability
PLAN = rel.SHORT


@pytest.fixture
def fig(tmp_path):
    figures = rel.Figures()
    with rel.isolate(tmp_path / "home"):
        yield figures


def test_kill_9_during_writes_loses_no_acknowledged_write(tmp_path, fig):
    rel.kills_during_writes(tmp_path, PLAN, fig, random.Random(1))
    assert fig.kills == PLAN.kill_writes and fig.acknowledged > 0
    assert (fig.kills_survived, fig.acknowledged_lost) == (fig.kills, 0), fig.fault_notes


def test_kill_9_during_imports_leaves_all_or_nothing(tmp_path, fig):
    rel.kills_during_imports(tmp_path, PLAN, fig, random.Random(2))
    assert fig.import_kills == PLAN.kill_imports
    assert fig.partial_imports == 0, fig.fault_notes


def test_writers_beside_a_long_import_never_see_locked(tmp_path, fig):
    rel.writers_and_import(tmp_path, PLAN, fig)
    assert fig.writes_during_import > 0  # they did write while it ran
    assert (fig.locked_errors, fig.writer_errors, fig.acknowledged_lost, fig.partial_imports) == (0, 0, 0, 0), (fig.fault_notes, fig.fuzz_notes)
    assert fig.longest_wait <= rel.WAIT_BUDGET_S


def test_every_fault_is_handled(tmp_path, fig):
    rel.Faults(tmp_path, PLAN, fig).run()
    assert fig.faults_tried >= 9
    assert fig.faults_handled == fig.faults_tried, [n for n in fig.fault_notes if "NOT handled" in n]


def test_hostile_arguments_give_no_internal_error_or_traceback(tmp_path, fig):
    rel.fuzz(tmp_path, PLAN, fig)
    assert fig.fuzz_cases >= PLAN.corpus_runs
    assert (fig.internal_errors, fig.tracebacks) == (0, 0), fig.fuzz_notes


def test_no_escape_or_markup_reaches_output(tmp_path, fig):
    rel.escapes(tmp_path, fig)
    assert fig.escape_outputs >= 20
    assert fig.escapes == 0, fig.escape_notes


def test_tamper_cases_are_all_detected(fig):
    rel.tamper(fig)
    if fig.tamper is None:
        pytest.skip("tests/tamper_cases.py not there yet")
    assert fig.tamper[0] == fig.tamper[1], [n for n in fig.tamper_notes if "NOT" in n]


def test_the_counters_see_what_they_count():
    """The measures are not blind: Rich markup interpreted, raw ESC, C1 and
    bidi characters, tracebacks and refusals over several lines are counted."""
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    Console(file=out, width=200, force_terminal=False).print("[bold]MKA[/bold] and \\[bold]MKA\\[/bold]")
    assert rel._swallowed(out.getvalue()) == 1  # the first one lost its tags; the escaped one kept them
    assert rel._swallowed("│ [link=http://x.invalid] │\n│ MKB[/link] │") == 0  # a tag wrapped to the line above
    assert rel._bad_chars("a\x1b[2Jb\x9bc\u202ed") == 3 and rel._bad_chars("plain 名字 [/]") == 0

    def done(code, out="", err=""):
        return subprocess.CompletedProcess([], code, out, err)

    assert rel.unclean(done(1, err="error: title: must not be empty\n")) is None
    assert rel.unclean(done(1, err="Traceback (most recent call last):\n  ...\n")) == "traceback"
    assert rel.unclean(done(1, err="error: internal error (X): y\n")).startswith("internal error")
    assert rel.unclean(done(1, err="error: a\nerror: b\n")).startswith("refusal not one line")
    assert rel.unclean(done(3, err="error: no desk\n"), (1,)).startswith("exit 3")


def test_make_reliability_prints_the_figures_as_a_process():
    proc = subprocess.run(
        [sys.executable, "-m", "bench.reliability", "--short", "--only", "none"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        cwd=rel.ROOT,
    )
    names = [line.split(":")[0] for line in proc.stdout.splitlines()[-12:]]
    assert names == [
        "kills survived",
        "acknowledged writes lost",
        "partial imports",
        "locked errors shown",
        "longest writer wait during an import",
        "fault cases handled / tried",
        "fuzz cases",
        "internal errors",
        "tracebacks",
        "tamper" if "tamper: not available" in proc.stdout else "tamper cases detected / tried",
        "escape or markup sequences that reached output",
        "reliability",
    ], proc.stdout + proc.stderr
