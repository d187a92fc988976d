"""The time estimate: the work counted from the published configs, scaled by this machine's speed."""

from __future__ import annotations

import os

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from videogen.registry import find
from videogen.sizing.components import build_component, published
from videogen.sizing.estimate import cpu_share, duration, estimate, matmul_rate, text_encoder_flops, transformer_flops

RATE = 1e12  # a fixed machine speed, so that the tests do not depend on this one's


@pytest.fixture
def anyflow():
    return find("anyflow-wan2.1-t2v-1.3b", "t2v")


def test_the_work_formula_is_what_torch_counts(anyflow) -> None:
    """The formula against ``torch.utils.flop_counter`` on the full-size models (meta device, no weights)."""
    params = dict(anyflow.components)
    transformer = build_component(published(anyflow.repo_id)["components"]["transformer"], device="meta", dtype=torch.bfloat16)
    latents = torch.zeros(1, 3, 16, 16, 24, device="meta", dtype=torch.bfloat16)  # 9 frames of 128x192: 576 tokens
    timestep = torch.full((1, 3), 900.0, device="meta")
    text = torch.zeros(1, 512, 4096, device="meta", dtype=torch.bfloat16)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        transformer(hidden_states=latents, timestep=timestep, r_timestep=timestep, encoder_hidden_states=text, return_dict=False)
    assert transformer_flops(anyflow, params["transformer"], 9, 128, 192) == pytest.approx(counter.get_total_flops(), rel=0.01)

    encoder = build_component(published(anyflow.repo_id)["components"]["text_encoder"], device="meta", dtype=torch.bfloat16)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        encoder(input_ids=torch.zeros(1, 512, dtype=torch.long, device="meta"))
    assert text_encoder_flops(anyflow, params["text_encoder"]) == pytest.approx(counter.get_total_flops(), rel=0.01)


def test_the_estimate_grows_with_the_work(anyflow) -> None:
    base = estimate(anyflow, 17, 256, 384, 4, 1.0, rate=RATE)
    assert base.denoise_s == pytest.approx(4 * base.step_s) and base.total_s == pytest.approx(base.text_s + base.denoise_s + base.decode_s)
    assert estimate(anyflow, 17, 256, 384, 8, 1.0, rate=RATE).denoise_s == pytest.approx(2 * base.denoise_s)
    longer = estimate(anyflow, 33, 256, 384, 4, 1.0, rate=RATE)  # 9 latent frames instead of 5
    assert longer.decode_s == pytest.approx(base.decode_s * 33 / 17)  # the VAE: linear in the pixels it writes
    assert longer.step_s > base.step_s * 9 / 5  # the transformer: linear, plus attention's square
    bigger = estimate(anyflow, 17, 512, 768, 4, 1.0, rate=RATE)
    assert bigger.step_s > 4 * base.step_s and bigger.decode_s == pytest.approx(4 * base.decode_s)
    assert bigger.text_s == base.text_s  # one prompt, whatever the clip
    guided = estimate(anyflow, 17, 256, 384, 4, 5.0, rate=RATE)  # guidance: the negative prompt and a batch of two
    assert guided.step_s == pytest.approx(2 * base.step_s) and guided.text_s == pytest.approx(2 * base.text_s)
    assert estimate(anyflow, 17, 256, 384, 4, 1.0, rate=2 * RATE).total_s == pytest.approx(base.total_s / 2)
    assert base.load_s > 0 and set(base.to_json()) >= {"text_s", "step_s", "steps", "decode_s", "load_s", "total_s"}


def test_the_machine_is_measured_once_and_its_load_each_time(anyflow, monkeypatch: pytest.MonkeyPatch) -> None:
    rate = matmul_rate()
    assert 1e8 < rate < 1e16 and matmul_rate() is rate  # 1e8: a CPU that emulates bfloat16 (AVX2 only), ~3e8
    assert 0 < cpu_share() <= 1
    monkeypatch.setattr("os.getloadavg", lambda: (4.0 * len(os.sched_getaffinity(0)), 0.0, 0.0))
    busy = estimate(anyflow, 17, 256, 384, 4, 1.0)  # others keep every core busy four times over
    assert busy.cpu_share == pytest.approx(0.25) and busy.matmul_gflops == pytest.approx(rate / 1e9)
    idle = estimate(anyflow, 17, 256, 384, 4, 1.0, rate=rate)
    # issue 17: the number shown is the idle machine's (the same wherever and whenever it is asked), the load beside it
    assert busy.total_s == pytest.approx(idle.total_s) and busy.busy_s == pytest.approx(idle.total_s * 4)
    assert "other programs use 75% of the CPU now" in busy.sentence()


@pytest.mark.parametrize(("seconds", "text"), [(0.2, "1 s"), (42.4, "42 s"), (100, "1 min 40 s"), (121, "2 min"),
                                               (3 * 3600 + 20 * 60, "3 h 20 min")])
def test_durations_read_as_a_person_would_say_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text
