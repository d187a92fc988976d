"""Diffusers video pipelines behind the generator interface, placed by a memory plan.

:func:`load_generator` reads the pipeline from a local folder in the plan's dtypes (Wan's VAE in
float32, as its docstring does), places it with diffusers' own switches (:func:`apply_plan`) and frees
everything again if loading fails. :class:`DiffusersGenerator` runs it with each family's own
settings (:func:`family_kwargs`): Wan's ``flow_shift`` by resolution, LTX's frame rate and decode
noise; LTX-2's guidance and distilled sigmas, and the sound it makes with the frames
(:mod:`videogen.models.joint_av`; :meth:`DiffusersGenerator.generate_av`). When the plan puts the text
encoder on the CPU, the prompt is encoded there and only the embeddings travel to the GPU. When a CPU
plan frees the text encoder after encoding (``free_text_encoder``), the embeddings of the last prompt
are kept and the encoder is read again from disk only for a new prompt.

AnyFlow's Hub repos were published with NVlabs' class names in their configs (``WanAnyFlowPipeline``,
``FAR_Wan_Transformer3DModel``, ``FlowMapDiscreteScheduler``: diffusers PR #13745), which stock
diffusers refuses to import; such a family's pipeline is assembled component by component
(:func:`_assemble`), its transformer and scheduler by diffusers' own classes (:data:`FAMILY_CLASSES`),
whose weights are the same tensor for tensor.
"""

from __future__ import annotations

import gc
import inspect
import json
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from videogen import hub
from videogen.device import release_memory
from videogen.errors import OutOfMemoryError
from videogen.sizing.memory import MemoryPlan
from videogen.sizing.tokens import TEXT_TOKENS
from videogen.models.joint_av import ltx2_kwargs, made_sound
from videogen.models.previews import LatentPreview, video_latents
from videogen.registry import ModelSpec

logger = logging.getLogger(__name__)

# What each family's ``encode_prompt`` returns, in order: the names ``__call__`` takes them back as.
ENCODE_OUTPUTS = {
    "wan": ("prompt_embeds", "negative_prompt_embeds"),
    "ltx": ("prompt_embeds", "prompt_attention_mask", "negative_prompt_embeds", "negative_prompt_attention_mask"),
    "ltx2": ("prompt_embeds", "prompt_attention_mask", "negative_prompt_embeds", "negative_prompt_attention_mask"),
    "anyflow": ("prompt_embeds", "negative_prompt_embeds"),
}
# Components loaded by their diffusers class whatever the folder's config names (see the module docstring).
FAMILY_CLASSES = {"anyflow": {"transformer": "AnyFlowTransformer3DModel", "scheduler": "FlowMapEulerDiscreteScheduler"}}
WAN_FLOW_SHIFT = {"480p": 3.0, "720p": 5.0}  # WanPipeline docstring: "5.0 for 720P, 3.0 for 480P"
PREVIEWS_PER_RUN = 8  # a preview every steps/8 denoising steps...
PREVIEW_AFTER_S = 2.0  # ...once the run has taken this long (quick runs need none)
LTX_DECODE = {"decode_timestep": 0.05, "decode_noise_scale": 0.025}  # LTX docs, timestep-aware VAEs (0.9.1+)


def wan_flow_shift(height: int, width: int) -> float:
    """3.0 up to 480p-class sizes, 5.0 from 720p-class sizes (area at least 3/4 of 1280x720)."""
    return WAN_FLOW_SHIFT["720p"] if height * width >= 0.75 * 1280 * 720 else WAN_FLOW_SHIFT["480p"]


