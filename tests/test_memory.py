"""The memory plan: strategies by GPU size, CPU hosts, what fits instead, and the CLI contract."""

from __future__ import annotations

import json

import pytest

from tests.test_cli import run_cli
from videogen.registry import find
from videogen.sizing.components import component_sizes
from videogen.sizing.memory import GIB, MemoryRequest, activation_bytes
from videogen.sizing.plan import plan_memory
from videogen.sizing.tokens import latent_tokens

GPUS = (8, 12, 16, 24, 80)


def _plan(model: str, gpu_gib: float, ram_gib: float = 32, **size):
    spec = find(model, "t2v")
    d = spec.defaults
    request = MemoryRequest("cuda", int(gpu_gib * GIB), int(ram_gib * GIB), size.get("frames", d.frames),
                            size.get("height", d.height), size.get("width", d.width))
    return plan_memory(spec, request)


@pytest.mark.parametrize("model", ["wan2.1-t2v-1.3b", "ltx-video"])
@pytest.mark.parametrize("gpu", GPUS)
def test_default_clip_fits_every_common_gpu(model: str, gpu: int) -> None:
    plan = _plan(model, gpu)
    assert plan.fits, plan.reason
    assert plan.peak_gpu_bytes <= gpu * GIB
    placements = {c.name: c.placement for c in plan.components}
    if gpu == 80:
        assert plan.strategy == "resident" and set(placements.values()) == {"gpu"}
    if gpu <= 12:  # the text encoder (4.8-5.7 B parameters, 8.9-10.6 GiB) cannot stay on the GPU
        assert placements["text_encoder"] != "gpu"


def test_strategy_gets_lighter_as_the_gpu_shrinks() -> None:
    order = ["resident", "model_offload", "text_encoder_cpu", "group_offload"]
    ranks = [order.index(_plan("wan2.1-t2v-1.3b", gpu).strategy) for gpu in reversed(GPUS)]
    assert ranks == sorted(ranks)
    # the example: Wan 2.1 1.3B on a 12 GB card runs with the text encoder on the CPU
    twelve = _plan("wan2.1-t2v-1.3b", 12)
    assert twelve.placement("text_encoder") == "cpu" and twelve.placement("transformer") == "gpu"
    assert "text encoder on the CPU" in twelve.summary(12 * GIB) and "12 GiB GPU" in twelve.summary(12 * GIB)


def test_peaks_grow_with_the_clip() -> None:
    spec = find("wan2.1-t2v-1.3b", "t2v")
    sizes = component_sizes(spec, "bfloat16")
    assert latent_tokens(spec, 81, 480, 832) == 21 * 30 * 52
    small, big = activation_bytes(spec, sizes, 17, 256, 448), activation_bytes(spec, sizes, 81, 480, 832)
    assert big.transformer > 4 * small.transformer and big.vae > small.vae > big.vae_tiled - big.output
    resident_small = _plan("wan2.1-t2v-1.3b", 80, frames=17, height=256, width=448)
    assert resident_small.peak_gpu_bytes < _plan("wan2.1-t2v-1.3b", 80).peak_gpu_bytes


def test_nothing_fits_says_why_and_what_would() -> None:
    tiny_gpu = _plan("wan2.2-ti2v-5b", 4)
    assert not tiny_gpu.fits and "GPU" in tiny_gpu.reason and tiny_gpu.suggestions
    spec = find("wan2.1-t2v-1.3b", "t2v")
    cpu = plan_memory(spec, MemoryRequest("cpu", 0, 8 * GIB, 81, 480, 832))
    assert not cpu.fits and cpu.device == "cpu" and cpu.peak_gpu_bytes == 0
    assert "RAM" in cpu.reason and "8 GiB" in cpu.reason
    assert cpu.suggestions
    roomy = plan_memory(spec, MemoryRequest("cpu", 0, 64 * GIB, 81, 480, 832))
    assert roomy.fits and roomy.dtype == "bfloat16" and {c.placement for c in roomy.components} == {"cpu"}


def test_suggested_fewer_frames_really_fit() -> None:
    spec = find("ltx-video", "t2v")
    request = MemoryRequest("cuda", 4 * GIB, 64 * GIB, 257, 704, 1280)
    plan = plan_memory(spec, request)
    assert not plan.fits
    frames = [int(s.split()[3]) for s in plan.suggestions if s.startswith("It fits with")]
    assert frames and frames[0] < 257
    for n in frames:
        assert plan_memory(spec, MemoryRequest("cuda", request.gpu_bytes, request.ram_bytes, n, 704, 1280)).fits


