"""Action recognition over time: a long video's actions window by window, a summary, and segments.

A video longer than one clip of the model gets a timeline. Windows of ``window_s`` seconds start
every ``stride_s`` seconds (default: the model's clip length, windows side by side; a last window
ends at the end of the video). Each window is classified on ``num_frames`` frames spread evenly over
it, as :func:`videogen.media.read_frames` spreads them over a whole video. At most
:data:`MAX_WINDOWS` windows: for very long videos the stride widens and the windows sample the video.

Reading: the file is decoded once, in order (:func:`videogen.media.iter_frames_at`), and only the
frames the windows need are converted, at the model's input size. Windows are classified in
batches as soon as their frames are in, so only the frames of the windows in flight are held, plus
a few small thumbnails per window for display.

Summary: the label with the highest mean probability over the windows (and the next ``top_k - 1``),
and *spans*: runs of consecutive windows that share their top label, merged.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.hub import Progress, ProgressFn
from videogen.models import ModelCache, VideoClassifier
from videogen.recognize.inputs import check_inputs as check_classify_inputs
from videogen.recognize.inputs import parse_labels
from videogen.registry import ModelSpec
from videogen.media import DecodeStats, iter_frames_at, probe

# A window is the span one training clip of the model covers. shapes-action: 16 frames at the shapes
# world's 8 fps. VideoMAE: 16 frames taken every 4th at ~30 fps (2.1 s). X-CLIP: 8 frames spread over
# a longer stretch of a Kinetics clip; 4 s keeps a timeline readable.
CLIP_SECONDS = {"shapes-action": 2.0, "videomae": 2.0, "xclip": 4.0}
DEFAULT_CLIP_SECONDS = 3.0  # families not listed
WINDOW_RANGE = (0.25, 600.0)  # seconds, for window_s and stride_s
MAX_WINDOWS = 240
BATCH = 8  # windows per forward pass
THUMBNAILS = 8  # frames kept per window for display
THUMBNAIL_SIDE = 96  # their shortest side, pixels (at most)


@dataclass
class TimelineResult:
    """Predictions per window of one video; :meth:`to_json` is the ``"timeline"`` object of the CLI.

    ``segments[i]`` is window i: ``{"start_s", "end_s", "top": [{"label", "score"}, ...]}``.
    ``probabilities`` (windows, labels) holds every label's score per window, in ``labels`` order,
    and ``frames[i]`` a few small frames of window i, shown at ``frame_times[i]`` seconds (for
    display, not in the JSON).
    """

    video: str
    model: str
    duration_s: float
    window_s: float
    stride_s: float
    segments: list[dict[str, Any]]
    summary: dict[str, Any]  # {"label", "score", "top": [{"label", "score"}, ...]}: mean probability over windows
    spans: list[dict[str, Any]]  # [{"start_s", "end_s", "label", "windows"}]: consecutive windows sharing their top label
    labels: list[str] = field(default_factory=list, repr=False)
    probabilities: np.ndarray | None = field(default=None, repr=False)
    frames: list[np.ndarray] = field(default_factory=list, repr=False)
    frame_times: list[list[float]] = field(default_factory=list, repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)  # windows, frames decoded/converted, seeks
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "video": self.video, "model": self.model, "duration_s": self.duration_s, "window_s": self.window_s,
            "stride_s": self.stride_s, "summary": self.summary, "spans": self.spans, "segments": self.segments,
            "timings": self.timings, "stats": self.stats, "warnings": self.warnings,
        }


def clip_seconds(spec: ModelSpec) -> float:
    """The default window of ``spec``'s classifier, seconds."""
    return CLIP_SECONDS.get(spec.family, DEFAULT_CLIP_SECONDS)


def check_inputs(
    spec: ModelSpec, video: Any, top_k: int, labels: list[str] | None, window_s: float | None, stride_s: float | None,
) -> None:
    check_classify_inputs(spec, video, top_k, labels)
    _check_seconds("window_s", window_s)
    _check_seconds("stride_s", stride_s)


def _check_seconds(name: str, value: float | None) -> None:
    low, high = WINDOW_RANGE
    if value is not None and not (isinstance(value, (int, float)) and low <= value <= high):
        raise InvalidInputError(f"{name} must be between {low:g} and {high:g} seconds, got {value!r}")