def family_kwargs(pipe: Any, spec: ModelSpec, params: Any) -> dict[str, Any]:
    """The call arguments and scheduler settings each family's docs recommend for these parameters."""
    kwargs: dict[str, Any] = {}
    if spec.family == "wan":
        shift = wan_flow_shift(params.height, params.width)
        scheduler = pipe.scheduler
        if "flow_shift" in scheduler.config and scheduler.config.flow_shift != shift:
            pipe.scheduler = type(scheduler).from_config(scheduler.config, flow_shift=shift)
        kwargs["max_sequence_length"] = TEXT_TOKENS["wan"]
    elif spec.family == "anyflow":  # the scheduler's shift (5) is the checkpoint's; no resolution rule published
        kwargs["max_sequence_length"] = TEXT_TOKENS["anyflow"]
    elif spec.family == "ltx":
        kwargs["frame_rate"] = int(round(params.fps))  # LTX scales its positional encoding by the frame rate
        if getattr(pipe.vae.config, "timestep_conditioning", False):
            kwargs.update(LTX_DECODE)
    elif spec.family == "ltx2":  # its frame rate, one guidance for picture and sound, the distilled sigmas
        kwargs.update(ltx2_kwargs(pipe, spec, params))
    return kwargs


@dataclass
class DiffusersGenerator:
    """A diffusers video pipeline (T2V or I2V) behind the generator interface."""

    spec: ModelSpec
    pipe: Any
    device: str
    plan: MemoryPlan | None  # None: shares another generator's placed components (``from_pipe``)
    folder: Path | None = None  # where the weights are: a freed text encoder is read again from here
    _preview: LatentPreview | bool | None = field(default=None, repr=False)  # fitted on first use; False: none
    _encoded: tuple[tuple, dict] | None = field(default=None, repr=False)  # (prompt key, embeddings) of the last prompt

    def input_warnings(self, prompt: str, image: Any | None) -> list[str]:
        """A Hub model knows the real world: nothing to warn about."""
        return []

    def generate(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str | None]:
        frames, understood, _sound = self.generate_av(params, image, on_step)
        return frames, understood

    def generate_av(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str | None, Any]:
        """:meth:`generate`, and the sound the pipeline made with the frames (a :class:`videogen.media.Audio`
        as long as the clip), or None for a silent family."""
        import torch

        every = max(1, params.steps // PREVIEWS_PER_RUN)
        started = time.monotonic()

        def callback(pipe: Any, step: int, timestep: Any, tensors: dict) -> dict:
            done = step + 1
            slow = time.monotonic() - started > PREVIEW_AFTER_S  # fast runs need no preview
            if slow and done % every == 0 and done < params.steps and "latents" in tensors:
                on_step(done, params.steps, preview=self.preview(tensors["latents"], params))
            else:
                on_step(done, params.steps)
            if done == params.steps:  # the pipeline decodes next
                on_step(0, 1, stage="decode")
            return tensors

        # 1. The request, in the pipeline's own terms, plus the family's recommended settings.
        kwargs: dict[str, Any] = dict(
            prompt=params.prompt,
            negative_prompt=params.negative_prompt or None,
            num_frames=params.frames,
            height=params.height,
            width=params.width,
            num_inference_steps=params.steps,
            guidance_scale=params.guidance,
            generator=torch.Generator("cpu").manual_seed(params.seed),  # same seed, same clip on any device
            output_type="np",
            callback_on_step_end=callback,
            **family_kwargs(self.pipe, self.spec, params),
        )
        if image is not None:
            kwargs["image"] = image
        try:
            with torch.inference_mode():
                # 2. A text encoder planned on the CPU encodes there; only the embeddings move. One that
                #    the plan frees after encoding encodes each prompt once.
                kwargs.update(self.prompt_kwargs(params, kwargs.get("max_sequence_length")))
                # 3. Denoise and decode (LTX-2: the sound too, by its audio VAE and vocoder).
                output = self.pipe(**kwargs)
                video = output.frames[0]  # (T, H, W, 3) floats in [0, 1]
                joint = self.spec.family_info.joint_audio and getattr(output, "audio", None) is not None
                sound = made_sound(self.pipe, output.audio, len(video), params.fps) if joint else None
        except torch.OutOfMemoryError as exc:
            release_memory()
            raise OutOfMemoryError(
                f"{self.spec.id} ran out of GPU memory at {params.frames} frames of {params.width}x{params.height}. "
                "Try fewer frames or a smaller size, or close other GPU programs."
            ) from exc
        return to_uint8(np.asarray(video)), None, sound

    def preview(self, latents: Any, params: Any) -> np.ndarray | None:
        """The current latents as an RGB strip (None if this model's VAE cannot fit a projection)."""
        family = "ltx" if self.spec.family == "ltx2" else self.spec.family  # LTX-2 packs its video latents as LTX
        if self._preview is None:
            try:
                self._preview = LatentPreview.fit(self.pipe, family)
            except (RuntimeError, ValueError, AttributeError, NotImplementedError) as exc:
                logger.info("No previews for %s: %s", self.spec.id, exc)
                self._preview = False
        if self._preview is False:
            return None
        if self.spec.family == "anyflow":  # AnyFlowPipeline denoises (B, T, C, H, W); previews read (B, C, T, H, W)
            latents = latents.transpose(1, 2)
        video = video_latents(self.pipe, family, latents, params.frames, params.height, params.width)
        return self._preview.image(video)

    def prompt_kwargs(self, params: Any, max_tokens: int | None) -> dict[str, Any]:
        """The prompt as the plan has it encoded (``params``: ``prompt``, ``negative_prompt``, ``guidance``):
        {} where the pipeline encodes it itself, else its embeddings made on the CPU, by a text encoder
        the plan puts there or frees after encoding (the pipeline's ``prompt`` arguments then None)."""
        if self.plan is not None and self.plan.free_text_encoder:
            return self._encode_then_free(params, max_tokens)
        if self.plan is not None and self.plan.strategy != "cpu" and self.plan.placement("text_encoder") == "cpu":
            return self._encode_on_cpu(params, max_tokens)
        return {}

    def _encode_on_cpu(self, params: Any, max_tokens: int | None) -> dict[str, Any]:
        """Run ``encode_prompt`` on the CPU copy of the text encoder; move the results to the GPU."""
        import torch

        names = ENCODE_OUTPUTS[self.spec.family]
        extra = {"max_sequence_length": max_tokens} if max_tokens else {}
        outputs = self.pipe.encode_prompt(
            params.prompt, params.negative_prompt or None, do_classifier_free_guidance=params.guidance > 1.0,
            device=torch.device("cpu"), **extra,
        )
        moved = {name: t.to(self.device) for name, t in zip(names, outputs) if t is not None}
        return {"prompt": None, "negative_prompt": None, **moved}

    def _encode_then_free(self, params: Any, max_tokens: int | None) -> dict[str, Any]:
        """The prompt's embeddings, the text encoder freed after encoding (read again for a new prompt)."""
        key = (params.prompt, params.negative_prompt, params.guidance > 1.0, max_tokens)
        if self._encoded is None or self._encoded[0] != key:
            if self.pipe.text_encoder is None:
                self._reload_text_encoder()
            embeddings = self._encode_on_cpu(params, max_tokens)
            self.pipe.register_modules(text_encoder=None)
            gc.collect()
            self._encoded = (key, embeddings)
        return dict(self._encoded[1])

    def _reload_text_encoder(self) -> None:
        import torch
        import transformers

        if self.folder is None:
            raise RuntimeError(f"{self.spec.id}: the text encoder was freed and its folder is unknown")
        _library, class_name = json.loads((self.folder / "model_index.json").read_text())["text_encoder"]
        encoder_cls = getattr(transformers, class_name)
        dtype = getattr(torch, next(c.dtype for c in self.plan.components if c.name == "text_encoder"))
        logger.info("Reading %s's text encoder again for a new prompt", self.spec.id)
        self.pipe.register_modules(text_encoder=encoder_cls.from_pretrained(
            str(self.folder / "text_encoder"), dtype=dtype, use_safetensors=True, local_files_only=True,
            variant=hub.variant_of([p.name for p in (self.folder / "text_encoder").glob("*.safetensors")]),
        ).eval())

    def set_vae_tiling(self, on: bool) -> None:
        """Tile the VAE decode (another request may need less or more memory than the last)."""
        vae = getattr(self.pipe, "vae", None)
        if vae is not None and hasattr(vae, "enable_tiling"):
            vae.enable_tiling() if on else vae.disable_tiling()
        if self.plan is not None:
            self.plan.vae_tiling = on

    def close(self) -> None:
        if self.pipe is not None and hasattr(self.pipe, "remove_all_hooks"):
            self.pipe.remove_all_hooks()
        self.pipe = None


def apply_plan(pipe: Any, device: str, plan: MemoryPlan) -> None:
    """Place a loaded pipeline as the plan says, with diffusers' own mechanisms."""
    import torch

    if plan.strategy in ("cpu", "resident"):
        pipe.to(device if plan.strategy == "resident" else "cpu")
    elif plan.strategy == "model_offload":
        pipe.enable_model_cpu_offload(device=device)
    else:  # text_encoder_cpu, group_offload: per component
        for component in plan.components:
            module = getattr(pipe, component.name, None)
            if module is None or component.placement == "cpu":
                continue
            if component.placement == "stream":
                module.enable_group_offload(
                    onload_device=torch.device(device), offload_device=torch.device("cpu"),
                    offload_type="leaf_level", use_stream=True, low_cpu_mem_usage=True,
                )
            else:
                module.to(device)
    vae = getattr(pipe, "vae", None)
    if vae is not None and plan.vae_tiling and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()


def compute_blocks_in_float32(module: Any) -> int:
    """Run each block of ``module``'s longest list of blocks in float32, its weights kept in bfloat16.

    Before a block runs its weights are cast to float32 and its inputs too; after, the weights go back
    to bfloat16 and its outputs are cast to bfloat16, as the rest of the module expects. On a CPU that
    emulates bfloat16 matmuls (AVX2 only) this is the difference between hours and minutes, for the
    RAM of one block in float32. Returns how many blocks were hooked.
    """
    import torch

    lists = [m for m in module.modules() if isinstance(m, torch.nn.ModuleList)]
    if not lists:
        return 0
    blocks = max(lists, key=len)

    def cast(value: Any, dtype: Any) -> Any:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.to(dtype)
        if isinstance(value, (tuple, list)):
            return type(value)(cast(v, dtype) for v in value)
        return value

    def before(block: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        block.float()
        return cast(args, torch.float32), {k: cast(v, torch.float32) for k, v in kwargs.items()}

    def after(block: Any, args: tuple, output: Any) -> Any:
        block.to(torch.bfloat16)
        return cast(output, torch.bfloat16)

    for block in blocks:
        block.register_forward_pre_hook(before, with_kwargs=True)
        block.register_forward_hook(after)
    return len(blocks)


def take_float32(module: Any) -> None:
    """Cast what ``module`` (a float32 transformer) is given to float32: a pipeline hands it the
    embeddings in the text encoder's dtype (LTX's does not cast them), bfloat16 here."""
    import torch

    def cast(value: Any) -> Any:
        if isinstance(value, torch.Tensor) and value.is_floating_point() and value.dtype != torch.float32:
            return value.float()
        return value

    def before(_: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        return tuple(cast(a) for a in args), {k: cast(v) for k, v in kwargs.items()}

    module.register_forward_pre_hook(before, with_kwargs=True)


def load_generator(
    spec: ModelSpec, folder: Path, device: str, plan: MemoryPlan, reuse: Any | None = None,
) -> DiffusersGenerator:
    """Load the spec's pipeline class from a local folder, placed by ``plan``; free it all on failure."""
    import diffusers
    import torch

    pipeline_cls = getattr(diffusers, spec.pipeline_class)
    if reuse is not None:  # same weights, other task: share the components (no copy, no reload)
        pipe = _share(pipeline_cls, reuse)
        pipe.set_progress_bar_config(disable=True)
        if getattr(pipe, "text_encoder", False) is None:  # the other task's plan freed it: encode as it did
            plan = replace(plan, free_text_encoder=True)
        return DiffusersGenerator(spec, pipe, device, plan, folder)
    dtypes = {c.name: getattr(torch, c.dtype) for c in plan.components}
    files = [str(p.relative_to(folder)) for p in folder.rglob("*.safetensors")]
    variant = hub.variant_of(files)
    pipe = None
    try:
        if spec.family in FAMILY_CLASSES:
            pipe = _assemble(pipeline_cls, folder, {"default": getattr(torch, plan.dtype), **dtypes}, variant,
                             FAMILY_CLASSES[spec.family])
        else:
            pipe = pipeline_cls.from_pretrained(
                str(folder), dtype={"default": getattr(torch, plan.dtype), **dtypes}, use_safetensors=True,
                local_files_only=True, variant=variant,
            )
        pipe.set_progress_bar_config(disable=True)
        logger.info("Placing %s on %s: %s", spec.id, device, plan.summary())
        apply_plan(pipe, device, plan)
        if plan.upcast_text_encoder:  # a CPU without fast bfloat16: the encoder's blocks compute in float32
            for name in ("text_encoder", "text_encoder_2"):
                if getattr(pipe, name, None) is not None:
                    compute_blocks_in_float32(getattr(pipe, name))
            for name in ("transformer", "connectors"):  # what takes the encoder's output (LTX-2: its text connectors)
                if getattr(pipe, name, None) is not None:
                    take_float32(getattr(pipe, name))
    except torch.OutOfMemoryError as exc:
        del pipe
        release_memory()
        raise OutOfMemoryError(
            f"{spec.id} ran out of memory while loading ({plan.strategy}). Close other GPU programs, or choose "
            "fewer frames or a smaller size so that a lighter placement is planned."
        ) from exc
    except BaseException:
        del pipe
        release_memory()
        raise
    return DiffusersGenerator(spec, pipe, device, plan, folder)


def _share(pipeline_cls: Any, pipe: Any) -> Any:
    """``pipeline_cls`` over ``pipe``'s components as they are, placed and in their dtypes.

    Not ``from_pipe``: it casts every shared component to one dtype, float32 unless told otherwise,
    which would double the weights in memory (the other pipeline's too: they are the same modules)
    and lose Wan's float32 VAE next to a bfloat16 transformer.
    """
    accepted = inspect.signature(pipeline_cls.__init__).parameters
    kwargs = {name: module for name, module in pipe.components.items() if name in accepted}
    kwargs |= {name: pipe.config[name] for name in accepted if name not in kwargs and name in pipe.config}
    return pipeline_cls(**kwargs)


def _assemble(pipeline_cls: Any, folder: Path, dtypes: dict[str, Any], variant: str | None, classes: dict[str, str]) -> Any:
    """The pipeline built component by component: ``classes`` gives the diffusers class of some
    components, whatever the folder's configs name; ``model_index.json`` gives the others'.

    ``from_pretrained`` checks every component against the class its ``model_index.json`` names,
    even one passed in, so a repo that names classes diffusers cannot import is assembled here.
    """
    import diffusers
    import transformers

    index = json.loads((folder / "model_index.json").read_text())
    components = {}
    for name, entry in index.items():
        if name.startswith("_") or not hub.is_component(entry):
            continue
        library, class_name = ("diffusers", classes[name]) if name in classes else entry
        cls = getattr(diffusers if library == "diffusers" else transformers, class_name)
        dtype = dtypes.get(name, dtypes["default"])
        if name.startswith("tokenizer"):
            components[name] = cls.from_pretrained(str(folder / name))
        elif isinstance(cls, type) and issubclass(cls, diffusers.SchedulerMixin):
            components[name] = cls.from_config(cls.load_config(str(folder), subfolder=name))
        elif library == "diffusers":
            components[name] = cls.from_pretrained(str(folder), subfolder=name, dtype=dtype, use_safetensors=True,
                                                   local_files_only=True, variant=variant)
        else:
            components[name] = cls.from_pretrained(str(folder / name), dtype=dtype, use_safetensors=True,
                                                   local_files_only=True, variant=variant)
    return pipeline_cls(**components)


def to_uint8(video: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) floats in [0, 1] -> uint8."""
    return (np.clip(video, 0.0, 1.0) * 255.0).round().astype(np.uint8)
