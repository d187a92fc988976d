"""The models videogen knows by name, and how to recognise any other model.

``MODELS`` is a literal table: read it top to bottom to see every model the app offers, where its
weights come from, its license, and the parameters it is run with by default. ``FAMILIES`` says, for
each architecture family, which library class loads it for which task and what shapes it accepts.

Any other Hub repo id or local folder works too when its family is recognised: diffusers repos are
recognised by ``model_index.json``'s ``_class_name``, transformers repos by ``config.json``'s
``architectures`` (see :func:`family_from_config`).

``EDIT_MODELS``: the same for an edit's interpolators and upscalers (one weights file each, or none),
with tasks of their own (``EDIT_TASKS``) kept out of ``MODELS`` and ``TASKS``, so that what lists
those (the tabs' dropdowns, ``videogen models``) is unchanged; :func:`models_for` and :func:`find` take both.
``SOUND_MODELS``: sound made for a clip (``t2a``; a clip with its sound, ``t2av``; speech, ``tts``), apart in the
same way and found by :func:`find_sound_model`. The families themselves are in :mod:`videogen.families`, re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from videogen.errors import ModelNotFoundError, UnsupportedModelError
from videogen.families import FAMILIES, Family

__all__ = [  # Family and FAMILIES: videogen.families's, re-exported (every `from videogen.registry import` keeps working)
    "EDIT_MODELS", "EDIT_TASKS", "FAMILIES", "MODELS", "RESTYLE_MODELS", "SOUND_MODELS", "SOUND_TASKS", "TASKS",
    "TASK_NAMES", "WEIGHTS_DIR", "Defaults", "EditTask", "Family", "ModelSpec", "SoundTask", "Task", "family_from_config",
    "find", "find_edit_model", "find_sound_model", "models_for", "spec_for_unlisted", "unknown_model_error",
]

Task = Literal["t2v", "i2v", "classify"]
TASKS: tuple[Task, ...] = ("t2v", "i2v", "classify")
EditTask = Literal["interpolate", "upscale", "restyle"]  # the operations of an edit that a model does
EDIT_TASKS: tuple[EditTask, ...] = ("interpolate", "upscale")  # restyle: RESTYLE_MODELS, not yet an edit option
SoundTask = Literal["t2a", "t2av", "tts"]  # sound for a clip; a clip with its sound; speech (SOUND_MODELS)
SOUND_TASKS: tuple[SoundTask, ...] = ("t2a", "t2av", "tts")
TASK_NAMES = {"t2v": "text to video", "i2v": "image to video", "classify": "action recognition",
              "interpolate": "frame interpolation", "upscale": "upscaling", "restyle": "restyling",
              "t2a": "text to audio", "t2av": "text to video with sound", "tts": "text to speech"}


def _weights_dir() -> Path:
    """The small models shipped with the app: weights/ next to the package in a checkout, or
    videogen/weights/ inside it once installed (``pip install .``, see pyproject.toml)."""
    package = Path(__file__).resolve().parent
    installed = package / "weights"
    return installed if installed.is_dir() else package.parent / "weights"


WEIGHTS_DIR = _weights_dir()


@dataclass(frozen=True)
class Defaults:
    """Default generation parameters (``frames`` is also the classifier's input length)."""

    frames: int
    height: int = 0
    width: int = 0
    fps: float = 8.0
    steps: int = 0
    guidance: float = 0.0
    strength: float = 0.0  # restyling: the share of the denoising schedule run again over the clip (0-1)
    duration_s: float = 0.0  # sound: the longest the model makes in one run (its pipeline's default length)


@dataclass(frozen=True)
class ModelSpec:
    """One runnable (model, task) pair."""

    id: str
    task: Task | EditTask | SoundTask
    family: str
    repo_id: str  # Hub repo id, or an absolute folder path for local models
    revision: str = "main"  # a 40-hex commit pins the files; a branch name floats
    license: str = "unknown"
    download_gb: float = 0.0  # size of the files fetched
    # (pipeline component, parameter count) counted on the published configs (videogen/published/,
    # checked by tests/test_components.py); the memory plan sizes the model from these
    components: tuple[tuple[str, int], ...] = ()
    defaults: Defaults = field(default_factory=lambda: Defaults(frames=16))
    description: str = ""
    local: bool = False  # repo_id is a folder on disk: nothing to download
    reference: bool = False  # a non-learned reference: chosen by name only, never the default
    size_multiple: int = 0  # overrides the family's when non-zero
    # On a CPU: the settings the page fills in when this model is chosen (a short clip that finishes
    # there in minutes, not hours); None: the model's defaults
    cpu_preset: Defaults | None = None
    # Edit models: the one weights file in repo_id (a Hub repo, or a folder when local) that the model
    # loads; "" for a model without weights (dis-flow) or one that reads its folder (videogen-sr)
    file: str = ""
    scale: int = 0  # an upscaler's factor (0: read from its weights)

    @property
    def family_info(self) -> Family:
        return FAMILIES[self.family]

    @property
    def library(self) -> str:
        return self.family_info.library

    @property
    def pipeline_class(self) -> str:
        return self.family_info.pipelines[self.task]

    @property
    def size_step(self) -> int:
        return self.size_multiple or self.family_info.size_multiple

    @property
    def non_commercial(self) -> bool:
        return "nc" in self.license.lower().split("-")

    @property
    def public_id(self) -> str:
        """The name to record in files that leave this machine: the registry or Hub id, or a
        folder's name (never its path)."""
        return Path(self.repo_id).name if self.local and self.id == self.repo_id else self.id


# Component sizes, counted on the published configs (videogen/published/*.json). For Wan 2.1 1.3B the
# published safetensors (fp32) agree with these counts to 0.005 %: 22,723,671,744 + 5,676,070,648 +
# 507,591,892 bytes at revision WAN21_1_3B_REVISION.
WAN21_1_3B_REVISION = "0fad780a534b6463e45facd96134c9f345acfa5b"
WAN21_1_3B = (("text_encoder", 5_680_910_336), ("transformer", 1_418_996_800), ("vae", 126_892_531))
LTX_VIDEO_2B = (("text_encoder", 4_762_310_656), ("transformer", 1_923_385_472), ("vae", 419_193_649))
WAN22_TI2V_5B = (("text_encoder", 5_680_910_336), ("transformer", 4_999_787_712), ("vae", 704_688_668))
# AnyFlow 1.3B: Wan 2.1 1.3B's UMT5-XXL and VAE, and its transformer with AnyFlow's dual-timestep embedder.
ANYFLOW_1_3B = (("text_encoder", 5_680_910_336), ("transformer", 1_421_752_384), ("vae", 126_892_531))
# Not published in a source we could read here: estimated as the parameters stored in fp32 (an upper bound).
LTX_DOWNLOAD_GB = round(sum(n for _, n in LTX_VIDEO_2B) * 4 / 1e9, 1)
WAN22_DOWNLOAD_GB = round(sum(n for _, n in WAN22_TI2V_5B) * 4 / 1e9, 1)
# NVlabs' conversion script saves the transformer in bfloat16 and Wan 2.1's text encoder and VAE as loaded
# (float32): the same files as Wan 2.1 1.3B's plus 2 bytes per transformer parameter. Not read from the Hub.
ANYFLOW_DOWNLOAD_GB = round((22_723_671_744 + 507_591_892 + 2 * 1_421_752_384) / 1e9, 1)

# LTX-2 19B (Lightricks, issue 19): picture and sound from one transformer (LTX2Pipeline). The distilled
# checkpoint in diffusers' format, as diffusers' LTX-2 docs load it ("Distilled checkpoint generation"); Lightricks/LTX-2
# holds the dev model's diffusers folders and the distilled one only as a single file. Not verified here (no Hub): the
# repo's current files, revision, storage dtype and license text. Counted on LTX-2's published configs (videogen/published/):
# Gemma 3 12B 12.19 B (its SigLIP tower included), the text connectors 1.43 B, the audio-video transformer 18.88 B, the
# video VAE 1.22 B, the audio VAE 53 M, the vocoder 56 M (24 kHz stereo).
LTX2_REPO = "rootonchair/LTX-2-19b-distilled"
LTX2_19B = (("text_encoder", 12_187_325_040), ("connectors", 1_431_475_200), ("transformer", 18_876_174_592),
            ("vae", 1_222_479_601), ("audio_vae", 53_248_146), ("vocoder", 55_592_802))
LTX2_DOWNLOAD_GB = round(sum(n for _, n in LTX2_19B) * 2 / 1e9, 1)  # bfloat16, as diffusers' conversion saves it (≈)
# The LTX-2 Community License: commercial use free only below the revenue threshold it sets; not non-commercial.
LTX2_LICENSE = "ltx-2-community-license (free commercial use only below its revenue threshold; read the model card)"
# The distilled checkpoint's recipe (diffusers' docs; DISTILLED_SIGMA_VALUES in diffusers.pipelines.ltx2.utils: 8
# sigmas): 8 steps, guidance 1.0 (no second pass), 121 frames of 768x512 at 24 fps (5 s with its sound).
LTX2_DEFAULTS = Defaults(frames=121, height=512, width=768, fps=24, steps=8, guidance=1.0)
LTX2_CPU_PRESET = Defaults(frames=25, height=256, width=384, fps=24, steps=8, guidance=1.0)

# CPU presets: one second of video at 384x256 (each family's frame and size grid), fewer steps
LTX_CPU_PRESET = Defaults(frames=25, height=256, width=384, fps=24, steps=20, guidance=3.0)
WAN22_CPU_PRESET = Defaults(frames=25, height=256, width=384, fps=24, steps=20, guidance=5.0)

# fmt: off
MODELS: tuple[ModelSpec, ...] = (
    # ---- text to video -------------------------------------------------------------------------
    ModelSpec(
        id="wan2.1-t2v-1.3b", task="t2v", family="wan",
        repo_id="Wan-AI/Wan2.1-T2V-1.3B-Diffusers", revision=WAN21_1_3B_REVISION, license="apache-2.0",
        download_gb=28.9, components=WAN21_1_3B,
        defaults=Defaults(frames=81, height=480, width=832, fps=16, steps=50, guidance=5.0),
        cpu_preset=Defaults(frames=17, height=256, width=384, fps=16, steps=20, guidance=5.0),
        description="Wan 2.1 text-to-video, 1.3B parameters, 480p",
    ),
    ModelSpec(
        id="ltx-video", task="t2v", family="ltx",
        repo_id="Lightricks/LTX-Video", license="ltx-video open weights (see model card)",
        download_gb=LTX_DOWNLOAD_GB, components=LTX_VIDEO_2B,
        defaults=Defaults(frames=161, height=480, width=704, fps=24, steps=50, guidance=3.0),
        cpu_preset=LTX_CPU_PRESET,
        description="LTX-Video 2B, fast text-to-video at 24 fps",
    ),
    ModelSpec(
        id="anyflow-wan2.1-t2v-1.3b", task="t2v", family="anyflow",
        repo_id="nvidia/AnyFlow-Wan2.1-T2V-1.3B-Diffusers", license="other (NVIDIA; read the model card)",
        download_gb=ANYFLOW_DOWNLOAD_GB, components=ANYFLOW_1_3B,
        # AnyFlow's docs and NVlabs' demo: 4 steps, guidance 1.0 (folded into the weights), 16 fps, 480x832
        defaults=Defaults(frames=81, height=480, width=832, fps=16, steps=4, guidance=1.0),
        cpu_preset=Defaults(frames=17, height=256, width=384, fps=16, steps=4, guidance=1.0),
        description="AnyFlow Wan 2.1 1.3B, distilled to 4 steps: the fastest on a CPU",
    ),
    ModelSpec(
        id="wan2.2-ti2v-5b", task="t2v", family="wan",
        repo_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers", license="apache-2.0",
        download_gb=WAN22_DOWNLOAD_GB, components=WAN22_TI2V_5B, size_multiple=32,
        defaults=Defaults(frames=121, height=704, width=1280, fps=24, steps=50, guidance=5.0),
        cpu_preset=WAN22_CPU_PRESET,
        description="Wan 2.2 text+image-to-video, 5B parameters, 720p",
    ),
    ModelSpec(
        id="ltx-2-19b-distilled", task="t2v", family="ltx2", repo_id=LTX2_REPO, license=LTX2_LICENSE,
        download_gb=LTX2_DOWNLOAD_GB, components=LTX2_19B, defaults=LTX2_DEFAULTS, cpu_preset=LTX2_CPU_PRESET,
        description="LTX-2 19B distilled (8 steps): the clip and its sound made together, 24 fps",
    ),
    # ---- image to video ------------------------------------------------------------------------
    ModelSpec(
        id="ltx-video", task="i2v", family="ltx",
        repo_id="Lightricks/LTX-Video", license="ltx-video open weights (see model card)",
        download_gb=LTX_DOWNLOAD_GB, components=LTX_VIDEO_2B,
        defaults=Defaults(frames=161, height=480, width=704, fps=24, steps=50, guidance=3.0),
        cpu_preset=LTX_CPU_PRESET,
        description="LTX-Video 2B animating a still image",
    ),
    ModelSpec(
        id="wan2.2-ti2v-5b", task="i2v", family="wan",
        repo_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers", license="apache-2.0",
        download_gb=WAN22_DOWNLOAD_GB, components=WAN22_TI2V_5B, size_multiple=32,
        defaults=Defaults(frames=121, height=704, width=1280, fps=24, steps=50, guidance=5.0),
        cpu_preset=WAN22_CPU_PRESET,
        description="Wan 2.2 TI2V 5B animating a still image, 720p",
    ),
    ModelSpec(
        id="ltx-2-19b-distilled", task="i2v", family="ltx2", repo_id=LTX2_REPO, license=LTX2_LICENSE,
        download_gb=LTX2_DOWNLOAD_GB, components=LTX2_19B, defaults=LTX2_DEFAULTS, cpu_preset=LTX2_CPU_PRESET,
        description="LTX-2 19B distilled animating a still image, with the clip's sound",
    ),
    # ---- action recognition --------------------------------------------------------------------
    # X-CLIP fine-tuned on Kinetics-400 (8 frames of 224x224; text 12 layers x 512, vision ViT-B 12 x 768,
    # 1-layer MIT, projection 512). One model for the 400 Kinetics actions and for labels the user types.
    # download_gb: parameters x 4 bytes (fp32 safetensors), counted on the published configs:
    # 196.6M (base/32) and 194.9M (base/16) parameters; see benchmarks/xclip_cpu.py.
    ModelSpec(
        id="xclip-base-32", task="classify", family="xclip",
        repo_id="microsoft/xclip-base-patch32", license="mit",
        download_gb=0.79, defaults=Defaults(frames=8),
        description="X-CLIP base/32 (Kinetics-400 top-1 80.4%): Kinetics-400 actions by default, or your own labels; "
                    "the default on CPU",
    ),
    ModelSpec(
        id="xclip-base-16", task="classify", family="xclip",
        repo_id="microsoft/xclip-base-patch16", license="mit",
        download_gb=0.78, defaults=Defaults(frames=8),
        description="X-CLIP base/16 (Kinetics-400 top-1 83.8%): Kinetics-400 actions by default, or your own labels; "
                    "the default on GPU",
    ),
    ModelSpec(
        id="videomae-base-k400", task="classify", family="videomae",
        repo_id="MCG-NJU/videomae-base-finetuned-kinetics", license="cc-by-nc-4.0",
        download_gb=0.35, defaults=Defaults(frames=16),
        description="VideoMAE base fine-tuned on Kinetics-400 (400 human actions); non-commercial",
    ),
    # ---- shipped in weights/: the offline "shapes world" (issue 3) ------------------------------
    ModelSpec(
        id="procedural", task="t2v", family="procedural",
        repo_id=str(WEIGHTS_DIR / "shapes-procedural"), license="apache-2.0", local=True, reference=True,
        defaults=Defaults(frames=16, height=128, width=128, fps=8, steps=1, guidance=0.0),
        description="The shapes world's procedural renderer: the exact, non-learned reference for the demo models",
    ),
    ModelSpec(
        id="shapes-t2v", task="t2v", family="shapes-t2v",
        repo_id=str(WEIGHTS_DIR / "shapes-t2v"), license="apache-2.0", local=True,
        defaults=Defaults(frames=16, height=128, width=128, fps=8, steps=1, guidance=0.0),
        description="Small demo model of the shapes world: draws one shape making one of nine motions",
    ),
    ModelSpec(
        id="shapes-i2v", task="i2v", family="shapes-i2v",
        repo_id=str(WEIGHTS_DIR / "shapes-i2v"), license="apache-2.0", local=True,
        defaults=Defaults(frames=16, height=128, width=128, fps=8, steps=1, guidance=0.0),
        description="Small demo model of the shapes world: moves the shape in your image as the prompt says",
    ),
    ModelSpec(
        id="shapes-action", task="classify", family="shapes-action",
        repo_id=str(WEIGHTS_DIR / "shapes-action"), license="apache-2.0", local=True,
        defaults=Defaults(frames=16),
        description="Small demo model of the shapes world: which of nine motions a shape makes",
    ),
)

# RIFE 4.13.2 (hzwer/Practical-RIFE, MIT; the official weights are a Google Drive zip) as imaginAIry (MIT) publishes
# it in safetensors with the IFNet's key names, downloaded at this commit by its rife/interpolate.py.
RIFE_REPO, RIFE_REVISION = "imaginairy/rife-interpolation", "26442e52cc30b88c5cb490702647b8de9aaee8a7"
RIFE_FILE = "rife-flownet-4.13.2.safetensors"
# Real-ESRGAN (xinntao, BSD-3-Clause) as ai-forever's RealESRGAN package downloads it: RRDBNet 23x64, basicsr key
# names, pickled state dicts (read with torch's weights-only unpickler, never run as code).
REALESRGAN_REPO = "ai-forever/Real-ESRGAN"

# Per operation, the offline model first (the default). download_gb: parameters x 4 bytes, counted on the published
# configs (tests/test_edit_models.py): RIFE 4.13 5.36M (an upper bound: the file's dtype is not known here),
# Real-ESRGAN x2 and x4 16.7M each.
EDIT_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(id="dis-flow", task="interpolate", family="dis-flow", repo_id="opencv", license="apache-2.0", local=True,
              description="Optical flow both ways (OpenCV DIS) and occlusion-aware blending: offline, no weights, any CPU"),
    ModelSpec(id="rife-4.13", task="interpolate", family="rife", repo_id=RIFE_REPO, revision=RIFE_REVISION, file=RIFE_FILE,
              license="mit", download_gb=0.02,
              description="RIFE 4.13 (Practical-RIFE): learned intermediate flow, sharper motion than optical flow"),
    ModelSpec(id="videogen-sr", task="upscale", family="videogen-sr", repo_id=str(WEIGHTS_DIR / "upscale-x2"),
              license="apache-2.0", local=True, description="videogen's own small upscaler, shipped in weights/: offline, any CPU"),
    ModelSpec(id="realesrgan-x2", task="upscale", family="spandrel", repo_id=REALESRGAN_REPO, file="RealESRGAN_x2.pth",
              license="bsd-3-clause", download_gb=0.07, scale=2,
              description="Real-ESRGAN x2 (RRDBNet): restores detail in real photos and footage, twice the width and height"),
    ModelSpec(id="realesrgan-x4", task="upscale", family="spandrel", repo_id=REALESRGAN_REPO, file="RealESRGAN_x4.pth",
              license="bsd-3-clause", download_gb=0.07, scale=4,
              description="Real-ESRGAN x4 (RRDBNet): restores detail in real photos and footage, four times the width and height"),
)
RESTYLE_MODELS: tuple[ModelSpec, ...] = (  # restyling with a prompt (issue 18): videogen/models/video_to_video.py
    ModelSpec(id="wan2.1-v2v-1.3b", task="restyle", family="wan", repo_id="Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
              revision=WAN21_1_3B_REVISION, license="apache-2.0", download_gb=28.9, components=WAN21_1_3B,  # t2v's files
              defaults=Defaults(81, 480, 832, 16, 50, 5.0, 0.6), cpu_preset=Defaults(17, 256, 384, 16, 20, 5.0, 0.6),
              description="Wan 2.1 1.3B video to video: the clip redrawn as the prompt says, its motion kept"),)