def test_cli_plan_contract_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for gpu in ("8", "80"):
        done = run_cli("plan", "wan2.1-t2v-1.3b", "--device", "cuda", "--gpu-memory", gpu, "--ram", "32", "--json")
        assert done.returncode == 0, done.stderr
        plan = json.loads(done.stdout)
        assert {"model", "device", "dtype", "strategy", "fits", "reason", "peak_gpu_bytes", "peak_ram_bytes", "components"} <= set(plan)
        assert plan["fits"] is True and plan["peak_gpu_bytes"] <= int(gpu) * GIB
        names = {c["name"] for c in plan["components"]}
        assert {"text_encoder", "transformer", "vae"} <= names
        assert all(set(c) >= {"name", "params", "bytes", "placement"} and c["placement"] in ("gpu", "offload", "stream", "cpu")
                   for c in plan["components"])
    done = run_cli("plan", "ltx-video", "--device", "cpu", "--ram", "8", "--frames", "25", "--json")
    plan = json.loads(done.stdout)
    assert done.returncode == 0 and plan["fits"] is False and plan["reason"] and plan["frames"] == 25
    text = run_cli("plan", "wan2.1-t2v-1.3b", "--device", "cuda", "--gpu-memory", "12", "--ram", "32")
    assert "text_encoder" in text.stdout and "-> cpu" in text.stdout


def test_cli_plan_refuses_what_it_cannot_plan() -> None:
    done = run_cli("plan", "shapes-t2v", "--json")
    assert done.returncode == 2 and "runs anywhere" in done.stderr
    done = run_cli("plan", "wan2.1-t2v-1.3b", "--device", "cuda", "--json")  # no GPU here, no --gpu-memory
    assert done.returncode == 2 and "--gpu-memory" in done.stderr


def test_the_app_shows_the_plan_before_generate() -> None:
    from videogen.api import plan
    from videogen.ui.handlers import Handlers

    handlers = Handlers(device="cpu")
    card = handlers.describe_model("wan2.1-t2v-1.3b", "t2v", 81, 480, 832)
    expected = plan("wan2.1-t2v-1.3b", device="cpu", frames=81, height=480, width=832)
    assert "Memory plan" in card and expected.summary() in card
    assert ("✅" in card) == expected.fits
    smaller = handlers.describe_model("wan2.1-t2v-1.3b", "t2v", 17, 256, 448)
    assert smaller != card  # the line follows the settings
    assert "Memory plan" not in handlers.describe_model("shapes-t2v", "t2v", 16, 128, 128)  # runs anywhere


def test_a_cpu_short_of_ram_frees_the_text_encoder() -> None:
    """Issue 11's CPU target, a 1-s clip at 256x384 in 16 GiB: AnyFlow's UMT5-XXL (10.6 GiB) goes after encoding."""
    spec = find("anyflow-wan2.1-t2v-1.3b", "t2v")
    tight = plan_memory(spec, MemoryRequest("cpu", 0, 16 * GIB, 17, 256, 384))
    assert tight.fits and tight.free_text_encoder and tight.peak_ram_bytes <= 16 * GIB
    assert {c.dtype for c in tight.components} == {"bfloat16"}  # AnyFlow's VAE too, as its docs load it
    assert "text encoder freed after encoding" in tight.summary()
    roomy = plan_memory(spec, MemoryRequest("cpu", 0, 32 * GIB, 17, 256, 384))
    assert roomy.fits and not roomy.free_text_encoder and not roomy.vae_tiling  # the fastest placement
    assert roomy.peak_ram_bytes >= tight.peak_ram_bytes
    assert not plan_memory(spec, MemoryRequest("cpu", 0, 12 * GIB, 17, 256, 384)).fits  # loading holds every weight


@pytest.fixture
def steady_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine of fixed speed, whatever else runs on this one."""
    monkeypatch.setattr("videogen.sizing.estimate.matmul_rate", lambda: 1e12)
    monkeypatch.setattr("videogen.sizing.estimate.cpu_share", lambda: 1.0)


def test_a_cpu_plan_says_how_long_the_clip_will_take(steady_cpu) -> None:
    spec = find("anyflow-wan2.1-t2v-1.3b", "t2v")
    short = plan_memory(spec, MemoryRequest("cpu", 0, 32 * GIB, 17, 256, 384))
    assert short.estimate_s and short.estimate["steps"] == 4 and short.estimate_s == pytest.approx(short.estimate["total_s"], abs=0.1)
    assert json.loads(json.dumps(short.to_json()))["estimate_s"] == short.estimate_s
    more_steps = plan_memory(spec, MemoryRequest("cpu", 0, 32 * GIB, 17, 256, 384, steps=8))
    longer = plan_memory(spec, MemoryRequest("cpu", 0, 32 * GIB, 33, 256, 384))
    assert more_steps.estimate_s > short.estimate_s and longer.estimate_s > short.estimate_s
    assert _plan("anyflow-wan2.1-t2v-1.3b", 24).estimate_s is None  # GPU plans give memory only


def test_the_app_shows_the_time_and_the_download_before_generate(steady_cpu) -> None:
    from videogen.ui.handlers import Handlers

    handlers = Handlers(device="cpu")
    card = handlers.describe_model("anyflow-wan2.1-t2v-1.3b", "t2v", 17, 256, 384)
    assert "Memory plan" in card and "On this CPU:" in card and "(4 steps:" in card and "GiB download" in card
    assert handlers.describe_model("anyflow-wan2.1-t2v-1.3b", "t2v", 17, 256, 384, steps=8) != card
    assert "(8 steps:" in handlers.describe_model("anyflow-wan2.1-t2v-1.3b", "t2v", 17, 256, 384, steps=8)
    assert "在这台 CPU 上" in handlers.describe_model("anyflow-wan2.1-t2v-1.3b", "t2v", 17, 256, 384, locale="zh-CN")
