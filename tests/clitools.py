"""What the CLI tests share: a runner, and the two verdicts on a result."""

from __future__ import annotations

from typer.testing import CliRunner

runner = CliRunner()


def ok(result):
    assert result.exit_code == 0, (result.output, result.stderr)
    return result


def refused(result, *needles: str, code: int = 1) -> str:
    """Refused in one line on stderr, naming each of ``needles``; never a traceback."""
    assert result.exit_code == code, (result.output, result.stderr)
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and "internal error" not in line, line
    assert line.startswith("error: "), line
    for n in needles:
        assert n in line, line
    return line
