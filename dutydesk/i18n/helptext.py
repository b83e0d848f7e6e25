"""The CLI's help and usage errors in the reader's language.

Typer builds every command when its module is imported, with ``help=_("...")``
evaluated then, before ``--lang`` is parsed.  So the help texts are kept as
their English msgids (command modules are imported under English, see
``dutydesk.cli.LazyGroup``) and translated when Click formats them:
:class:`LocalisedContext` translates its command's help, its options' help and
its sub-commands' short help each time it makes a formatter, and the formatter
(:class:`LocalisedFormatter`) says ``Usage:`` and the section headings in the
reader's language and wraps by display width (a CJK character is two cells).

Typer's vendored Click writes its usage errors in English f-strings; Typer's
own words (``Options``, ``Missing command.``, ``[default: ...]``) go through
the stdlib's ``gettext`` of the default domain.  :func:`install` points
Typer's ``_`` at our catalogue, and :func:`localise_error` gives a usage error
a ``show()`` in the reader's language, built from the error's own fields
(which option, which value), never by translating English text.  In English
nothing changes: Click's own output is shown.

Kept light: imported by ``dutydesk --help``, it loads nothing but Typer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import typer.core
from typer import _click
from typer._click import exceptions as click_exc
from typer.models import Context

from dutydesk.i18n import N_, _, current_language
from dutydesk.i18n.linebreak import NO_LINE_END, NO_LINE_START

# Typer's and Click's own words, in our catalogue (Typer asks through gettext;
# Click's are rebuilt in localise_error and LocalisedFormatter).
FRAMEWORK_MESSAGES = (
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("Show this message and exit."),
)

_MSGIDS = "_dutydesk_msgids"
ClickException = click_exc.ClickException


def install() -> None:
    """Typer's own words through our catalogue (its ``gettext`` looks up the
    process's default domain, which we do not own)."""
    typer.core._ = _  # type: ignore[attr-defined]


# -- help ---------------------------------------------------------------------


def _translate_attr(obj: Any, attr: str) -> None:
    """Set ``obj.attr`` to the translation of the msgid it first held."""
    store = obj.__dict__.setdefault(_MSGIDS, {})
    if attr not in store:
        store[attr] = getattr(obj, attr, None)
    msgid = store[attr]
    if isinstance(msgid, str) and msgid:
        setattr(obj, attr, _(msgid))


def localise_command(command: _click.Command, ctx: _click.Context | None = None) -> None:
    """Translate a command's help, its parameters' help and its loaded
    sub-commands' help into the current language (again at every call: the
    msgids are kept)."""
    for attr in ("help", "short_help", "epilog"):
        _translate_attr(command, attr)
    params = command.get_params(ctx) if ctx is not None else command.params
    for param in params:
        _translate_attr(param, "help")
    for sub in (getattr(command, "commands", None) or {}).values():
        for attr in ("help", "short_help"):
            _translate_attr(sub, attr)


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


# Closing punctuation stays on the line of the text before it; opening
# punctuation on the line of the text after it (the one rule: dutydesk.i18n.linebreak).
_NO_LINE_START = NO_LINE_START
_NO_LINE_END = NO_LINE_END


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _tokens(text: str) -> list[str]:
    """The pieces a line may break between: spaces, runs of narrow
    characters, and each wide character (with the punctuation that must
    stay with it)."""
    out: list[str] = []
    word = ""
    for ch in text:
        if ch.isspace():
            if word:
                out.append(word)
            word = ""
            out.append(" ")
        elif ch in _NO_LINE_START:
            if word:
                word += ch
            elif out and not out[-1].isspace():
                out[-1] += ch
            else:
                word = ch
            if _is_wide(ch) and word:
                out.append(word)
                word = ""
        elif _is_wide(ch):
            if word and word[-1] not in _NO_LINE_END:
                out.append(word)
                word = ""
            word += ch
        else:
            if word and _is_wide(word[-1]) and word[-1] not in _NO_LINE_END:
                out.append(word)
                word = ""
            word += ch
    if word:
        out.append(word)
    return out