# Stable Audio Open 1.0 (issue 19): gated on the Hub (accept its terms there, then set HF_TOKEN); the Stability AI
# Community License (license_name stable-audio-community, LICENSE.md). Counted on its published configs
# (videogen/published/): 1.32 B with the frozen T5-base; the DiT and the VAE, the parts trained, 1.21 B (the
# figure published). StableAudioPipeline's defaults: 100 steps, guidance 7, 47.55 s (1024 latents x 2048 / 44.1 kHz).
STABLE_AUDIO_OPEN = (("text_encoder", 109_628_544), ("projection_model", 396_544), ("transformer", 1_056_939_136),
                     ("vae", 156_112_514))
SOUND_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(id="stable-audio-open-1.0", task="t2a", family="stable-audio", repo_id="stabilityai/stable-audio-open-1.0",
              license="stability-ai-community (gated: accept the terms on the Hub)", components=STABLE_AUDIO_OPEN,
              download_gb=round(sum(n for _, n in STABLE_AUDIO_OPEN) * 4 / 1e9, 2),  # float32 safetensors
              defaults=Defaults(frames=0, steps=100, guidance=7.0, duration_s=47.55),
              description="Stable Audio Open 1.0: sound effects and music from a prompt, up to 47 s of 44.1 kHz stereo"),
    # Kokoro-82M (issue 19): the neural voices of narration (videogen/models/voices.py), ids MODEL:VOICE
    # (kokoro:af_heart); the weights file beside config.json and voices/VOICE.pt, as the kokoro package names
    # them (KModel.MODEL_NAMES). v1.0's file is 327 MB; v1.1-zh's, the same network, is taken to be as large.
    ModelSpec(id="kokoro", task="tts", family="kokoro", repo_id="hexgrad/Kokoro-82M", license="apache-2.0",
              file="kokoro-v1_0.pth", download_gb=0.33, defaults=Defaults(frames=0),
              description="Kokoro-82M v1.0: a neural voice, American and British English (af_heart, bm_george ...)"),
    ModelSpec(id="kokoro-zh", task="tts", family="kokoro", repo_id="hexgrad/Kokoro-82M-v1.1-zh", license="apache-2.0",
              file="kokoro-v1_1-zh.pth", download_gb=0.33, defaults=Defaults(frames=0),
              description="Kokoro-82M v1.1-zh: a neural voice, Mandarin Chinese (zf_001, zm_010 ...) and English"),
)
# fmt: on


