"""The memory plan of a run, with, on a CPU, how long the run should take there.

The ``plan`` command's answer (``python -m videogen plan MODEL``, :func:`videogen.api.plan`) and
what a generator is loaded by: :func:`videogen.sizing.memory.fit_memory` places the components,
and for a CPU host :func:`videogen.sizing.estimate.estimate` times the run at the model's defaults
(or the request's steps and guidance). The two modules do not know each other; they meet here.
"""

from __future__ import annotations

from videogen.registry import ModelSpec
from videogen.sizing.components import ComponentSize
from videogen.sizing.estimate import Estimate, estimate
from videogen.sizing.memory import MemoryPlan, MemoryRequest, fit_memory


def plan_memory(
    spec: ModelSpec, request: MemoryRequest, sizes: list[ComponentSize] | None = None, *, suggest: bool = True,
) -> MemoryPlan:
    """The fastest placement of ``spec`` that fits ``request``'s machine, or why none does; on a
    CPU (with ``suggest``: the plan asked for, not one tried for a suggestion) also how long the run
    will take here (``estimate_s``, ``estimate``)."""
    plan = fit_memory(spec, request, sizes, suggest=suggest, rank=cpu_seconds if request.device == "cpu" else None)
    if request.device == "cpu" and suggest:
        compute = "float32" if plan.upcast_text_encoder else "bfloat16"  # the plan may fall back to bfloat16
        timing = run_estimate(spec, request, {c.name: c.params for c in plan.components}, compute)
        plan.estimate_s, plan.estimate = round(timing.total_s, 1), timing.to_json()
    return plan


def run_estimate(
    spec: ModelSpec, request: MemoryRequest, params: dict[str, int] | None = None, compute: str | None = None,
) -> Estimate:
    """How long ``request`` takes with ``spec`` on this CPU (computing in ``compute``; default this
    CPU's dtype): the one estimate behind the page's card and settings line, the CLI's ``plan`` and
    the "does not fit" advice."""
    d = spec.defaults
    guidance = d.guidance if request.guidance is None else request.guidance
    return estimate(spec, request.frames, request.height, request.width, request.steps or d.steps, guidance,
                    params=params, compute=compute)


def cpu_seconds(spec: ModelSpec, request: MemoryRequest) -> float:
    """:func:`run_estimate`'s total for the plan that fits: the ranking of the models that fit (the
    soonest done first)."""
    plan = fit_memory(spec, request, suggest=False)
    return run_estimate(spec, request, compute="float32" if plan.upcast_text_encoder else "bfloat16").total_s