def wrap_cells(text: str, width: int) -> list[str]:
    """Greedy wrap of one paragraph to ``width`` display cells: breaks at
    spaces and between wide characters, never before closing punctuation."""
    lines: list[str] = []
    line = ""
    for token in _tokens(" ".join(text.split())):
        if token.isspace():
            if line and not line.endswith(" "):
                line += " "
            continue
        if line.strip() and _cells(line + token) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _wide(text: str) -> bool:
    return any(_is_wide(ch) for ch in text)


class LocalisedFormatter(_click.HelpFormatter):
    """Click's help formatter in the reader's language, measuring display width."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write("{indent}{heading}\n".format(indent=" " * self.current_indent, heading=_("{heading}:").format(heading=heading)))

    def write_text(self, text: str) -> None:
        if not _wide(text):
            return super().write_text(text)
        indent = " " * self.current_indent
        paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        out = ["\n".join(indent + line for line in wrap_cells(p, max(self.width - self.current_indent, 20))) for p in paragraphs]
        self.write("\n\n".join(out))
        self.write("\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:  # noqa: ANN001
        rows = list(rows)
        if not any(_wide(second) for _first, second in rows):
            return super().write_dl(rows, col_max, col_spacing)
        first_col = min(max(_cells(first) for first, _second in rows), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _cells(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _cells(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_cells(second, max(self.width - first_col - 2 - self.current_indent, 10)) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class LocalisedContext(Context):
    """A context whose help and usage are in the reader's language."""

    formatter_class = LocalisedFormatter

    def make_formatter(self) -> _click.HelpFormatter:
        localise_command(self.command, self)
        return super().make_formatter()


def adopt(command: _click.Command | None) -> _click.Command | None:
    """Give a command (built by Typer) our context, so its help is localised."""
    if command is not None:
        command.context_class = LocalisedContext
    return command


# -- usage errors -------------------------------------------------------------


def _hint(exc: click_exc.BadParameter) -> str:
    if exc.param_hint is not None:
        hints = [exc.param_hint] if isinstance(exc.param_hint, str) else list(exc.param_hint)
        return " / ".join(h if h.startswith("'") else f"'{h}'" for h in hints)
    param = exc.param
    if param is None:
        return ""
    names = list(getattr(param, "opts", None) or []) if getattr(param, "param_type_name", "") == "option" else []
    return " / ".join(f"'{n}'" for n in names) or f"'{getattr(param, 'display_name_raw', None) or param.name}'"


