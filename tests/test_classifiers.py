"""Real recognition on any machine: X-CLIP as the default recognizer, Kinetics-400 labels, cached text features."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import XCLIPConfig, XCLIPModel

from tests.conftest import CLOSED_ENDPOINT
from tests.tiny_models import TINY_IMAGE_SIZE, XCLIP_NUM_FRAMES
from videogen import hub
from videogen.api import Engine
from videogen.models.classifiers import (
    KINETICS400_FILE,
    XCLIPClassifier,
    kinetics400_labels,
    load_classifier,
    xclip_logits,
    xclip_video_features,
)
from videogen.device import DeviceChoice
from videogen.errors import InvalidInputError
from videogen.models import default_model
from videogen.registry import find, models_for
from videogen.media import write_video

ROOT = Path(__file__).resolve().parents[1]
CPU = DeviceChoice("cpu", "float32")
LABELS = ["dancing", "cooking", "running", "playing guitar"]


@pytest.fixture(autouse=True)
def fresh_probe() -> None:
    hub.forget_reachability()  # each test asks its own Hub


@pytest.fixture(scope="module")
def tiny_xclip(tiny_model_dirs: dict[str, Path]) -> XCLIPClassifier:
    classifier = load_classifier(find("xclip-base-32", "classify"), tiny_model_dirs["xclip"], CPU)
    assert isinstance(classifier, XCLIPClassifier)
    return classifier


def frames(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (XCLIP_NUM_FRAMES, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3), dtype=np.uint8)


def text_model_calls(classifier: XCLIPClassifier) -> list[int]:
    """A list that grows by one each time the classifier's text encoder runs."""
    calls: list[int] = []
    classifier.model.text_model.register_forward_hook(lambda module, args, output: calls.append(1))
    return calls


def clip_file(tmp_path: Path) -> Path:
    return write_video(frames(), tmp_path / "clip.mp4", fps=8)


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "videogen", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


# ---- the labels ---------------------------------------------------------------------------------


def test_kinetics400_labels_are_packaged_in_index_order() -> None:
    labels = kinetics400_labels()
    assert len(labels) == len(set(labels)) == 400
    assert (labels[0], labels[99], labels[399]) == ("abseiling", "dribbling basketball", "zumba")
    assert KINETICS400_FILE.is_relative_to(ROOT / "videogen"), "shipped inside the package"


# ---- cached text features -----------------------------------------------------------------------


def test_cached_text_features_give_the_models_own_logits(tiny_xclip: XCLIPClassifier) -> None:
    model, processor = tiny_xclip.model, tiny_xclip.processor
    video = frames()
    with torch.inference_mode():
        inputs = processor(text=LABELS, videos=[list(video)], return_tensors="pt", padding=True)
        expected = model(**inputs).logits_per_video  # (1, K): the library's own forward
        text = tiny_xclip.text_features(tuple(LABELS))
        video_embeds, visual = xclip_video_features(model, inputs["pixel_values"])
        ours = xclip_logits(model, text, video_embeds, visual)
    assert ours.shape == expected.shape == (1, len(LABELS))
    assert torch.allclose(ours, expected, atol=1e-5), (ours, expected)

    ranked = dict(tiny_xclip.classify(video, LABELS))
    probs = torch.softmax(expected[0], dim=-1)
    assert [ranked[label] for label in LABELS] == pytest.approx(probs.tolist(), abs=1e-5)


def test_text_encoder_runs_once_per_label_set(tiny_model_dirs: dict[str, Path]) -> None:
    classifier = load_classifier(find("xclip-base-32", "classify"), tiny_model_dirs["xclip"], CPU)
    calls = text_model_calls(classifier)
    first = classifier.classify(frames(1), LABELS)
    again = classifier.classify(frames(2), LABELS)  # another video, same labels: no text encoder
    assert len(calls) == 1
    assert {name for name, _ in first} == {name for name, _ in again} == set(LABELS)
    assert first != again, "the video side still runs for each video"

    classifier.classify(frames(1), ["walking", "jumping"])  # other labels: computed once more
    assert len(calls) == 2
    kinetics = classifier.classify(frames(1), None)
    classifier.classify(frames(2), None)
    assert len(calls) == 3 and len(kinetics) == 400

    for n in range(classifier.cache_size):  # push LABELS out of the small cache
        classifier.classify(frames(1), [f"label {n}", "other"])
    classifier.classify(frames(1), LABELS)
    assert len(calls) == 3 + classifier.cache_size + 1


def test_without_labels_it_ranks_the_400_kinetics_actions(tiny_xclip: XCLIPClassifier) -> None:
    ranked = tiny_xclip.classify(frames(), None)
    assert sorted(name for name, _ in ranked) == sorted(kinetics400_labels())
    assert sum(p for _, p in ranked) == pytest.approx(1.0, abs=1e-4)
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)


# ---- labels in the pipeline ---------------------------------------------------------------------


