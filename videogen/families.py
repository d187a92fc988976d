"""The architecture families: for each, which library class runs it for which task, and what shapes it takes.

:data:`FAMILIES` is re-exported by :mod:`videogen.registry` (the model table), where a
:class:`~videogen.registry.ModelSpec` names its family; a family is also what an unlisted repo or folder
is recognised as, by its ``model_index.json``'s ``_class_name`` or ``config.json``'s ``architectures``
(:func:`videogen.registry.family_from_config`).

The sound family ``stable-audio`` (text to audio) has a task of its own (``t2a``), kept out of the registry's
``TASKS``. ``ltx2`` (LTX-2) makes a clip and its sound together (``joint_audio``): it is a text-to-video and
image-to-video family like the others, whose pipelines return the sound beside the frames (``t2av`` names the
same pipeline for the sound tasks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Family:
    """An architecture family and the classes that run it."""

    name: str
    library: Literal["diffusers", "transformers", "videogen", "spandrel", "opencv", "kokoro"]
    config_classes: tuple[str, ...]  # `_class_name` / `architectures` values that identify it
    pipelines: dict[str, str]  # task -> class name in `library`
    frame_step: int = 1  # valid frame counts are frame_step * k + 1 (1: any count)
    size_multiple: int = 1  # height and width must be multiples of this
    zero_shot: bool = False  # classifier that takes free-text labels
    float32_components: tuple[str, ...] = ()  # components the family's docs run in float32 (Wan's VAE)
    cfg_batched: bool = False  # guidance runs the conditional and unconditional passes as one batch of 2
    joint_audio: bool = False  # the pipeline makes the clip's sound with its frames (its output's ``audio``)
    min_side: int = 0  # the smallest height or width it decodes (0: its size_multiple)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            name="wan",
            library="diffusers",
            config_classes=("WanPipeline", "WanImageToVideoPipeline", "WanVideoToVideoPipeline"),
            pipelines={"t2v": "WanPipeline", "i2v": "WanImageToVideoPipeline", "restyle": "WanVideoToVideoPipeline"},
            frame_step=4,
            size_multiple=16,
            float32_components=("vae", "image_encoder"),  # WanPipeline / WanImageToVideoPipeline docstrings
        ),
        Family(
            name="ltx",
            library="diffusers",
            config_classes=("LTXPipeline", "LTXImageToVideoPipeline", "LTXConditionPipeline"),
            pipelines={"t2v": "LTXPipeline", "i2v": "LTXImageToVideoPipeline"},
            frame_step=8,
            size_multiple=32,
            cfg_batched=True,  # LTXPipeline concatenates [uncond, cond]
        ),
        Family(
            name="anyflow",  # Wan 2.1 distilled into a flow map: any step count, guidance folded into the weights
            library="diffusers",
            config_classes=("AnyFlowPipeline", "WanAnyFlowPipeline"),  # the second: NVlabs' name, still in the Hub repos
            pipelines={"t2v": "AnyFlowPipeline"},
            frame_step=4,
            size_multiple=16,
            cfg_batched=True,  # AnyFlowPipeline concatenates [uncond, cond] when guidance > 1
        ),
        Family(
            name="procedural",
            library="videogen",
            config_classes=("ShapesProceduralPipeline",),
            pipelines={"t2v": "ShapesProceduralPipeline"},
            size_multiple=2,
        ),
        Family(
            name="shapes-t2v",
            library="videogen",
            config_classes=("ShapesTextToVideoPipeline",),
            pipelines={"t2v": "ShapesTextToVideoPipeline"},
            size_multiple=2,
        ),
        Family(
            name="shapes-i2v",
            library="videogen",
            config_classes=("ShapesImageToVideoModel",),
            pipelines={"i2v": "ShapesImageToVideoModel"},
            size_multiple=2,
        ),
        Family(
            name="shapes-action",
            library="videogen",
            config_classes=("ShapesActionModel",),
            pipelines={"classify": "ShapesActionModel"},
        ),
        Family(
            name="videomae",
            library="transformers",
            config_classes=("VideoMAEForVideoClassification",),
            pipelines={"classify": "VideoMAEForVideoClassification"},
        ),
        Family(
            name="xclip",
            library="transformers",
            config_classes=("XCLIPModel",),
            pipelines={"classify": "XCLIPModel"},
            zero_shot=True,
        ),
        # ---- edit models: one weights file each (or none), no config document to recognise them by ----
        Family(name="dis-flow", library="opencv", config_classes=(), pipelines={"interpolate": "DISOpticalFlow"}),
        Family(name="rife", library="videogen", config_classes=(), pipelines={"interpolate": "IFNet"}, size_multiple=32),
        Family(name="spandrel", library="spandrel", config_classes=(), pipelines={"upscale": "ModelLoader"}),
        Family(name="videogen-sr", library="videogen", config_classes=(), pipelines={"upscale": "videogen.embedded.upscaler"}),
        # ---- sound (videogen/models/sound_models.py): tasks t2a and t2av, outside the registry's TASKS ----
        Family(
            name="stable-audio",  # Stable Audio Open: T5-base, a DiT over the Oobleck VAE's latents, 44.1 kHz stereo
            library="diffusers",
            config_classes=("StableAudioPipeline",),
            pipelines={"t2a": "StableAudioPipeline"},
            cfg_batched=True,  # StableAudioPipeline concatenates [uncond, cond]
        ),
        Family(
            name="ltx2",  # LTX-2: one transformer denoising the video and the audio latents together
            library="diffusers",
            config_classes=("LTX2Pipeline", "LTX2ImageToVideoPipeline"),
            pipelines={"t2v": "LTX2Pipeline", "i2v": "LTX2ImageToVideoPipeline", "t2av": "LTX2Pipeline"},
            frame_step=8,  # the video VAE: 8x in time, 32x in space (a patch of 1)
            size_multiple=32,
            cfg_batched=True,  # LTX2Pipeline concatenates [uncond, cond] when guidance > 1
            joint_audio=True,  # frames and a 24 kHz stereo waveform from its vocoder (LTX2PipelineOutput.audio)
            min_side=64,  # its video VAE's decoder pads by reflection: a latent side of 1 (32 px) cannot be decoded
        ),
        # speech (videogen/models/voices.py): the kokoro package's KModel over misaki's phonemes, 24 kHz mono
        Family(name="kokoro", library="kokoro", config_classes=(), pipelines={"tts": "KModel"}),
    )
}
