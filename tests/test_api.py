"""The Python API end to end: every family from the stand-in Hub, lazily, into the standard cache."""

from __future__ import annotations

import gc
import time
import weakref
from pathlib import Path

import av
import numpy as np
import pytest

from videogen import hub as hubmod
from videogen.api import Engine, list_models
from videogen.models.classifiers import kinetics400_labels
from videogen.errors import (
    DownloadError,
    GatedModelError,
    GenerationCancelled,
    HubUnreachableError,
    InvalidInputError,
    ModelNotFoundError,
    UnsupportedModelError,
)
from videogen.generate.common import GenerationRequest
from videogen.media import read_frames, read_metadata

TINY = dict(steps=2, height=32, width=32, seed=7, fps=8)


def check_video(path: str, frames: int, height: int, width: int, fps: float) -> None:
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.height, stream.codec_context.width) == (height, width)
        assert float(stream.average_rate) == pytest.approx(fps)
        assert sum(1 for _ in container.decode(stream)) == frames


def fetched_files(hub, repo: str) -> set[str]:
    prefix = f"/{repo}/resolve/"
    return {r.path.split("/resolve/", 1)[1].split("/", 1)[1] for r in hub.requests if r.method == "GET" and r.path.startswith(prefix)}


@pytest.mark.parametrize("repo,frames", [("tiny/wan", 5), ("tiny/ltx", 9), ("tiny/wan22", 5)])
def test_text_to_video_each_family(hub_env, repo: str, frames: int, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    assert hub_env.requests == [], "nothing is requested before first use"
    result = engine.text_to_video("a red ball", model=repo, frames=frames, output=tmp_path / "clip.mp4", **TINY)
    check_video(result.path, frames, 32, 32, 8)
    meta = read_metadata(result.path)
    assert meta["model"] == repo and meta["prompt"] == "a red ball" and meta["seed"] == 7 and meta["steps"] == 2
    assert set(result.timings) == {"load_s", "generate_s", "encode_s"}
    # Only what the pipeline loads: no decoys, no second precision, no pickle.
    fetched = fetched_files(hub_env, repo)
    assert "model_index.json" in fetched and "transformer/diffusion_pytorch_model.safetensors" in fetched
    assert not fetched & {"README.md", "single-file-checkpoint.safetensors", "transformer/diffusion_pytorch_model.bin",
                          "transformer/diffusion_pytorch_model.fp16.safetensors"}
    # The files are in the standard cache (HF_HOME), not the repository.
    assert hubmod.cached_snapshot(repo) is not None
    assert str(hubmod.cached_snapshot(repo)).startswith(str(Path(hubmod.cache_dir())))


def test_same_seed_same_clip_and_model_stays_loaded(hub_env, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    first = engine.text_to_video("waves", model="tiny/wan", frames=5, output=tmp_path / "a.mp4", **TINY)
    hub_env.clear_log()
    second = engine.text_to_video("waves", model="tiny/wan", frames=5, output=tmp_path / "b.mp4", **TINY)
    assert hub_env.requests == [], "a loaded model is reused without asking the Hub"
    assert second.timings["load_s"] < 0.5
    a, b = read_frames(first.path, 5).frames, read_frames(second.path, 5).frames
    assert np.array_equal(a, b)


@pytest.mark.parametrize("repo,frames", [("tiny/ltx", 9), ("tiny/wan22", 5)])
def test_image_to_video_each_family(hub_env, repo: str, frames: int, tmp_path: Path) -> None:
    image = np.zeros((48, 64, 3), np.uint8)
    image[:, :32] = (255, 0, 0)
    result = Engine(device="cpu").image_to_video(image, "it moves", model=repo, frames=frames, output=tmp_path / "i.mp4", **TINY)
    check_video(result.path, frames, 32, 32, 8)


def test_settings_as_one_request_object(hub_env, tmp_path: Path) -> None:
    """A GenerationRequest goes down as is; the result gives back every setting, defaults filled in."""
    request = GenerationRequest("a red ball", model="tiny/wan", frames=5, **TINY)
    result = Engine(device="cpu").text_to_video(request, output=tmp_path / "a.mp4")
    assert result.settings() == GenerationRequest(
        "a red ball", model="tiny/wan", negative_prompt="", frames=5, height=32, width=32, steps=2,
        guidance=5.0, seed=7, fps=8.0)  # guidance: the Wan default
    with pytest.raises(TypeError, match="frame"):
        Engine(device="cpu").text_to_video("a red ball", model="tiny/wan", frame=5)


def test_switching_generators_frees_the_previous_one(hub_env, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    engine.text_to_video("a", model="tiny/wan", frames=5, output=tmp_path / "a.mp4", **TINY)
    first = weakref.ref(engine.models._generator.pipe)
    engine.text_to_video("b", model="tiny/ltx", frames=9, output=tmp_path / "b.mp4", **TINY)
    gc.collect()
    assert first() is None, "the first pipeline was released"
    assert engine.models.loaded_generator.repo_id == "tiny/ltx"


def test_t2v_then_i2v_of_one_family_shares_the_weights(hub_env, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    engine.text_to_video("a", model="tiny/ltx", frames=9, output=tmp_path / "a.mp4", **TINY)
    transformer = engine.models._generator.pipe.transformer
    hub_env.clear_log()
    engine.image_to_video(np.zeros((32, 32, 3), np.uint8), "b", model="tiny/ltx", frames=9, output=tmp_path / "b.mp4", **TINY)
    assert type(engine.models._generator.pipe).__name__ == "LTXImageToVideoPipeline"
    assert engine.models._generator.pipe.transformer is transformer
    assert hub_env.requests == []


def test_classify_videomae_and_xclip(hub_env, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    clip = engine.text_to_video("x", model="tiny/wan", frames=9, output=tmp_path / "in.mp4", **TINY).path
    result = engine.classify(clip, model="tiny/videomae", top_k=5)
    scores = [p["score"] for p in result.predictions]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    zero_shot = engine.classify(clip, model="tiny/xclip", labels="dancing, cooking, running")
    assert sorted(p["label"] for p in zero_shot.predictions) == ["cooking", "dancing", "running"]
    assert sum(p["score"] for p in zero_shot.predictions) == pytest.approx(1.0, abs=1e-4)
    kinetics = engine.classify(clip, model="tiny/xclip", top_k=3)  # no labels: the 400 Kinetics actions
    assert len(kinetics.predictions) == 3 and {p["label"] for p in kinetics.predictions} <= set(kinetics400_labels())
    with pytest.raises(InvalidInputError, match="labels"):
        engine.classify(clip, model="tiny/xclip", labels="dancing")
    for repo in ("tiny/videomae", "tiny/xclip"):  # transformers repos: the model's weights, not the root's others
        fetched = fetched_files(hub_env, repo)
        assert "model.safetensors" in fetched and not fetched & {"README.md", "single-file-checkpoint.safetensors"}, fetched


def test_connection_cut_mid_file_recovers(hub_env, tmp_path: Path) -> None:
    hub_env.cut_connection("transformer/diffusion_pytorch_model.safetensors", times=1)
    result = Engine(device="cpu").text_to_video("a", model="tiny/wan", frames=5, output=tmp_path / "a.mp4", **TINY)
    assert Path(result.path).exists()
    gets = [r for r in hub_env.requests if r.method == "GET" and r.path.endswith("transformer/diffusion_pytorch_model.safetensors")]
    assert len(gets) == 2


def test_connection_always_cut_fails_cleanly(hub_env, tmp_path: Path) -> None:
    hub_env.cut_connection("transformer/diffusion_pytorch_model.safetensors", times=1000)
    with pytest.raises((DownloadError, HubUnreachableError), match="tiny/wan"):
        Engine(device="cpu").text_to_video("a", model="tiny/wan", frames=5, output=tmp_path / "a.mp4", **TINY)
    assert hubmod.cached_snapshot("tiny/wan") is None
    assert not list(Path(hubmod.cache_dir()).rglob("*.incomplete")), "no partial file is left behind"


def test_download_reports_byte_progress(hub_env) -> None:
    reports = []
    Engine(device="cpu").download("tiny/videomae", task="classify", progress=reports.append)
    downloads = [r for r in reports if r.stage == "download"]
    assert downloads[-1].done == downloads[-1].total > 0
    assert len({r.done for r in downloads}) >= 2


def test_offline_uses_the_cache_without_requests(hub_env, monkeypatch, tmp_path: Path) -> None:
    Engine(device="cpu").download("tiny/videomae", task="classify")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    hub_env.clear_log()
    clip = tmp_path / "c.mp4"
    from videogen.media import write_video

    write_video(np.zeros((8, 32, 32, 3), np.uint8), clip, fps=8)
    assert Engine(device="cpu").classify(clip, model="tiny/videomae").predictions
    assert hub_env.requests == []


def test_uncached_model_fails_fast_offline_and_unreachable(monkeypatch) -> None:
    start = time.perf_counter()
    with pytest.raises(HubUnreachableError, match="tiny/anything"):
        Engine(device="cpu").download("tiny/anything", task="classify")  # HF_ENDPOINT is a closed port
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HubUnreachableError, match="offline"):
        Engine(device="cpu").download("tiny/anything", task="classify")
    assert time.perf_counter() - start < 8, "no minutes of retries"


def test_hub_errors_are_translated(hub_env) -> None:
    engine = Engine(device="cpu")
    with pytest.raises(GatedModelError, match="HF_TOKEN"):
        engine.download("tiny/gated", task="classify")
    with pytest.raises(ModelNotFoundError, match="not found"):
        engine.download("tiny/no-such-repo", task="classify")
    with pytest.raises(UnsupportedModelError, match="safetensors only"):
        engine.download("tiny/pickle-only", task="classify")
    with pytest.raises(UnsupportedModelError, match="Supported: "):
        engine.text_to_video("a", model="tiny/unsupported")


def test_bad_parameters_name_the_parameter(hub_env) -> None:
    engine = Engine(device="cpu")
    with pytest.raises(InvalidInputError, match="frames.*4k\\+1.*got 6"):
        engine.text_to_video("a", model="tiny/wan", frames=6, **TINY)
    with pytest.raises(InvalidInputError, match="height must be a multiple of 16.*got 30"):
        engine.text_to_video("a", model="tiny/wan", frames=5, **{**TINY, "height": 30})
    with pytest.raises(InvalidInputError, match="prompt"):
        engine.text_to_video("  ", model="tiny/wan", frames=5, **TINY)
    assert hub_env.requests == [] or all("/api/" in r.path or "model_index" in r.path for r in hub_env.requests)


def test_cancel_stops_at_the_next_step(hub_env, tmp_path: Path) -> None:
    import threading

    cancel = threading.Event()
    steps = []

    def progress(report) -> None:
        if report.stage == "denoise":
            steps.append(report.done)
            cancel.set()

    with pytest.raises(GenerationCancelled):
        Engine(device="cpu").text_to_video("a", model="tiny/wan", frames=5, progress=progress, cancel=cancel,
                                           output=tmp_path / "a.mp4", **{**TINY, "steps": 10})
    assert steps == [1]
    assert not (tmp_path / "a.mp4").exists()


def test_list_models_makes_no_request(hub_env) -> None:
    rows = list_models()
    assert {r.spec.id for r in rows} >= {"wan2.1-t2v-1.3b", "ltx-video", "wan2.2-ti2v-5b", "videomae-base-k400", "xclip-base-32"}
    assert not any(r.downloaded for r in rows if not r.spec.local)
    assert hub_env.requests == []
