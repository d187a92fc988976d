"""Compositions: photos and clips, music, narration and subtitles put together into one video.

- :mod:`~videogen.compose.recipe`: :func:`run_compose`, the timeline, the sound and the frames;
- :mod:`~videogen.compose.shots`: what each input shows in its shot (a photo moving, a clip playing);
- :mod:`~videogen.compose.motion`: pan and zoom over a photo towards its faces or salient region;
- :mod:`~videogen.compose.beats`: the music's beats, and the cuts moved onto them;
- :mod:`~videogen.compose.narration`: text spoken (eSpeak NG, offline), placed and mixed over the music;
- :mod:`~videogen.compose.captions`: subtitles burned into the picture.

Story mode (a script → a clip per line → one narrated, subtitled video) is the API's
:meth:`videogen.Engine.story`, which makes the clips with the chosen text-to-video model and
composes them here.
"""

from __future__ import annotations

from videogen.compose.recipe import ComposeOptions, ComposeResult, run_compose

__all__ = ["ComposeOptions", "ComposeResult", "run_compose"]
