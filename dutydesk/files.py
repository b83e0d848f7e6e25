"""Files the desk writes for people (exports, reports, rejected rows): whole or
not at all, with the permissions of any new file."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from dutydesk.errors import Refused
from dutydesk.i18n import _


def write_atomic(output: Path, write: Callable[[BinaryIO], Any], *, field: str = "output") -> Any:
    """Write beside the target and rename: a failure never leaves half a file.
    The file gets the permissions of any new file (the umask applies).  A
    folder that cannot be written is a refusal naming ``field``."""
    folder = output.parent if str(output.parent) else Path(".")
    tmp = folder / f".dutydesk-{secrets.token_hex(6)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _cannot(field, output, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            result = write(fh)
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot(field, output, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


def _cannot(field: str, path: Path, exc: OSError) -> Refused:
    return Refused(field, _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror))