def models_for(task: Task | EditTask) -> list[ModelSpec]:
    """The registry's models for one task (an edit task's from ``EDIT_MODELS`` or ``RESTYLE_MODELS``), in table order."""
    return [m for m in (MODELS if task in TASKS else EDIT_MODELS + RESTYLE_MODELS) if m.task == task]


def find(model_id: str, task: Task | EditTask) -> ModelSpec | None:
    """The registry entry with this id for this task, or None."""
    return next((spec for spec in models_for(task) if spec.id == model_id), None)


def find_edit_model(model_id: str) -> ModelSpec | None:
    """The edit model with this id, whatever its operation (edit model ids are unique), or None."""
    return next((m for m in EDIT_MODELS + RESTYLE_MODELS if m.id == model_id), None)


def find_sound_model(model_id: str) -> ModelSpec | None:
    """The sound model with this id (text to audio, or a clip with its sound), or None."""
    return next((m for m in SOUND_MODELS if m.id == model_id), None)


def family_from_config(config: dict, source: str) -> Family:
    """Recognise a family from a ``model_index.json`` or ``config.json`` document.

    Raises :class:`UnsupportedModelError` listing the supported families when none matches.
    """
    names = [config["_class_name"]] if "_class_name" in config else list(config.get("architectures") or [])
    for family in FAMILIES.values():
        if any(name in family.config_classes for name in names):
            return family
    supported = ", ".join(sorted({c for f in FAMILIES.values() for c in f.config_classes}))
    found = ", ".join(names) or "no _class_name or architectures entry"
    raise UnsupportedModelError(
        f"{source} is a {found} model, which videogen does not support. Supported: {supported}."
    )


