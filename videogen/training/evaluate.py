"""``python -m videogen eval``: how well the embedded shapes-world models do their jobs.

Three measurements, on data drawn with a seed different from training's:

1. **Classifier**: top-1 of each embedded action classifier on a held-out rendered set
   (``clips_per_class`` clips per motion, 64-128 px, 16-24 frames, randomised sizes, positions,
   speeds and backgrounds), each clip encoded to H.264 and read back as the CLI would.
2. **Text to video**: for each embedded T2V model, prompts in English and Chinese (half each) from
   random scenes; a clip counts as right when its motion *and* colour are right, judged two ways:
   by the pixel judge (:mod:`videogen.shapes.judge`) and by the classifier (motion) + judge (colour).
3. **Image to video**: for each embedded I2V model, first frames of random scenes (64-128 px) plus
   a motion prompt; motion judged as above, and the PSNR of the clip's first frame (after H.264)
   against the input image resized to the output size.

The table goes to stdout and everything to a JSON file.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videogen.registry import MODELS, ModelSpec

logger = logging.getLogger(__name__)


@dataclass
class EvalConfig:
    clips_per_class: int = 100
    prompts: int = 60
    images: int = 60
    seed: int = 20261121  # differs from every training seed
    device: str = "cpu"


@dataclass
class EvalReport:
    config: dict[str, Any]
    classifiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    text_to_video: dict[str, dict[str, Any]] = field(default_factory=dict)
    image_to_video: dict[str, dict[str, Any]] = field(default_factory=dict)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between two uint8 images of the same shape."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _roundtrip(frames: np.ndarray, folder: Path, name: str, num_frames: int) -> np.ndarray:
    """Encode as H.264 and sample ``num_frames`` back, as a user's upload would be."""
    from videogen.media import read_frames, write_video

    path = write_video(frames, folder / f"{name}.mp4", fps=8)
    return read_frames(path, num_frames).frames


def _embedded(task: str) -> list[ModelSpec]:
    return [m for m in MODELS if m.task == task and m.local and Path(m.repo_id).is_dir()]


def evaluate_classifiers(engine: Any, cfg: EvalConfig, work: Path) -> dict[str, dict[str, Any]]:
    from videogen.shapes import MOTIONS, random_spec, render_clip, sample_params
    from videogen.shapes.prompt import SceneSpec

    results = {}
    for spec in _embedded("classify"):
        classifier = engine.models.classifier(spec)
        rng = np.random.default_rng(cfg.seed)
        per_class: dict[str, list[bool]] = {m: [] for m in MOTIONS}
        start = time.perf_counter()
        for motion in MOTIONS:
            for i in range(cfg.clips_per_class):
                scene = random_spec(rng)
                scene = SceneSpec(scene.shape, scene.color, scene.background, motion, scene.size, scene.speed)
                size = int(rng.integers(32, 65)) * 2
                params = sample_params(scene, rng, num_frames=int(rng.integers(16, 25)), height=size, width=size)
                frames = _roundtrip(render_clip(params), work, f"cls-{i}", classifier.num_frames)
                per_class[motion].append(classifier.classify(frames, None)[0][0] == motion)
        total = sum(len(v) for v in per_class.values())
        results[spec.id] = {
            "top1": sum(sum(v) for v in per_class.values()) / total,
            "per_class": {m: sum(v) / len(v) for m, v in per_class.items()},
            "clips": total,
            "seconds": round(time.perf_counter() - start, 1),
        }
    return results


def _judge(frames: np.ndarray) -> tuple[str, str]:
    from videogen.shapes import analyse_clip, judge_color, judge_motion

    analysis = analyse_clip(frames)
    return judge_motion(analysis), judge_color(analysis)


def evaluate_text_to_video(engine: Any, cfg: EvalConfig, work: Path, classifier: Any | None) -> dict[str, dict[str, Any]]:
    from videogen.shapes import describe, random_spec
    from videogen.media import read_frames

    results = {}
    for spec in _embedded("t2v"):
        rng = np.random.default_rng(cfg.seed + 1)
        judge_ok, classifier_ok, times = [], [], []
        for i in range(cfg.prompts):
            scene = random_spec(rng)
            prompt = describe(scene, "zh" if i % 2 else "en")
            result = engine.text_to_video(prompt, model=spec.id, seed=i, output=work / f"t2v-{i}.mp4")
            times.append(result.timings["generate_s"])
            frames = read_frames(result.path, 16).frames
            motion, color = _judge(frames)
            judge_ok.append(motion == scene.motion and color == scene.color)
            if classifier is not None:
                predicted = classifier.classify(frames, None)[0][0]
                classifier_ok.append(predicted == scene.motion and color == scene.color)
        results[spec.id] = {
            "prompts": cfg.prompts,
            "judge_accuracy": sum(judge_ok) / len(judge_ok),
            "classifier_accuracy": sum(classifier_ok) / len(classifier_ok) if classifier_ok else None,
            "median_generate_s": statistics.median(times),
            "reference": spec.reference,
        }
    return results