def longer_than_a_window(spec: ModelSpec, video: str | Path, window_s: float | None = None) -> bool:
    """Whether ``video`` lasts longer than one window, so that a timeline says more than one prediction."""
    _check_seconds("window_s", window_s)
    return probe(video).duration > (window_s or clip_seconds(spec)) + 1e-6


def plan_windows(
    duration: float, window: float, stride: float, max_windows: int = MAX_WINDOWS,
) -> tuple[list[float], float, float, list[str]]:
    """Window starts (seconds), the window, the stride, and a warning when the stride had to widen.

    Windows start every ``stride`` seconds while they fit; a last one ends at the end of the video if
    the others stop short of it. A video no longer than a window is one window, the whole video.
    """
    if duration <= window:
        return [0.0], duration, duration, []
    count = math.floor((duration - window) / stride + 1e-9) + 1
    starts = [k * stride for k in range(count)]
    if starts[-1] + window < duration - 1e-6:
        starts.append(duration - window)
    if len(starts) <= max_windows:
        return starts, window, stride, []
    wide = (duration - window) / (max_windows - 1)
    warning = (
        f"The video lasts {duration / 60:.0f} min: its {max_windows} windows of {window:g} s start every "
        f"{wide:.1f} s instead of every {stride:g} s, so the timeline samples the video rather than covering all of it."
    )
    return [k * wide for k in range(max_windows)], window, wide, [warning]


