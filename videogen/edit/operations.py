"""The edit operations, in the order :func:`videogen.edit.recipe.run_edit` applies them, whatever
order they are asked in: a literal table for ``python -m videogen edit --list``, the Edit tab and
the README.

Join comes first (the inputs become one clip), then the cuts that change time (trim, speed, reverse,
loop), then the ones that make new pixels (interpolate, upscale, restyle): new pixels are made
only for the frames that are kept, and the upscaler sees the interpolated frames at their final rate.
Restyle goes last so that the look is drawn at the output's size.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    name: str
    option: str  # the CLI's option(s)
    what: str
    task: str | None = None  # the registry task of the models that can do it (None: no model)


OPERATIONS: tuple[Operation, ...] = (
    Operation("join", "INPUT INPUT ...", "several inputs one after another, each fitted to the first one's size and "
              "frame rate (scaled to cover, centre-cropped), their sound joined in step"),
    Operation("trim", "--trim START:END", "keep the part from START to END seconds (either may be left out)"),
    Operation("speed", "--speed X", "play X times as fast (0.25-4) at the same frame rate; the sound is "
              "time-stretched, its pitch kept"),
    Operation("reverse", "--reverse", "play backwards, the sound too"),
    Operation("loop", "--loop N", "a boomerang N times: forward, then back"),
    Operation("interpolate", "--interpolate 2|4", "2 or 4 times the frame rate, the same duration: "
              "(frames - 1) * N + 1 frames", task="interpolate"),
    Operation("upscale", "--upscale 2|4", "2 or 4 times the width and the height (super-resolution)", task="upscale"),
    Operation("restyle", "--style NAME | --prompt TEXT", "a new look: an offline style, kept steady from frame to "
              "frame along the motion; or a video-to-video model's redraw as the prompt says (--strength 0-1)",
              task="restyle"),
)
