"""Action recognition over time: a 3-minute video gets a per-segment timeline, read in one pass."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import gradio as gr
import numpy as np
import pytest

from tests.tiny_models import TINY_IMAGE_SIZE, VIDEOMAE_NUM_FRAMES, XCLIP_NUM_FRAMES
from videogen.api import Engine
from videogen.models.classifiers import load_classifier
from videogen.device import DeviceChoice
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.hub import Progress
from videogen.recognize.timeline import MAX_WINDOWS, plan_windows
from videogen.registry import find
from videogen.shapes import SceneSpec, render_clip, sample_params
from videogen.ui.action_recognition import plot_frame, select_segment, show_segment
from videogen.ui.handlers import Handlers
from videogen.media import DecodeStats, iter_frames_at, read_frames, write_video

FPS = 8
CLIP = 16  # frames: one shapes-action window (2 s at 8 fps)
MINUTES = ("moving right", "rotating clockwise", "growing")  # what each minute of the long video shows
CPU = DeviceChoice("cpu", "float32")


def _long_frames() -> np.ndarray:
    """3 minutes at 8 fps, 64x64: 2-s clips of a shape moving right, then one square rotating for a
    whole minute, then 2-s clips of a shape growing (shapes and sizes vary)."""
    rng = np.random.default_rng(11)
    shapes = ("circle", "square", "triangle")
    minute = 60 * FPS
    parts = [render_clip(sample_params(SceneSpec(shapes[k % 3], "red", "black", "moving right"), rng, num_frames=CLIP))
             for k in range(minute // CLIP)]
    parts.append(render_clip(sample_params(SceneSpec("square", "yellow", "black", "rotating clockwise"), rng,
                                           num_frames=minute)))
    parts += [render_clip(sample_params(SceneSpec(shapes[k % 3], "green", "black", "growing"), rng, num_frames=CLIP))
              for k in range(minute // CLIP)]
    return np.concatenate(parts)


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames = _long_frames()
    assert len(frames) == 180 * FPS
    return write_video(frames, tmp_path_factory.mktemp("timeline") / "three-minutes.mp4", fps=FPS)


@pytest.fixture(scope="module")
def short_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = render_clip(sample_params(SceneSpec("circle", "blue", "black", "moving up"), None, num_frames=CLIP, randomize=False))
    return write_video(clip, tmp_path_factory.mktemp("timeline") / "two-seconds.mp4", fps=FPS)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(device="cpu")


def test_a_three_minute_video_gets_a_timeline_per_segment(engine: Engine, long_video: Path) -> None:
    reports: list[Progress] = []
    timeline = engine.timeline(long_video, model="shapes-action", top_k=3, progress=reports.append)

    # windows of 2 s side by side, in order, covering 0-180 s without gaps
    assert (timeline.window_s, timeline.stride_s, timeline.duration_s) == (2.0, 2.0, 180.0)
    segments = timeline.segments
    assert len(segments) == 90 and segments[0]["start_s"] == 0.0 and segments[-1]["end_s"] == 180.0
    assert all(a["end_s"] == b["start_s"] for a, b in zip(segments, segments[1:]))
    assert all(len(s["top"]) == 3 and s["top"][0]["score"] >= s["top"][1]["score"] for s in segments)

    # the action each minute shows is the one rendered there
    for minute, motion in enumerate(MINUTES):
        tops = Counter(s["top"][0]["label"] for s in segments if minute * 60 <= s["start_s"] < (minute + 1) * 60)
        assert tops.most_common(1)[0][0] == motion and tops[motion] >= 27, (minute, tops)
    assert [span["label"] for span in timeline.spans if span["windows"] >= 5] == list(MINUTES)
    assert sum(span["windows"] for span in timeline.spans) == 90

    # summary: mean probability over the windows, about a third each
    assert timeline.summary["label"] in MINUTES and len(timeline.summary["top"]) == 3
    assert {p["label"] for p in timeline.summary["top"]} == set(MINUTES)

    # the file was decoded once, in order: no frame twice, only the needed frames converted, no seek
    stats = timeline.stats
    assert stats["frames_in_file"] == 1440 and stats["frames_decoded"] <= 1440 and stats["seeks"] == 0
    assert stats["frames_converted"] <= 90 * CLIP
    # and only small frames are kept: 8 per segment, at most the model's input size
    assert len(timeline.frames) == 90 and timeline.frames[0].shape == (8, 48, 48, 3)
    assert timeline.frame_times[1][0] == 2.0 and timeline.frame_times[1] == sorted(timeline.frame_times[1])

    assert reports[-1].stage == "timeline" and (reports[-1].done, reports[-1].total) == (90, 90)
    assert {"load_s", "decode_s", "classify_s", "per_window_ms", "total_s"} <= set(timeline.timings)
    assert json.loads(json.dumps(timeline.to_json()))["segments"] == segments


def test_cancel_stops_the_timeline_between_windows(engine: Engine, long_video: Path) -> None:
    cancel = threading.Event()
    reports: list[Progress] = []

    def report(progress: Progress) -> None:
        reports.append(progress)
        if progress.stage == "timeline" and progress.done >= 16:
            cancel.set()  # pressed after two batches of windows

    with pytest.raises(GenerationCancelled):
        engine.timeline(long_video, model="shapes-action", progress=report, cancel=cancel)
    assert max(r.done for r in reports if r.stage == "timeline") < 90


def test_windows_cover_the_end_and_are_capped_for_very_long_videos() -> None:
    starts, window, stride, warnings = plan_windows(181.3, 2.0, 2.0)
    assert len(starts) == 91 and starts[-1] == pytest.approx(179.3) and warnings == []  # a last window ends at the end
    starts, window, stride, warnings = plan_windows(2 * 3600, 2.0, 2.0)
    assert len(starts) == MAX_WINDOWS and starts[-1] + window == pytest.approx(7200) and stride > 2.0
    assert "samples the video" in warnings[0]
    assert plan_windows(1.5, 2.0, 2.0) == ([0.0], 1.5, 1.5, [])  # a short clip is one window, the whole clip
    starts, *_ = plan_windows(10.0, 4.0, 2.0)  # overlapping windows
    assert starts == [0.0, 2.0, 4.0, 6.0]


def test_far_apart_targets_are_reached_by_seeking(long_video: Path) -> None:
    """Reading a few moments of a long video seeks past the rest instead of decoding the whole file."""
    stats = DecodeStats()
    targets = [0.1, 0.2, 30.0, 90.0, 150.0, 179.9]
    got = list(iter_frames_at(long_video, targets, short_side=32, stats=stats))
    assert [i for i, _, _ in got] == list(range(len(targets)))
    assert [t for _, _, t in got] == pytest.approx([0.0, 0.125, 30.0, 90.0, 150.0, 179.875])
    assert all(frame.shape == (32, 32, 3) for _, frame, _ in got)
    assert stats.seeks >= 2 and stats.decoded < 1440 // 2


def test_the_pass_gives_the_frames_read_frames_gives(short_video: Path) -> None:
    """Same frame for the same time, same pixels at full size: the timeline sees what classify sees."""
    sampled = read_frames(short_video, 5)
    got = list(iter_frames_at(short_video, [t + 0.01 for t in sampled.times]))
    assert [t for _, _, t in got] == sampled.times
    assert np.array_equal(np.stack([frame for _, frame, _ in got]), sampled.frames)


def test_bad_windows_are_refused(engine: Engine, long_video: Path) -> None:
    with pytest.raises(InvalidInputError, match="window_s must be between .* got -1"):
        engine.timeline(long_video, model="shapes-action", window_s=-1)
    with pytest.raises(InvalidInputError, match="stride_s"):
        engine.classify(long_video, model="shapes-action", timeline=True, stride_s=0)


@pytest.mark.parametrize("name, frames", [("xclip", XCLIP_NUM_FRAMES), ("videomae", VIDEOMAE_NUM_FRAMES)])
def test_batched_classification_gives_each_clips_own_scores(tiny_model_dirs: dict[str, Path], name: str, frames: int) -> None:
    spec = find("xclip-base-32" if name == "xclip" else "videomae-base-k400", "classify")
    classifier = load_classifier(spec, tiny_model_dirs[name], CPU)
    assert classifier.input_size == TINY_IMAGE_SIZE
    rng = np.random.default_rng(3)
    clips = [rng.integers(0, 256, (frames, 40, 48, 3), dtype=np.uint8) for _ in range(3)]
    labels = ["jumping", "walking", "sailing"] if name == "xclip" else None
    batched = classifier.classify_batch(clips, labels)
    for clip, scores in zip(clips, batched):
        alone = dict(classifier.classify(clip, labels))
        assert [label for label, _ in scores][:3] == [label for label, _ in classifier.classify(clip, labels)][:3]
        assert all(score == pytest.approx(alone[label], abs=1e-5) for label, score in scores)


def test_tiny_xclip_timeline_ranks_the_labels_given(engine: Engine, tiny_model_dirs: dict[str, Path], tmp_path: Path) -> None:
    video = write_video(np.random.default_rng(0).integers(0, 256, (96, 32, 32, 3), dtype=np.uint8), tmp_path / "x.mp4", fps=8)
    timeline = engine.timeline(video, model=str(tiny_model_dirs["xclip"]), labels="jumping, walking", top_k=2)
    assert (timeline.window_s, len(timeline.segments)) == (4.0, 3)  # X-CLIP's windows: 4 s
    assert all({p["label"] for p in s["top"]} == {"jumping", "walking"} for s in timeline.segments)


def test_cli_timeline_json(long_video: Path, short_video: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from videogen.cli import main

    assert main(["classify", str(long_video), str(short_video), "--model", "shapes-action", "--timeline", "--json"]) == 0
    long_item, short_item = json.loads(capsys.readouterr().out)
    assert long_item["predictions"] and long_item["timeline"]["window_s"] == 2.0
    assert len(long_item["timeline"]["segments"]) == 90 and long_item["timeline"]["summary"]["label"] in MINUTES
    assert [s["label"] for s in long_item["timeline"]["spans"] if s["windows"] >= 5] == list(MINUTES)
    assert short_item["timeline"] is None, "a clip no longer than one window keeps the single prediction"

    assert main(["classify", str(long_video), "--model", "shapes-action", "--timeline", "--window", "4", "--stride", "4"]) == 0
    out = capsys.readouterr().out
    assert "timeline: 45 windows of 4 s every 4 s" in out and "1:00.0-2:00.0  rotating clockwise" in out


def test_the_tab_shows_the_timeline_and_scrubs_its_segments(long_video: Path, short_video: Path) -> None:
    handlers = Handlers(device="cpu")
    *running, done = handlers.classify(str(long_video), "shapes-action", "", "windows", request=gr.Request(), progress=gr.Progress())
    assert any("Timeline: " in outputs[2] for outputs in running), "segments counted in the status line"
    scores, strip, status, summary, plot, slider, frames, segment_scores, state = done
    assert len(scores) == 5 and set(MINUTES) <= set(scores) and len(strip) == 16
    assert "90 segments" in status and summary["visible"] and "rotating clockwise" in summary["value"]
    assert plot["visible"] and set(plot["value"]["label"]) >= set(MINUTES) and plot["x_lim"] == [0, 180.0]
    assert (slider["maximum"], slider["value"]) == (90, 1) and len(state.segments) == 90
    assert len(frames["value"]) == 8 and segment_scores["visible"]

    chosen = select_segment(state, gr.SelectData(None, {"index": [100.0, 104.0], "value": None}))
    assert chosen == 51  # the window 100-102 s, whose centre is nearest 102 s
    segment_frames, top = show_segment(chosen, state)
    assert [caption for _, caption in segment_frames][0] == "1:40.0" and "Segment 51" in top["label"]
    assert next(iter(top["value"])) == "rotating clockwise"
    assert len(plot_frame(state)) <= 6 * 90

    *_, done = handlers.classify(str(short_video), "shapes-action", "", request=gr.Request(), progress=gr.Progress())
    assert "moving up" in done[0] and all(o["visible"] is False for o in done[3:8]) and done[8] is None
