"""Fuzzing the CLI's arguments and playbook override files (issue 11, defect 8).

Whatever is typed, the CLI answers with an exit code of the README's table
(0 done, 1 refused, 2 usage, 3 no desk), never a traceback or an "internal
error", one line on stderr when it refuses, and no escape, bidi or zero-width
character of the input ever reaches the output.  The short form runs in
``make test`` (a fixed seed, ``FUZZ_EXAMPLES`` examples, 200 by default);
raise ``DUTYDESK_FUZZ_EXAMPLES`` for the long form.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dutydesk.cli import app

runner = CliRunner()
FUZZ_EXAMPLES = int(os.environ.get("DUTYDESK_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DANGEROUS = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u200b", "\ufeff", "\x00")

# -- what a person (or a script gone wrong) may type ---------------------------------

nasty_chars = st.sampled_from(list("[]/:=+-@'\"\\ \t\n\r") + list(DANGEROUS) + ["\u3000", "\udcff", "\ud800", "é", "劳", "🔥"])
texts = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=nasty_chars, max_size=8),
    st.sampled_from(
        [
            "[/]",
            "[bold]x",
            ":fire:",
            '=HYPERLINK("http://x","y")',
            "\x1b]0;T\x07",
            "a\nb",
            "x" * 250,
            "",
            " ",
            "PS1",
            "DC1",
            "mass",
            "B",
            "cordon",
            "--help",
        ]
    ),
)
ids = st.one_of(
    st.integers(min_value=-3, max_value=5),
    st.integers(min_value=2**62, max_value=2**70),
    st.integers(max_value=-(2**63)),
    st.sampled_from(["abc", "1.5", "", "0x10", "1e3"]),
)
times = st.one_of(
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31T23:59:59+14:00",
            "1999-12-31",
            "2026-11-22T10:00",
            "10:00",
            "25:61",
            "2026-02-30",
            "2026-03-29T02:30",
            "now",
            "",
            "T",
            "2026-11-22T10:00+99:00",
        ]
    ),
    st.text(max_size=10),
)


def _args(draw_cmd):
    return draw_cmd


@st.composite
def commands(draw) -> list[str]:
    t, i, at = draw(texts), draw(ids), draw(times)
    i = str(i)
    choice = draw(st.integers(min_value=0, max_value=21))
    table = [
        [
            "incident",
            "open",
            "--kind",
            draw(st.sampled_from(["mass", "opinion", t])),
            "--title",
            t,
            "--place",
            draw(texts),
            "--level",
            draw(st.sampled_from(["A", "B", "red", t])),
            "--at",
            at,
        ],
        ["incident", "note", i, t, "--at", at],
        ["incident", "show", i],
        ["incident", "show", i, "--json"],
        ["incident", "level", i, draw(st.sampled_from(["A", "C", t])), "--reason", draw(texts)],
        ["incident", "assign", i, draw(st.sampled_from(["cordon", t])), draw(st.sampled_from(["PS1", t]))],
        ["incident", "instruct", i, "--to", draw(st.sampled_from(["PS1", t])), draw(texts)],
        ["incident", "close", i, "--summary", t, "--at", at],
        ["incident", "list", "--limit", i],
        ["deadline", "meet", i, "--at", at],
        ["deadline", "waive", i, "--reason", t],
        ["instruction", "ack", i, "--by", t],
        ["unit", "add", "--", t, draw(texts)],
        ["staff", "add", "--", t, draw(texts), "--unit", draw(st.sampled_from(["PS1", t]))],
        ["shift", "start", t, "--at", at],
        ["audit", "log", "--incident", i, "--after", draw(st.sampled_from(["0", i]))],
        ["report", "shift", "--from", at, "--to", draw(times)],
        ["report", "incident", i, "--format", draw(st.sampled_from(["text", "md", "html", "json", t]))],
        ["export", draw(st.sampled_from(["units", "incidents", t])), "--format", draw(st.sampled_from(["csv", "json", "jsonl", t]))],
        ["--actor", t, "incident", "note", "1", "fine"],
        ["--lang", t, "board"],
        [t, i, at],
    ]
    return table[choice]


def check(result, args) -> None:
    out, err = result.stdout, result.stderr
    assert result.exit_code in (0, 1, 2, 3), (args, result.exit_code, out, err, result.exception)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError((args, repr(result.exception)))
    assert "Traceback" not in out + err, (args, err)
    assert "internal error" not in err, (args, err)
    if result.exit_code in (1, 3):
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) <= 1, (args, err)
    for ch in DANGEROUS:
        assert ch not in out and ch not in err, (args, repr(ch), out, err)


@pytest.fixture
def fuzz_desk(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'desk.sqlite'}"
    for args in (
        ["init"],
        ["unit", "add", "PS1", "Station 1"],
        ["staff", "add", "DC1", "One", "--unit", "PS1"],
        ["incident", "open", "--kind", "mass", "--title", "Gate", "--place", "Road", "--level", "B"],
    ):
        result = runner.invoke(app, ["--db", url, "--actor", "DC1", *args])
        assert result.exit_code == 0, result.output
    return url


@FUZZ
@given(args=commands())
def test_fuzzed_cli_arguments_fail_cleanly(fuzz_desk, args):
    result = runner.invoke(app, ["--db", fuzz_desk, "--actor", "DC1", *args])
    check(result, args)


# -- playbook override files ------------------------------------------------------------

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(["inf", "nan", "-inf", "1e12", "0", "-5", "1e-300", "527041"]),
)


def _toml_value(v) -> str:  # noqa: ANN001
    if isinstance(v, str) and v in ("inf", "nan", "-inf") or isinstance(v, (int,)):
        return str(v)
    if isinstance(v, float):
        return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
    if isinstance(v, str) and v.replace("e", "").replace("-", "").replace(".", "").isdigit():
        return v
    return (
        '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04x}" for ch in str(v) if not 0xD800 <= ord(ch) <= 0xDFFF) + '"'
    )


@st.composite
def playbook_files(draw) -> bytes:
    kind = draw(st.sampled_from(["mass", "opinion", "new"]))
    shape = draw(st.integers(min_value=0, max_value=6))
    if shape == 0:  # a deadline rule with odd minutes
        body = (
            f"[[kind.{kind}.deadlines]]\nkey = {_toml_value(draw(st.sampled_from(['first_public_information', 'x'])))}\n"
            f'label = {_toml_value(draw(texts))}\nanchor = "reported"\nminutes = {_toml_value(draw(numbers))}\n'
            f"warn_before_minutes = {_toml_value(draw(numbers))}\n"
        )
    elif shape == 1:  # a level with an odd label, key or colour
        body = (
            f"[[kind.{kind}.levels]]\nkey = {_toml_value(draw(texts))}\nlabel = {_toml_value(draw(texts))}\n"
            f"colour = {_toml_value(draw(st.sampled_from(['red', '[/]', '#fff', draw(texts)])))}\n"
        )
    elif shape == 2:  # a factor with odd bands
        body = (
            f'[[kind.{kind}.factors]]\nkey = "f"\nlabel = "F"\ntype = "number"\n'
            f"bands = [{{min = {_toml_value(draw(numbers))}, score = {_toml_value(draw(numbers))}}}]\n"
            f'[[kind.{kind}.thresholds]]\nlevel = "A"\nmin_score = {_toml_value(draw(numbers))}\n'
        )
    elif shape == 3:  # nesting
        depth = draw(st.integers(min_value=1, max_value=3000))
        body = "x = " + "[" * depth + "]" * depth + "\n"
    elif shape == 4:  # text of any kind
        body = draw(st.text(max_size=200))
    elif shape == 5:  # bytes of any kind
        return draw(st.binary(max_size=200))
    else:  # a real kind, in another encoding
        body = '[kind.mass]\nlabel = "群体性事件"\n'
        return body.encode(draw(st.sampled_from(["utf-16", "gb18030", "utf-8-sig", "latin-1"])), "replace")
    return body.encode("utf-8", "surrogatepass")


@FUZZ
@given(content=playbook_files())
def test_fuzzed_playbook_files_fail_cleanly(tmp_path_factory, content):
    path = Path(tmp_path_factory.mktemp("pb")) / "override.toml"
    path.write_bytes(content)
    result = runner.invoke(app, ["playbook", "check", str(path)])
    check(result, [content[:80]])
    assert result.exit_code in (0, 1)


@FUZZ
@given(content=playbook_files())
def test_fuzzed_playbooks_on_a_desk(fuzz_desk, tmp_path_factory, content):
    """A playbook that passes ``check`` also works for the board and a report (no internal error later)."""
    path = Path(tmp_path_factory.mktemp("pb")) / "override.toml"
    path.write_bytes(content)
    if runner.invoke(app, ["playbook", "check", str(path)]).exit_code != 0:
        return
    for args in (["board"], ["incident", "show", "1"], ["report", "incident", "1"], ["playbook", "show"]):
        check(runner.invoke(app, ["--db", fuzz_desk, "--actor", "DC1", "--playbooks", str(path), *args]), args)