def spec_for_unlisted(source: str, config: dict, task: Task, *, local: bool, revision: str = "main") -> ModelSpec:
    """A spec for a Hub repo or folder that is not in the table, from its config document."""
    family = family_from_config(config, source)
    if task not in family.pipelines:
        can = ", ".join(TASK_NAMES[t] for t in family.pipelines)
        raise UnsupportedModelError(
            f"{source} is a {family.name} model: it does {can}, not {TASK_NAMES[task]}."
        )
    template = next((m for m in MODELS + RESTYLE_MODELS if m.family == family.name and m.task == task), None)
    defaults = template.defaults if template else Defaults(frames=16)
    size_multiple = 32 if config.get("expand_timesteps") else 0  # Wan 2.2 TI2V: VAE x16, patch x2
    return replace(
        template or ModelSpec(id=source, task=task, family=family.name, repo_id=source),
        id=source, repo_id=source, revision=revision, local=local, defaults=defaults, components=(),
        license="see the model card" if not local else "see the folder's model card",
        description=f"{family.name} model from {'folder' if local else 'the Hub'}: {source}",
        size_multiple=size_multiple or (template.size_multiple if template else 0),
        download_gb=0.0 if local else (template.download_gb if template else 0.0),
    )


def unknown_model_error(model_id: str, task: Task) -> ModelNotFoundError:
    known = ", ".join(sorted({m.id for m in models_for(task)}))
    return ModelNotFoundError(
        f"Unknown model {model_id!r} for {TASK_NAMES[task]}. Use one of: {known}; "
        "or a Hub repo id (org/name), or a local folder."
    )
