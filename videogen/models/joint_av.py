"""Joint audio-video generators (issue 19): a diffusers pipeline that makes a clip's sound with its frames.

LTX-2 (family ``ltx2``: diffusers' ``LTX2Pipeline`` and ``LTX2ImageToVideoPipeline``) denoises the video latents
and the audio latents in one transformer, then decodes the frames with its video VAE and the sound with its audio
VAE (a mel spectrogram) and its vocoder: a stereo waveform at ``vocoder.config.output_sampling_rate`` (24 kHz for
LTX-2), as long as the picture to within an audio latent (40 ms). :func:`ltx2_kwargs` says how this app runs it;
:func:`made_sound` turns the pipeline's ``audio`` into a :class:`videogen.media.Audio` exactly as long as the
clip's frames, so that the MP4's AAC track ends with the picture.

The pipeline's defaults are the full (SFT) models' recipe: classifier-free guidance on the sound at 7 whatever
``guidance_scale`` says, spatio-temporal guidance and modality isolation guidance on, each one more transformer
pass a step. Here the one Guidance setting guides both modalities, and the two extra guidances stay off: the
distilled checkpoint was trained without them (its recipe: 8 steps, the distilled sigmas, guidance 1.0, nothing
else), and the memory plan and the time estimate count one pass a step, two with guidance.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from videogen.registry import ModelSpec
from videogen.sizing.tokens import TEXT_TOKENS

if TYPE_CHECKING:
    from videogen.media import Audio

logger = logging.getLogger(__name__)

# The distilled checkpoint's sigma schedule (diffusers.pipelines.ltx2.utils.DISTILLED_SIGMA_VALUES, from Lightricks'
# ltx-pipelines), run when a distilled model is asked for its own step count.
DISTILLED_STEPS = 8


def is_distilled(spec: ModelSpec) -> bool:
    """A registry entry whose guidance was distilled into its weights (its default guidance is 1: none)."""
    return spec.defaults.guidance <= 1.0


def ltx2_kwargs(pipe: Any, spec: ModelSpec, params: Any) -> dict[str, Any]:
    """LTX2Pipeline's call arguments for ``params`` (``frames``, ``fps``, ``steps``, ``guidance``)."""
    guidance = float(params.guidance)
    kwargs: dict[str, Any] = {
        "frame_rate": float(params.fps),  # its positional encoding, and the sound's length (frames / frame_rate)
        "max_sequence_length": TEXT_TOKENS["ltx2"],  # Gemma pads every prompt to 1024 tokens
        # one Guidance for both modalities; no spatio-temporal or modality-isolation passes (see the module docstring)
        "audio_guidance_scale": guidance, "guidance_rescale": 0.0, "audio_guidance_rescale": 0.0,
        "stg_scale": 0.0, "audio_stg_scale": 0.0, "modality_scale": 1.0, "audio_modality_scale": 1.0,
        "enable_prompt_enhancement": False,
    }
    transformer = getattr(pipe, "transformer", None)
    if transformer is not None:
        config = transformer.config
        # diffusers: use_cross_timestep=True is LTX-2.3's behaviour, False LTX-2.0's; 2.3's transformer is the one
        # with prompt modulation (cross_attn_mod)
        kwargs["use_cross_timestep"] = bool(config.get("cross_attn_mod") or config.get("audio_cross_attn_mod"))
    if is_distilled(spec) and params.steps == DISTILLED_STEPS:
        from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES

        kwargs["sigmas"] = list(DISTILLED_SIGMA_VALUES)
    vae = getattr(pipe, "vae", None)
    if vae is not None and getattr(vae.config, "timestep_conditioning", False):
        kwargs.update(decode_timestep=0.05, decode_noise_scale=0.025)  # as LTX-Video's timestep-aware VAEs
    return kwargs


def sound_rate(pipe: Any) -> int:
    """The samples a second of the pipeline's sound (LTX-2's vocoder: 24000)."""
    return int(pipe.vocoder.config.output_sampling_rate)


def made_sound(pipe: Any, audio: Any, frames: int, fps: float) -> Audio:
    """The pipeline's ``audio`` output (a (batch, channels, n) tensor) as the clip's :class:`~videogen.media.Audio`:
    float32 samples in [-1, 1], cut or padded with silence to ``frames / fps`` seconds (the pipeline's waveform is
    as long as its audio latents, 25 a second for LTX-2: up to 20 ms off the picture)."""
    import torch

    from videogen.media.audio import Audio, fit

    tensor = audio[0] if isinstance(audio, (list, tuple)) or getattr(audio, "ndim", 0) == 3 else audio  # one clip
    if isinstance(tensor, torch.Tensor):
        tensor = tensor.detach().float().cpu().numpy()
    samples = np.clip(np.nan_to_num(np.asarray(tensor, dtype=np.float32)), -1.0, 1.0)
    made = Audio(samples, sound_rate(pipe))
    if abs(made.duration_s - frames / fps) > 1.5 / fps:
        logger.warning("the pipeline's sound is %.3f s for a %.3f s picture: fitted to the picture",
                       made.duration_s, frames / fps)
    return fit(made, frames / fps)


def sound_summary(spec: ModelSpec, audio: Audio) -> dict[str, Any]:
    """The clip's ``audio`` object (the keys of "Add sound"'s: ``codec``, ``sample_rate`` as the AAC track has
    it, ``channels``, ``duration_s``, ``source``): the sound the model made with the picture."""
    from videogen.media.audio import aac_rate

    return {"codec": "aac", "sample_rate": aac_rate(audio.rate), "channels": audio.channels,
            "duration_s": round(audio.duration_s, 3), "source": f"{spec.public_id} (made with the picture)"}