def _value_problem(exc: click_exc.BadParameter) -> str:
    """What was wrong with the value, in the reader's words when we know the case."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except (IndexError, TypeError):
            first = None
        if first:
            kind, value, ctx = first.get("type", ""), first.get("input"), first.get("ctx") or {}
            shown = repr(value) if isinstance(value, str) else str(value)
            if kind in ("int_parsing", "int_type", "int_from_float"):
                return _("{value} is not a whole number").format(value=shown)
            if kind in ("float_parsing", "float_type", "decimal_parsing"):
                return _("{value} is not a number").format(value=shown)
            if kind in ("bool_parsing", "bool_type"):
                return _("{value} is not true or false").format(value=shown)
            if kind in ("greater_than_equal", "greater_than"):
                return _("{value} is below the least allowed, {limit}").format(value=shown, limit=ctx.get("ge", ctx.get("gt")))
            if kind in ("less_than_equal", "less_than"):
                return _("{value} is above the most allowed, {limit}").format(value=shown, limit=ctx.get("le", ctx.get("lt")))
            if kind in ("enum", "literal_error"):
                return _("{value} is not one of {choices}").format(value=shown, choices=ctx.get("expected", ""))
            if kind.startswith(("datetime", "date", "time")):
                return _("{value} is not a date or time").format(value=shown)
    match = re.fullmatch(r"Value (.*) is not a valid (.*)\.", exc.message or "")
    if match:
        return _("{value} is not a valid {type}").format(value=match.group(1), type=match.group(2))
    return exc.message or ""


def _choices(param: Any, ctx: Any) -> str:
    desc = getattr(param, "type_descriptor", None)
    if desc is not None and getattr(desc, "is_choice", False) and desc.choices:
        return ", ".join(str(getattr(c, "value", c)) for c in desc.choices)
    return ""


def localised_message(exc: click_exc.ClickException) -> str:
    """The error's message in the reader's language."""
    if isinstance(exc, click_exc.MissingParameter):
        hint = _hint(exc)
        kind = exc.param_type or getattr(exc.param, "param_type_name", "parameter")
        if kind == "option":
            text = _("Missing option {name}.").format(name=hint)
        elif kind == "argument":
            text = _("Missing argument {name}.").format(name=hint)
        else:
            text = _("Missing parameter {name}.").format(name=hint)
        choices = _choices(exc.param, exc.ctx)
        if choices:
            text += " " + _("Choose from: {choices}.").format(choices=choices)
        return text
    if isinstance(exc, click_exc.BadParameter):
        hint = _hint(exc)
        problem = _value_problem(exc)
        if not hint:
            return _("Invalid value: {problem}").format(problem=problem)
        return _("Invalid value for {name}: {problem}").format(name=hint, problem=problem)
    if isinstance(exc, click_exc.NoSuchOption):
        text = exc.message
        if exc.message.startswith("No such option: "):
            text = _("No such option: {name}").format(name=exc.message[len("No such option: ") :])
        if exc.possibilities:
            text += " " + _("(Possible options: {options})").format(options=", ".join(sorted(exc.possibilities)))
        return text
    message = exc.format_message()
    patterns = (
        (r"Option (.*) does not take a value\.", lambda m: _("Option {name} does not take a value.").format(name=m.group(1))),
        (r"Option (.*) requires an argument\.", lambda m: _("Option {name} needs a value.").format(name=m.group(1))),
        (r"Option (.*) requires (\d+) arguments\.", lambda m: _("Option {name} needs {count} values.").format(name=m.group(1), count=m.group(2))),
        (r"Got unexpected extra argument\(s\) \((.*)\)", lambda m: _("Unexpected extra arguments: {args}").format(args=m.group(1))),
        (r"(.*)\. Did you mean (.*)\?", lambda m: _("{message}. Did you mean {names}?").format(message=m.group(1).rstrip("。."), names=m.group(2))),
    )
    for pattern, build in patterns:
        match = re.fullmatch(pattern, message, flags=re.S)
        if match:
            return build(match)
    if isinstance(exc, click_exc.FileError):
        return _("Could not open file {name}: {reason}").format(name=repr(exc.ui_filename), reason=exc.message)
    return message


def localise_error(exc: BaseException) -> None:
    """Give a Click error a ``show()`` in the reader's language (English: as it is)."""
    if current_language() == "en" or not isinstance(exc, click_exc.ClickException):
        return
    if isinstance(exc, click_exc.NoArgsIsHelpError):
        return  # its message is the help page, already localised

    def show(file: Any = None) -> None:
        if file is None:
            file = _click._compat.get_text_stderr()
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = _("Try '{command} {option}' for help.").format(command=ctx.command_path, option=ctx.help_option_names[0]) + "\n"
            _click.echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
        _click.echo(_("Error: {message}").format(message=localised_message(exc)), file=file, color=getattr(ctx, "color", None))

    exc.show = show  # type: ignore[method-assign]


class LocalisedGroup(typer.core.TyperGroup):
    """A command group whose commands' help and usage are in the reader's language."""

    context_class = LocalisedContext

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        return adopt(super().get_command(ctx, cmd_name))
