"""Action recognition: a video in, its most likely actions (with probabilities) out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from videogen.hub import Progress, ProgressFn
from videogen.models import ModelCache
from videogen.recognize.inputs import check_inputs, parse_labels
from videogen.registry import ModelSpec
from videogen.media import read_frames

READ_SHORT_SIDE = 256  # frames are read at most this small on their shortest side (the classifier's input, the page's strip)

if TYPE_CHECKING:
    from videogen.recognize.timeline import TimelineResult


@dataclass
class ClassificationResult:
    """The CLI's ``--json`` object for one video (``frames`` is kept for the UI's strip only)."""

    video: str
    model: str
    predictions: list[dict[str, float | str]]
    timings: dict[str, float] = field(default_factory=dict)
    frames: np.ndarray | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)  # e.g. real footage given to a shapes-world model
    timeline: TimelineResult | None = field(default=None, repr=False)  # per window, for a video longer than one
    answer: str = "sampled"  # how `predictions` were read: "sampled" (one sampling) or "windows" (their mean)
    answer_from: str = ""  # the same in words: "16 frames sampled evenly over the whole video"

    def to_json(self) -> dict[str, Any]:
        data = {
            "video": self.video, "model": self.model, "predictions": self.predictions, "answer": self.answer,
            "answer_from": self.answer_from, "timings": self.timings, "warnings": self.warnings,
        }
        if self.timeline is not None:
            data["timeline"] = self.timeline.to_json()
        return data


def run_classification(
    models: ModelCache,
    spec: ModelSpec,
    video: str | Path,
    *,
    top_k: int = 5,
    labels: str | list[str] | None = None,
    progress: ProgressFn | None = None,
) -> ClassificationResult:
    # 1. Check the inputs.
    label_list = parse_labels(labels)  # None: a zero-shot model uses the 400 Kinetics actions
    check_inputs(spec, video, top_k, label_list)
    top_k = int(top_k)  # 5.0 from JSON

    # 2. Download (first use only) and load (kept for the next request).
    start = time.perf_counter()
    classifier = models.classifier(spec, progress)
    loaded = time.perf_counter()

    # 3. Sample the frames the model was trained on, evenly over the whole video; the model says
    #    when the footage is outside what it knows (a shapes-world model given real footage).
    if progress:
        progress(Progress("decode", 0, classifier.num_frames, "frame", "Reading frames"))
    sampled = read_frames(video, classifier.num_frames, short_side=max(classifier.input_size, READ_SHORT_SIDE))
    warnings = sampled.warnings + classifier.input_warnings(sampled.frames)
    decoded = time.perf_counter()

    # 4. Score every label; keep the best top_k.
    if progress:
        progress(Progress("classify", 0, 1, "", "Classifying"))
    scores = classifier.classify(sampled.frames, label_list)[:top_k]
    done = time.perf_counter()
    return ClassificationResult(
        video=str(video), model=spec.id,
        predictions=[{"label": label, "score": round(score, 6)} for label, score in scores],
        timings={"load_s": round(loaded - start, 3), "decode_s": round(decoded - loaded, 3), "classify_s": round(done - decoded, 3)},
        frames=sampled.frames, warnings=warnings,
        answer="sampled", answer_from=f"{len(sampled.frames)} frames sampled evenly over the whole video",
    )


def answer_from_windows(result: ClassificationResult, timeline: TimelineResult, top_k: int) -> ClassificationResult:
    """``result`` with the whole video's answer read as the mean over ``timeline``'s windows."""
    result.predictions = [{"label": p["label"], "score": p["score"]} for p in timeline.summary["top"][:top_k]]
    result.answer = "windows"
    result.answer_from = f"the mean over {len(timeline.segments)} windows of {timeline.window_s:g} s"
    return result
