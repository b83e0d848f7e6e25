"""Typer's parameter coercion without pydantic for the plain cases.

Typer 0.29 coerces every parameter value through a pydantic ``TypeAdapter``,
built the first time the parameter is processed: a command with one string
option imports pydantic and builds adapters (about 75 ms, a third of a read
command's whole run).  For the values whose result is certain (a ``str`` for
a ``str`` parameter, returned as it is; ``None``; an ``int`` default or a
string of ASCII digits for an ``int`` parameter within its ``min``/``max``)
this returns what the adapter would; every other value (a ``Path``, a choice,
a negative or odd number, a value out of range, a parser) goes to Typer's own
adapter, built then, so messages and results stay Typer's.
tests/test_lightread.py checks both give the same values and errors.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from typer import _coercion, core

_DIGITS = re.compile(r"[0-9]{1,18}")


def _plain(annotation: Any) -> Any:  # noqa: ANN401
    """``str``/``int`` for ``str``, ``int`` and their ``Optional``; else None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    return annotation if annotation in (str, int) else None


@dataclass(frozen=True)
class LightParam(_coercion.RuntimeParam):
    descriptor: _coercion.TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:  # noqa: ANN401
        info = self.parameter_info
        kind = _plain(self.annotation)
        if info.parser is None and not self.descriptor.is_file and not self.descriptor.is_path and not self.descriptor.is_choice:
            if kind is str and type(value) is str:
                return value
            if kind is int and info.clamp is False:
                number = value if type(value) is int else int(value) if type(value) is str and _DIGITS.fullmatch(value) else None
                if number is not None and (info.min is None or number >= info.min) and (info.max is None or number <= info.max):
                    return number
        real = _coercion.build_runtime_param(self.descriptor)  # Typer's own, for everything else
        param._runtime_param = real
        return real._coerce_value(value, param=param, ctx=ctx)


def _get_runtime_param(self: Any) -> _coercion.RuntimeParam:  # noqa: ANN401
    if self._runtime_param is None:
        d = self.type_descriptor
        self._runtime_param = LightParam(parameter_info=d.parameter_info, annotation=d.annotation, descriptor=d)
    return self._runtime_param


def install() -> None:
    """Use :class:`LightParam` for Typer's parameters (idempotent); a Typer
    without this hook is left as it is."""
    global ORIGINAL
    target = getattr(core, "_TyperParameter", None)
    if target is not None and hasattr(target, "get_runtime_param") and hasattr(_coercion, "build_runtime_param"):
        if target.get_runtime_param is not _get_runtime_param:
            ORIGINAL = target.get_runtime_param
        target.get_runtime_param = _get_runtime_param


ORIGINAL: Any = None  # Typer's own get_runtime_param (tests compare both)
