"""Previews while denoising: a linear latent-to-RGB projection fitted from the model's own VAE."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from videogen.models import diffusers_generator as generators
from videogen.api import Engine
from videogen.hub import Progress
from videogen.models.previews import LatentPreview, fit_projection, video_latents


def test_fit_projection_recovers_a_linear_map() -> None:
    rng = np.random.default_rng(0)
    weight, bias = rng.normal(size=(16, 3)), rng.normal(size=3)
    latents = rng.normal(size=(500, 16))
    got_weight, got_bias = fit_projection(latents, latents @ weight + bias)
    assert np.allclose(got_weight, weight) and np.allclose(got_bias, bias)


@pytest.mark.parametrize("family,frames", [("wan", 9), ("ltx", 17)])
def test_preview_strip_from_a_real_pipeline(tiny_model_dirs: dict[str, Path], family: str, frames: int) -> None:
    engine = Engine(device="cpu")
    spec = engine.resolve(str(tiny_model_dirs[family]), "t2v")
    from videogen.generate.common import resolve_params

    params = resolve_params(spec, "a ball", frames=frames, height=64, width=64, steps=2, seed=1)
    generator = engine.models.generator(spec, None, params)
    preview = LatentPreview.fit(generator.pipe, family)
    assert preview.weight.shape[1] == 3 and np.isfinite(preview.weight).all()
    captured = {}
    generator.pipe(prompt="a ball", num_frames=frames, height=64, width=64, num_inference_steps=2, output_type="latent",
                   callback_on_step_end=lambda p, i, t, k: captured.update(latents=k["latents"]) or k)
    video = video_latents(generator.pipe, family, captured["latents"], frames, 64, 64)
    assert video.ndim == 4  # (C, F', H', W')
    image = preview.image(video)
    assert image.dtype == np.uint8 and image.shape[0] == 64 and image.shape[2] == 3
    assert image.shape[1] == 64 * min(4, video.shape[1])  # up to four frames side by side


def test_slow_runs_stream_previews(tiny_model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(generators, "PREVIEW_AFTER_S", 0.0)  # every run counts as slow
    reports: list[Progress] = []
    Engine(device="cpu").text_to_video("a ball", model=str(tiny_model_dirs["wan"]), frames=5, height=32, width=32,
                                       steps=8, seed=1, output=tmp_path / "p.mp4", progress=reports.append)
    previews = [r for r in reports if r.preview is not None]
    assert previews and all(r.stage == "denoise" and r.preview.dtype == np.uint8 for r in previews)
    assert len(previews) < 8  # every few steps, not every step; never after the last


def test_the_page_gets_previews_then_the_clip(tiny_model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from videogen.ui.handlers import Handlers

    monkeypatch.setattr(generators, "PREVIEW_AFTER_S", 0.0)
    updates = list(Handlers(device="cpu").text_to_video(
        "a ball", model=str(tiny_model_dirs["wan"]), frames=5, height=32, width=32, steps=8, seed=1, history=[]))
    previews = [u[4] for u in updates if isinstance(u[4], np.ndarray)]
    assert previews and previews[0].shape[0] == 32
    assert updates[-1][0].endswith(".mp4") and updates[-1][4] is None  # the clip replaces the preview
