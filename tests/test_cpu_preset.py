"""A real clip on a CPU from the first click, and estimates that agree (issue 17, items 3 and 4).

Each Hub generator has a CPU preset on its family's grid; choosing the model on a CPU fills the
boxes with it; the preset button, the card's line, ``plan`` and the CLI say the same time for the
same settings (one estimate function); a job over half an hour asks first; "does not fit" names
the model that fits and finishes soonest; sizes are in GiB everywhere and parameter counts are
broken down by component.
"""

from __future__ import annotations

import re

import pytest

from videogen.registry import MODELS, find
from videogen.sizing.memory import MemoryRequest
from videogen.sizing.plan import plan_memory
from videogen.units import GIB, parameter_breakdown

HUB_GENERATORS = [m for m in MODELS if m.library == "diffusers"]
TIME = re.compile(r"about (\d+ h(?: \d+ min)?|\d+ min(?: \d+ s)?|\d+ s)")


@pytest.fixture
def steady_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine of fixed speed (1 TFLOP/s, idle), whatever else runs on this one."""
    monkeypatch.setattr("videogen.sizing.estimate.matmul_rate", lambda: 1e12)
    monkeypatch.setattr("videogen.sizing.estimate.cpu_share", lambda: 1.0)


@pytest.mark.parametrize("spec", HUB_GENERATORS, ids=lambda s: f"{s.id}-{s.task}")
def test_every_hub_generator_has_a_cpu_preset_on_its_grid_that_runs_sooner(spec, steady_cpu) -> None:
    preset, d = spec.cpu_preset, spec.defaults
    assert preset is not None
    assert (preset.frames - 1) % spec.family_info.frame_step == 0, "frames on the family's k*step+1 grid"
    assert preset.height % spec.size_step == 0 and preset.width % spec.size_step == 0
    assert preset.frames / preset.fps == pytest.approx(1.0, abs=0.1), "one second of video"
    at_preset = plan_memory(spec, MemoryRequest("cpu", 0, 32 * GIB, preset.frames, preset.height, preset.width,
                                                steps=preset.steps, guidance=preset.guidance))
    if not at_preset.fits:  # a model whose weights alone outgrow 32 GiB (LTX-2: 63 GiB in bf16) needs more RAM
        assert "RAM" in at_preset.reason, at_preset.reason
        assert sum(c.bytes for c in at_preset.components) > 32 * GIB, "a model under 32 GiB must fit 32 GiB"
        at_preset = plan_memory(spec, MemoryRequest("cpu", 0, 128 * GIB, preset.frames, preset.height, preset.width,
                                                    steps=preset.steps, guidance=preset.guidance))
    at_defaults = plan_memory(spec, MemoryRequest("cpu", 0, 64 * GIB, d.frames, d.height, d.width))
    assert at_preset.fits and at_preset.estimate_s * 10 < at_defaults.estimate_s


def test_choosing_a_hub_model_on_a_cpu_fills_its_preset_and_every_estimate_agrees(steady_cpu, capsys) -> None:
    from videogen.cli import main
    from videogen.ui.handlers import Handlers
    from videogen.ui.settings import model_dependent

    handlers = Handlers(device="cpu")
    card, *boxes = handlers.model_changed("anyflow-wan2.1-t2v-1.3b", "t2v")
    values = {name: box["value"] for name, box in zip(model_dependent("t2v"), boxes)}
    assert (values["frames"], values["height"], values["width"], values["steps"]) == (17, 256, 384, 4)
    label = handlers.preset_label("anyflow-wan2.1-t2v-1.3b", "t2v")
    assert label.startswith("CPU preset: 17 frames at 384×256, 4 steps (about ")

    assert main(["plan", "anyflow-wan2.1-t2v-1.3b", "--device", "cpu", "--ram", "32", "--frames", "17", "--height", "256",
                 "--width", "384", "--steps", "4"]) == 0
    printed = capsys.readouterr().out
    times = {where: TIME.search(text)[1] for where, text in (("button", label), ("card", card.split("On this CPU:")[1]),
                                                             ("plan", printed.split("on this CPU:")[1]))}
    assert len(set(times.values())) == 1, times  # one estimate behind all three
    assert "(4 steps:" in card and "(4 steps:" in printed


def test_a_long_job_asks_first_and_a_short_one_does_not(steady_cpu, monkeypatch: pytest.MonkeyPatch) -> None:
    from videogen.ui.handlers import Handlers

    handlers = Handlers(device="cpu")
    monkeypatch.setattr("videogen.sizing.estimate.matmul_rate", lambda: 2e11)  # a slower CPU: the preset ~13 min
    assert handlers.long_job_question("anyflow-wan2.1-t2v-1.3b", "t2v", 17, 256, 384, 4) is None
    asked = handlers.long_job_question("anyflow-wan2.1-t2v-1.3b", "t2v", 81, 480, 832, 4)
    assert asked.startswith("⏱️ This clip would take about ") and "use the CPU preset: 17 frames at 384×256" in asked
    assert handlers.long_job_question("shapes-t2v", "t2v", 257, 1024, 1024, 1) is None  # the shapes world: seconds
    assert "小时" in handlers.long_job_question("anyflow-wan2.1-t2v-1.3b", "t2v", 81, 480, 832, 4, locale="zh-CN")
    monkeypatch.setattr("videogen.sizing.estimate.matmul_rate", lambda: 1e10)  # so slow that the preset takes hours
    asked = handlers.long_job_question("anyflow-wan2.1-t2v-1.3b", "t2v", 17, 256, 384, 4)
    assert "even at its CPU preset" in asked and "use the CPU preset" not in asked


def test_does_not_fit_names_the_model_that_fits_and_finishes_soonest(steady_cpu) -> None:
    wan22 = find("wan2.2-ti2v-5b", "t2v")
    plan = plan_memory(wan22, MemoryRequest("cpu", 0, 24 * GIB, 121, 704, 1280))
    assert not plan.fits
    [other] = [s for s in plan.suggestions if "fits" in s and "wan2.2" not in s]
    assert other.startswith("anyflow-wan2.1-t2v-1.3b fits and finishes soonest at its CPU preset")  # not 50-step Wan 2.1


def test_sizes_in_gib_everywhere_and_parameters_broken_down() -> None:
    from videogen.ui.handlers import Handlers
    from videogen.ui.model_info import model_choices

    entries = dict((value, label) for label, value in model_choices("t2v"))
    assert entries["wan2.1-t2v-1.3b"] == "wan2.1-t2v-1.3b (26.9 GiB download, 1.4B transformer + 5.7B text encoder)"
    card = Handlers(device="cpu").describe_model("wan2.1-t2v-1.3b", "t2v", 17, 256, 384)
    texts = [card, *entries.values()]
    assert not [t for t in texts if re.search(r"\d GB\b", t)], "GiB, never GB"
    assert parameter_breakdown(find("wan2.2-ti2v-5b", "t2v").components) == "5.0B transformer + 5.7B text encoder + 705M VAE"


def test_a_cpu_without_fast_bfloat16_plans_float32_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compute dtype follows the measured rates (AVX2: bfloat16 emulated), or VIDEOGEN_CPU_COMPUTE;
    the plan keeps the text encoder in bfloat16 and the rest in float32, and falls back to bfloat16
    where float32 does not fit."""
    import videogen.device as device
    from videogen.errors import InvalidInputError

    monkeypatch.delenv("VIDEOGEN_CPU_COMPUTE", raising=False)
    monkeypatch.setattr(device, "_rates", {"bfloat16": 1.3e9, "float32": 9e10})  # 2 AMD EPYC cores, AVX2
    assert device.cpu_compute_dtype() == "float32"
    monkeypatch.setattr(device, "_rates", {"bfloat16": 1.4e12, "float32": 3e11})  # AMX
    assert device.cpu_compute_dtype() == "bfloat16"
    monkeypatch.setenv("VIDEOGEN_CPU_COMPUTE", "float32")
    assert device.cpu_compute_dtype() == "float32"
    monkeypatch.setenv("VIDEOGEN_CPU_COMPUTE", "fp8")
    with pytest.raises(InvalidInputError, match="VIDEOGEN_CPU_COMPUTE must be bfloat16 or float32, got 'fp8'"):
        device.cpu_compute_dtype()

    anyflow = find("anyflow-wan2.1-t2v-1.3b", "t2v")
    upcast = plan_memory(anyflow, MemoryRequest("cpu", 0, 24 * GIB, 17, 256, 384, cpu_compute="float32"), suggest=False)
    plain = plan_memory(anyflow, MemoryRequest("cpu", 0, 24 * GIB, 17, 256, 384), suggest=False)
    assert upcast.fits and upcast.upcast_text_encoder and not plain.upcast_text_encoder
    assert {c.name: c.dtype for c in upcast.components} == {"text_encoder": "bfloat16", "transformer": "float32", "vae": "float32"}
    assert upcast.peak_ram_bytes > plain.peak_ram_bytes  # float32 weights: twice the transformer's bytes
    wan22 = find("wan2.2-ti2v-5b", "t2v")
    big = plan_memory(wan22, MemoryRequest("cpu", 0, 28 * GIB, 25, 256, 384, cpu_compute="float32"), suggest=False)
    assert big.fits and not big.upcast_text_encoder, "float32 does not fit 28 GiB: bfloat16 does"
