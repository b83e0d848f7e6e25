"""Small modal dialogs: a text prompt, a choice with a reason, a filtered
picker, a confirmation, and a read-only text.

Each returns plain values with ``dismiss`` (``None`` when cancelled) and refuses
an empty required field on the spot, saying which one (by its label), with the
focus on it; the error clears as soon as that field changes.

Keys typed while a dialog is opening belong to the dialog: until its first
field has the focus they are held and then given to that field, never lost and
never to the screen underneath.  Esc on a dialog with something typed in it asks
before throwing the typing away.

The package: ``base`` (Dialog, type-ahead), ``simple`` (confirm, text, prompt),
``choice`` and ``picker``; every name is importable from here as before.
"""

from dutydesk.screens.dialogs.base import FIELD_KEYS, Dialog, _fresh, deliver
from dutydesk.screens.dialogs.choice import ChoiceDialog
from dutydesk.screens.dialogs.picker import PickerDialog
from dutydesk.screens.dialogs.simple import ConfirmDialog, PromptDialog, TextDialog

__all__ = ["FIELD_KEYS", "ChoiceDialog", "ConfirmDialog", "Dialog", "PickerDialog", "PromptDialog", "TextDialog", "_fresh", "deliver"]
