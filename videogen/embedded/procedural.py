"""The ``procedural`` text-to-video model: the shapes world's renderer behind the generator interface.

It is the exact, non-learned reference: parse the prompt, draw the clip. Loaded like every other
model from its folder (``weights/shapes-procedural/model_index.json``), chosen only by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import UnsupportedModelError
from videogen.registry import ModelSpec

CLASS_NAME = "ShapesProceduralPipeline"


@dataclass
class ProceduralGenerator:
    spec: ModelSpec
    randomize: bool = False

    @classmethod
    def from_pretrained(cls, spec: ModelSpec, folder: Path) -> ProceduralGenerator:
        config = json.loads((Path(folder) / "model_index.json").read_text())
        if config.get("_class_name") != CLASS_NAME:
            raise UnsupportedModelError(f"{folder} is not a {CLASS_NAME} folder.")
        return cls(spec, bool(config.get("randomize", False)))

    def input_warnings(self, prompt: str, image: Any | None) -> list[str]:
        """Warnings when the prompt is not about a shape (:func:`videogen.shapes.world.prompt_warnings`)."""
        from videogen.shapes.world import prompt_warnings

        return prompt_warnings(self.spec, prompt)

    def generate(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str | None]:
        from videogen.shapes import render_prompt, understood_summary

        if image is not None:
            raise UnsupportedModelError(f"{self.spec.id} draws from text only; it does not animate images.")
        frames, parsed = render_prompt(
            params.prompt, num_frames=params.frames, height=params.height, width=params.width, fps=params.fps,
            seed=params.seed, randomize=self.randomize, on_frame=on_step,
        )
        return frames, understood_summary(parsed)