def test_labels_are_optional_for_xclip_and_refused_by_closed_set_models(hub_env, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    clip = clip_file(tmp_path)
    result = engine.classify(clip, model="xclip-base-32", top_k=5)
    assert len(result.predictions) == 5 and {p["label"] for p in result.predictions} <= set(kinetics400_labels())
    own = engine.classify(clip, model="xclip-base-32", labels="dancing, cooking")
    assert {p["label"] for p in own.predictions} == {"dancing", "cooking"}
    with pytest.raises(InvalidInputError, match="at least two"):
        engine.classify(clip, model="xclip-base-32", labels="dancing")
    for closed_set in ("shapes-action", "tiny/videomae"):
        with pytest.raises(InvalidInputError, match="takes no labels.*X-CLIP"):
            engine.classify(clip, model=closed_set, labels="dancing, cooking")


# ---- the default recognizer ---------------------------------------------------------------------


def test_hub_unreachable_and_nothing_cached_gives_shapes_action_at_once() -> None:
    start = time.perf_counter()
    assert os.environ["HF_ENDPOINT"] == CLOSED_ENDPOINT
    assert default_model("classify", cuda=False).id == "shapes-action"
    assert default_model("classify", cuda=True).id == "shapes-action"
    assert not hub.hub_reachable()
    assert time.perf_counter() - start < 3, "a closed port is refused at once"


def test_hub_reachable_gives_xclip_for_the_device(hub_env) -> None:
    assert default_model("classify", cuda=False).id == "xclip-base-32"
    assert default_model("classify", cuda=True).id == "xclip-base-16"
    assert Engine(device="cpu").resolve(None, "classify").id == "xclip-base-32"
    probes = [(r.method, r.path) for r in hub_env.requests]
    assert probes == [("HEAD", "/")], "one probe, remembered; nothing downloaded"


def test_offline_never_probes(hub_env, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert default_model("classify", cuda=False, offline=True).id == "shapes-action"
    assert not hub.hub_reachable()
    assert hub_env.requests == []


def test_a_downloaded_xclip_is_the_default_without_the_hub(hub_env, monkeypatch) -> None:
    Engine(device="cpu").download("xclip-base-32", task="classify")
    monkeypatch.setenv("HF_ENDPOINT", CLOSED_ENDPOINT)
    assert default_model("classify", cuda=False).id == "xclip-base-32"
    assert default_model("classify", cuda=True).id == "xclip-base-32", "base/16 not downloaded: the one that is"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert default_model("classify", cuda=False, offline=True).id == "xclip-base-32"


def test_registry_lists_both_xclips_and_videomae_non_commercial() -> None:
    specs = {m.id: m for m in models_for("classify")}
    for model_id, patch in (("xclip-base-32", 32), ("xclip-base-16", 16)):
        repo = f"microsoft/xclip-base-patch{patch}"
        spec = specs[model_id]
        assert (spec.repo_id, spec.family, spec.license, spec.defaults.frames) == (repo, "xclip", "mit", 8)
        assert not spec.non_commercial and "Kinetics-400" in spec.description
        with torch.device("meta"):  # the published configs are the library defaults but for the patch size
            model = XCLIPModel(XCLIPConfig(vision_config={"patch_size": patch}))
        assert round(sum(p.numel() for p in model.parameters()) * 4 / 1e9, 2) == spec.download_gb, "fp32 safetensors"
    assert specs["videomae-base-k400"].non_commercial


def test_ui_labels_box_is_blank_with_the_kinetics_placeholder() -> None:
    import gradio as gr

    from videogen.ui.action_recognition import build_tab
    from videogen.ui.i18n import english

    with gr.Blocks() as demo:
        build_tab(lambda *a, **named: None, lambda m, t: m, [("X-CLIP", "xclip-base-32")], "xclip-base-32", [])
    props = [english(c["props"]) for c in demo.get_config_file()["components"]]  # labels are translation markers
    [box] = [p for p in props if str(p.get("label", "")).startswith("Labels")]
    assert box["value"] == "" and "400 Kinetics" in box["placeholder"] and box["visible"] is not False


# ---- the command line, end to end ---------------------------------------------------------------


def test_classify_without_model_uses_xclip_when_the_hub_answers(hub_env, tmp_path: Path) -> None:
    clip = str(clip_file(tmp_path))
    done = run_cli("classify", clip, "--json", HF_HUB_OFFLINE="1")  # offline, nothing cached
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["model"] == "shapes-action"
    assert hub_env.requests == []

    done = run_cli("classify", clip, "--json")  # the Hub answers: download X-CLIP base/32 (CPU)
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert result["model"] == "xclip-base-32"
    assert len(result["predictions"]) == 5 and {p["label"] for p in result["predictions"]} <= set(kinetics400_labels())
    assert any(r.path.startswith("/microsoft/xclip-base-patch32/resolve/") for r in hub_env.requests)


def test_classify_without_model_and_no_hub_uses_shapes_action(tmp_path: Path) -> None:
    done = run_cli("classify", str(clip_file(tmp_path)), "--json")  # HF_ENDPOINT: a closed port
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["model"] == "shapes-action"