def run_timeline(
    models: ModelCache,
    spec: ModelSpec,
    video: str | Path,
    *,
    window_s: float | None = None,
    stride_s: float | None = None,
    top_k: int = 5,
    labels: str | list[str] | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> TimelineResult:
    """The actions of ``video`` window by window, its summary and spans (see the module docstring).

    ``cancel`` set stops the pass at the next frame with :class:`~videogen.errors.GenerationCancelled`.
    """
    # 1. Check the inputs.
    label_list = parse_labels(labels)  # None: a zero-shot model uses the 400 Kinetics actions
    check_inputs(spec, video, top_k, label_list, window_s, stride_s)
    top_k = int(top_k)  # 5.0 from JSON

    # 2. Download (first use only) and load (kept for the next request).
    started = time.perf_counter()
    classifier = models.classifier(spec, progress)
    loaded = time.perf_counter()

    # 3. Plan the windows over the whole video, and the frames each one needs.
    info = probe(video)
    window = window_s or clip_seconds(spec)
    starts, window, stride, warnings = plan_windows(info.duration, window, stride_s or window)
    n = classifier.num_frames
    targets = sorted(
        (min(start + (j + 0.5) * window / n, info.duration), w, j) for w, start in enumerate(starts) for j in range(n)
    )

    # 4. One pass through the file, in order, at the model's input size; classify the windows in
    #    batches as their last frame comes in.
    if progress:
        progress(Progress("timeline", 0, len(starts), "segment", f"Timeline: 0/{len(starts)} segments"))
    windows = _Windows(classifier, label_list, len(starts), progress)
    decoding = DecodeStats()
    frames = iter_frames_at(video, [t for t, _, _ in targets], short_side=classifier.input_size, stats=decoding)
    for i, frame, shown_at in frames:
        _check_cancel(cancel)
        _, w, j = targets[i]
        windows.add(w, j, frame, shown_at)
        if windows.ready() >= BATCH:
            windows.classify()
    _check_cancel(cancel)
    windows.classify()
    done = time.perf_counter()

    # 5. Summarise: per window, over the whole video, and runs of windows that share their top label.
    probs, names = windows.probabilities()
    segments = [
        {"start_s": round(start, 3), "end_s": round(start + window, 3), "top": _top(names, row, top_k)}
        for start, row in zip(starts, probs)
    ]
    mean = probs.mean(axis=0)
    summary_top = _top(names, mean, top_k)
    read_s = done - loaded - windows.classify_s
    return TimelineResult(
        video=str(video), model=spec.id, duration_s=round(info.duration, 3), window_s=round(window, 3),
        stride_s=round(stride, 3), segments=segments, spans=_spans(segments),
        summary={"label": summary_top[0]["label"], "score": summary_top[0]["score"], "top": summary_top},
        labels=names, probabilities=probs, frames=[windows.thumbnails[w] for w in range(len(starts))],
        frame_times=[windows.thumbnail_times[w] for w in range(len(starts))],
        timings={
            "load_s": round(loaded - started, 3), "decode_s": round(read_s, 3), "classify_s": round(windows.classify_s, 3),
            "per_window_ms": round(1000 * windows.classify_s / len(starts), 2), "total_s": round(done - started, 3),
        },
        stats={"windows": len(starts), "frames_decoded": decoding.decoded, "frames_converted": decoding.converted,
               "seeks": decoding.seeks, "frames_in_file": info.frame_count},
        warnings=warnings,
    )


class _Windows:
    """The windows' frames as they come in, their scores once classified, and their thumbnails."""

    def __init__(self, classifier: VideoClassifier, labels: list[str] | None, count: int, progress: ProgressFn | None) -> None:
        self.classifier, self.labels, self.count, self.progress = classifier, labels, count, progress
        n = classifier.num_frames
        self._pending: dict[int, list[np.ndarray | None]] = {}  # window -> its frames so far
        self._times: dict[int, list[float]] = {}  # window -> when its frames are shown
        self._ready: list[int] = []  # windows with all their frames, not yet classified
        self._keep = np.unique(np.linspace(0, n - 1, min(THUMBNAILS, n)).round().astype(int)).tolist()  # thumbnail slots
        self.scores: dict[int, dict[str, float]] = {}  # window -> {label: probability}
        self.thumbnails: dict[int, np.ndarray] = {}  # window -> (THUMBNAILS, h, w, 3)
        self.thumbnail_times: dict[int, list[float]] = {}
        self.classify_s = 0.0
        self.done = 0

    def add(self, window: int, slot: int, frame: np.ndarray, shown_at: float) -> None:
        slots = self._pending.setdefault(window, [None] * self.classifier.num_frames)
        slots[slot] = frame
        self._times.setdefault(window, [0.0] * len(slots))[slot] = shown_at
        if slot == len(slots) - 1:  # frames come in time order: the last slot completes the window
            self._ready.append(window)

    def ready(self) -> int:
        return len(self._ready)

    def classify(self) -> None:
        """Classify the windows whose frames are all in, in one batch; keep their thumbnails."""
        if not self._ready:
            return
        batch, self._ready = self._ready, []
        clips = [np.stack(self._pending.pop(w)) for w in batch]  # each (num_frames, H, W, 3)
        tick = time.perf_counter()
        ranked = self.classifier.classify_batch(clips, self.labels)
        self.classify_s += time.perf_counter() - tick
        for w, clip, scores in zip(batch, clips, ranked):
            self.scores[w] = dict(scores)
            self.thumbnails[w] = np.stack([_thumbnail(clip[j]) for j in self._keep])
            times = self._times.pop(w)
            self.thumbnail_times[w] = [round(times[j], 3) for j in self._keep]
        self.done += len(batch)
        if self.progress:
            self.progress(Progress("timeline", self.done, self.count, "segment", f"Timeline: {self.done}/{self.count} segments"))

    def probabilities(self) -> tuple[np.ndarray, list[str]]:
        """(windows, labels) scores; the labels as the first window ranked them."""
        names = list(self.scores[0])
        return np.array([[self.scores[w][name] for name in names] for w in range(self.count)], np.float32), names


def _thumbnail(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    scale = THUMBNAIL_SIDE / min(height, width)
    if scale >= 1.0:
        return frame
    import cv2  # only here: the rest of recognition needs no OpenCV

    return cv2.resize(frame, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)


def _top(names: list[str], scores: np.ndarray, k: int) -> list[dict[str, Any]]:
    order = np.argsort(-scores, kind="stable")[:k]
    return [{"label": names[i], "score": round(float(scores[i]), 6)} for i in order]


def _spans(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of consecutive windows with the same top label, each as one span."""
    spans: list[dict[str, Any]] = []
    for segment in segments:
        label = segment["top"][0]["label"]
        if spans and spans[-1]["label"] == label:
            spans[-1]["end_s"], spans[-1]["windows"] = segment["end_s"], spans[-1]["windows"] + 1
        else:
            spans.append({"start_s": segment["start_s"], "end_s": segment["end_s"], "label": label, "windows": 1})
    return spans


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise GenerationCancelled("Cancelled.")
