"""Content Credentials (C2PA) in every file videogen writes, and reading them in any file.

* :mod:`.manifest`: what a file's manifest says (its actions, ingredients and the recipe), per kind of output;
* :mod:`.identity`: who signs: the operator's certificate (``VIDEOGEN_C2PA_CERT``/``VIDEOGEN_C2PA_KEY``)
  or this installation's local CA, made on first use in the config folder;
* :mod:`.sign`: :func:`~.sign.sign_file`, a file signed in place (the last write to it);
* :mod:`.outputs`: the API's outputs signed (a clip, an edit, a composition, a still for download);
* :mod:`.verify`: :func:`~.verify.verify`, any file's credentials read back (``python -m videogen verify``);
* :mod:`.label`: the visible "AI-generated" label drawn into the frames (off unless asked for).

c2pa-python and cryptography are imported when a file is signed or read, not with this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Marks", "take_marks"]


@dataclass(frozen=True)
class Marks:
    """How an output is marked: the visible label (``label``) and whether the prompt goes into the
    credentials and the plain metadata (``include_prompt``): the settings table's two flags."""

    label: bool = False
    include_prompt: bool = True


def take_marks(settings: dict[str, Any]) -> Marks:
    """The two flags (:data:`videogen.params.MARKS`) taken out of a task's keyword ``settings``; unset
    (None) is the table's default."""
    from videogen.params import INCLUDE_PROMPT, LABEL

    label, include = settings.pop(LABEL.name, None), settings.pop(INCLUDE_PROMPT.name, None)
    return Marks(label=bool(LABEL.default if label is None else label),
                 include_prompt=bool(INCLUDE_PROMPT.default if include is None else include))