def evaluate_image_to_video(engine: Any, cfg: EvalConfig, work: Path, classifier: Any | None) -> dict[str, dict[str, Any]]:
    from PIL import Image

    from videogen.shapes import describe, random_spec, render_clip, sample_params
    from videogen.media import read_frames

    results = {}
    for spec in _embedded("i2v"):
        rng = np.random.default_rng(cfg.seed + 2)
        judge_ok, classifier_ok, psnrs, times = [], [], [], []
        for i in range(cfg.images):
            scene = random_spec(rng)
            size = int(rng.integers(32, 65)) * 2  # 64-128 px input images
            first = render_clip(sample_params(scene, rng, height=size, width=size))[0]
            prompt = describe(scene, "zh" if i % 2 else "en")
            result = engine.image_to_video(first, prompt, model=spec.id, seed=i, output=work / f"i2v-{i}.mp4")
            times.append(result.timings["generate_s"])
            frames = read_frames(result.path, result.frames).frames
            target = np.asarray(Image.fromarray(first).resize((result.width, result.height), Image.BICUBIC))
            psnrs.append(psnr(frames[0], target))
            motion, _color = _judge(frames)
            judge_ok.append(motion == scene.motion)
            if classifier is not None:
                classifier_ok.append(classifier.classify(frames, None)[0][0] == scene.motion)
        results[spec.id] = {
            "images": cfg.images,
            "judge_accuracy": sum(judge_ok) / len(judge_ok),
            "classifier_accuracy": sum(classifier_ok) / len(classifier_ok) if classifier_ok else None,
            "median_first_frame_psnr_db": statistics.median(psnrs),
            "median_generate_s": statistics.median(times),
        }
    return results


def run_eval(cfg: EvalConfig) -> EvalReport:
    from videogen.api import Engine

    engine = Engine(device=cfg.device)
    report = EvalReport(config=vars(cfg).copy())
    with tempfile.TemporaryDirectory(prefix="videogen-eval-") as tmp:
        work = Path(tmp)
        report.classifiers = evaluate_classifiers(engine, cfg, work)
        classifiers = _embedded("classify")
        classifier = engine.models.classifier(classifiers[0]) if classifiers else None
        report.text_to_video = evaluate_text_to_video(engine, cfg, work, classifier)
        report.image_to_video = evaluate_image_to_video(engine, cfg, work, classifier)
    return report


def format_table(report: EvalReport) -> str:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    lines = ["model                    task       metric                           value"]
    for model, r in report.classifiers.items():
        lines.append(f"{model:24} classify   top-1 on {r['clips']} held-out H.264 clips   {pct(r['top1'])}")
        for motion, acc in r["per_class"].items():
            lines.append(f"{'':24} {'':10}   {motion:30} {pct(acc)}")
    for model, r in report.text_to_video.items():
        tag = " (reference)" if r["reference"] else ""
        lines.append(f"{model + tag:24} t2v        motion+colour, pixel judge       {pct(r['judge_accuracy'])}")
        lines.append(f"{'':24} {'':10} motion (classifier)+colour       {pct(r['classifier_accuracy'])}")
        lines.append(f"{'':24} {'':10} median generate_s                {r['median_generate_s']:.3f}")
    for model, r in report.image_to_video.items():
        lines.append(f"{model:24} i2v        motion, pixel judge              {pct(r['judge_accuracy'])}")
        lines.append(f"{'':24} {'':10} motion, classifier               {pct(r['classifier_accuracy'])}")
        lines.append(f"{'':24} {'':10} median first-frame PSNR (dB)     {r['median_first_frame_psnr_db']:.1f}")
        lines.append(f"{'':24} {'':10} median generate_s                {r['median_generate_s']:.3f}")
    if not report.image_to_video:
        lines.append("(no embedded image-to-video model in weights/ yet)")
    return "\n".join(lines)
