"""The Python API that the app and the CLI both call.

>>> import videogen
>>> result = videogen.text_to_video("a red circle moving left", seed=1, output="clip.mp4")
>>> result.path, result.timings
>>> videogen.classify("clip.mp4").predictions[0]

Generation settings are the fields of :class:`~videogen.generate.common.GenerationRequest` (the
CLI's option names), given as keywords or as one request object; unset ones take the model's
defaults:

>>> request = videogen.GenerationRequest("a red circle moving left", model="shapes-t2v", frames=24)
>>> videogen.text_to_video(request, output="clip.mp4")

The module-level functions use one :class:`Engine` created on first use (models loaded on first request
and kept); ``Engine(device="cpu")`` controls the device. Every file written is signed (Content Credentials).
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from videogen import hub
from videogen.config import load_settings
from videogen.device import DeviceChoice, pick_device
from videogen.hub import ProgressFn
from videogen.models import ModelCache, resolve, task_of
from videogen.models.edit_models import EditModelCache
from videogen.params import ANSWER
from videogen.values import check_choice, number, whole
from videogen.recognize.classify import ClassificationResult, answer_from_windows, run_classification
from videogen.edit.models import check_cpu_restyler, check_cpu_upscaler, edit_models_named
from videogen.compose import ComposeResult, run_compose
from videogen.compose.add_sound import with_sound
from videogen.compose.options import compose_options, sound_options
from videogen.edit.recipe import EditOptions, EditResult, run_edit
from videogen.generate.common import GenerationRequest, VideoResult, output_path, resolve_params, smaller_than_photo
from videogen.generate.image_to_video import load_image, run_image_to_video
from videogen.generate.text_to_video import run_text_to_video
from videogen.recognize.timeline import TimelineResult, longer_than_a_window, run_timeline
from videogen.errors import InvalidInputError, ModelNotFoundError, VideogenError
from videogen.api_plan import plan
from videogen.api_sound import sound_tools
from videogen.models.sound_models import SoundModelCache
from videogen.provenance import take_marks
from videogen.provenance.outputs import sign_clip, sign_composition, sign_edit
from videogen.serving.caps import Policy
from videogen.serving.checks import check_request, check_text_length, check_texts, limit_decoders
from videogen.serving.files import check_image, check_video_file
from videogen.registry import EDIT_MODELS, MODELS, ModelSpec, Task, find_edit_model

__all__ = ["Engine", "ModelStatus", "classify", "compose", "default_engine", "download", "edit", "image_to_video",
           "list_models", "plan", "text_to_video"]


@dataclass(frozen=True)
class ModelStatus:
    """A registry entry plus whether its files are in the cache (the ``models`` command's row)."""

    spec: ModelSpec
    downloaded: bool

    def to_json(self) -> dict[str, Any]:
        s = self.spec
        return {"id": s.id, "task": s.task, "family": s.family, "repo_id": s.repo_id, "revision": s.revision,
                "license": s.license, "download_gb": s.download_gb, "components": dict(s.components),
                "defaults": vars(s.defaults), "description": s.description, "downloaded": self.downloaded,
                "embedded": s.local}


@contextmanager
def _as_model_error(model: Any) -> Iterator[None]:
    """What the user typed as a model, when looking it up fails below videogen (a name too long for a
    path, a folder's config that is not JSON): :class:`ModelNotFoundError` saying what a model can be."""
    try:
        yield
    except VideogenError:
        raise
    except (OSError, ValueError) as exc:
        shown = repr(str(model)) if len(str(model)) <= 80 else repr(str(model)[:60]) + "…"
        raise ModelNotFoundError(
            f"{shown} cannot be used as a model ({getattr(exc, 'strerror', None) or exc}). Give a listed model id, a Hub "
            "repo id (org/name) or a folder holding a model (model_index.json or config.json, and its weights)."
        ) from exc


class Engine:
    """A device, the models loaded on it, and the :class:`~videogen.serving.caps.Policy` that every request
    is checked against (default: :meth:`Policy.local`, a budget that keeps the machine up; the app
    passes :meth:`Policy.public` in public mode)."""

    def __init__(self, device: str | None = None, policy: Policy | None = None) -> None:
        settings = load_settings()
        self.device_choice: DeviceChoice = pick_device(device or settings.device)
        self.models = ModelCache(self.device_choice)
        self.edit_models = EditModelCache(self.device_choice.device)
        self.sound_models = SoundModelCache(self.device_choice)
        self.policy = policy or Policy.local()
        limit_decoders(self.policy)

    # -- lookups ---------------------------------------------------------------------------------

    def resolve(self, model: str | None, task: Task) -> ModelSpec:
        with _as_model_error(model):
            return resolve(model, task, cuda=self.device_choice.is_cuda, listed_only=not self.policy.allow_custom_models)

    def download(self, model: str, task: Task | None = None, progress: ProgressFn | None = None) -> Path:
        """Fetch a model's files ahead of time; returns the local folder (an edit model's: its file)."""
        edit_model = find_edit_model(model)
        if edit_model is not None and task is None:
            from videogen.models.edit_models import fetch_weights

            return fetch_weights(edit_model, progress) or Path(edit_model.repo_id)
        listed = [m for m in MODELS if m.id == model and task in (None, m.task)]
        if not listed and task is None:
            with _as_model_error(model):
                task = task_of(model)
        spec = listed[0] if listed else self.resolve(model, task)
        return hub.download(spec, progress)

    # -- tasks -----------------------------------------------------------------------------------

    def text_to_video(
        self,
        prompt: str | GenerationRequest,
        *,
        output: str | Path | None = None,
        output_dir: str | Path | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        **settings: Any,
    ) -> VideoResult:
        """Generate a clip from a prompt.

        ``settings`` are :class:`GenerationRequest`'s fields (``model``, ``negative_prompt``,
        ``frames``, ``height``, ``width``, ``steps``, ``guidance``, ``seed``, ``fps``); unset ones take
        the model's defaults, and seed None is random. Instead of a prompt, a whole
        :class:`GenerationRequest` may be given (keyword settings then replace its values). The clip
        goes to ``output``, or to a new file in ``output_dir`` (default ``VIDEOGEN_OUTPUT_DIR``).
        Sound: ``audio`` (a file, looped or cut to the clip, faded), ``narration`` (``voice``,
        ``subtitles``) are added to it; ``result.audio`` says what it has. ``label``: the visible
        "AI-generated" label; ``include_prompt`` (default on): the prompt in the signed credentials."""
        sound, marks = sound_options(self.policy, settings), take_marks(settings)
        request = GenerationRequest.of(prompt, settings)
        check_texts(self.policy, request)
        spec = self.resolve(request.model, "t2v")
        params = resolve_params(spec, request)
        check_request(self.policy, spec, params)
        tools = sound_tools(self.sound_models, sound, progress, cancel)
        result = run_text_to_video(
            self.models, spec, params, output=output, output_dir=Path(output_dir or load_settings().output_dir),
            progress=progress, cancel=cancel, label=marks.label,
        )
        return sign_clip(with_sound(result, sound, **tools), marks, music=sound.audio)  # signing: the last write

    def image_to_video(
        self,
        image: Any,
        prompt: str | GenerationRequest = "",
        *,
        output: str | Path | None = None,
        output_dir: str | Path | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        **settings: Any,
    ) -> VideoResult:
        """Animate an image (path, PIL image or array); ``settings`` as for :meth:`text_to_video`.

        Without height and width the clip follows the image: its aspect ratio at the model's default
        pixel count; with one of them, the other follows. An image over the policy's pixels is refused
        from its header, before it is decoded."""
        sound, marks = sound_options(self.policy, settings), take_marks(settings)
        request = GenerationRequest.of(prompt, settings)
        check_texts(self.policy, request)
        spec = self.resolve(request.model, "i2v")
        check_image(image, self.policy)
        picture = load_image(image)
        params = resolve_params(spec, request, image_size=picture.size)
        check_request(self.policy, spec, params)
        tools = sound_tools(self.sound_models, sound, progress, cancel)
        result = run_image_to_video(
            self.models, spec, picture, params, output=output, output_dir=Path(output_dir or load_settings().output_dir),
            progress=progress, cancel=cancel, label=marks.label,
        )
        followed = not (request.height and request.width)  # the size was the photo's shape, not asked for
        note = smaller_than_photo(spec, params, picture.size) if followed else None
        if note:
            result.warnings.append(note)
        return sign_clip(with_sound(result, sound, **tools), marks, image=image, music=sound.audio)

    def classify(
        self,
        video: str | Path,
        *,
        model: str | None = None,
        top_k: int = 5,
        labels: str | list[str] | None = None,
        timeline: bool = False,
        window_s: float | None = None,
        stride_s: float | None = None,
        answer: str = "sampled",
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> ClassificationResult:
        """The ``top_k`` most likely actions in a video; ``labels`` (X-CLIP only) replace the 400 Kinetics actions.

        With ``timeline``, a video longer than one window (``window_s``, default the model's clip
        length) also gets ``result.timeline``: the actions window by window (see :meth:`timeline`).
        ``answer`` says how the whole video's actions are read: ``"sampled"``, the model's frames
        sampled evenly over the whole video once, or ``"windows"``, the mean over the timeline's
        windows (a video longer than one window; it reads the whole file). ``result.answer`` and
        ``result.answer_from`` say which was used (the page, the HTTP API and the CLI share the default).
        """
        check_text_length(self.policy, "labels", labels)
        spec = self.resolve(model, "classify")
        check_video_file(video, self.policy)
        answer = check_choice(ANSWER, answer)
        result = run_classification(self.models, spec, video, top_k=top_k, labels=labels, progress=progress)
        if (timeline or answer == "windows") and longer_than_a_window(spec, video, window_s):
            windows = run_timeline(
                self.models, spec, video, window_s=window_s, stride_s=stride_s, top_k=top_k, labels=labels,
                progress=progress, cancel=cancel,
            )
            result.timeline = windows if timeline else None
            if answer == "windows":
                answer_from_windows(result, windows, int(top_k))
        elif answer == "windows":
            result.answer_from += " (no longer than one window: one sampling is its only reading)"
        return result

    def edit(
        self,
        inputs: str | Path | list[str | Path],
        *,
        output: str | Path | None = None,
        output_dir: str | Path | None = None,
        trim: str | None = None,
        speed: float | None = None,
        reverse: bool = False,
        loop: int | None = None,
        interpolate: int | None = None,
        upscale: int | None = None,
        style: str | None = None,
        prompt: str | None = None,
        strength: float | None = None,
        model: str | list[str] | None = None,
        label: bool | None = False, include_prompt: bool | None = True,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> EditResult:
        """Edit one video, or several joined (each fitted to the first): ``trim`` (``"START:END"``
        seconds), ``speed`` (0.25-4), ``reverse``, ``loop`` (a boomerang N times), ``interpolate`` (2 or
        4 times the frame rate), ``upscale`` (2 or 4 times the size), ``style`` (a look of ``edit
        --list``) or a ``prompt`` (video to video, ``strength`` 0-1), in that order; an H.264 MP4 (with
        the input's sound) at ``output``, or a new file in ``output_dir``. ``model``: registry ids
        ("rife-4.13,realesrgan-x4"), each for its operation; the defaults (dis-flow, videogen-sr,
        wan2.1-v2v-1.3b) for the rest. ``label``, ``include_prompt``: as for :meth:`text_to_video`; the file is signed."""
        paths = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
        if not paths:
            raise InvalidInputError("give at least one video to edit")
        for path in paths:
            check_video_file(path, self.policy)
        options = EditOptions(interpolate=whole("interpolate", interpolate), trim=trim, speed=number("speed", speed),
                              reverse=bool(reverse), loop=whole("loop", loop), upscale=whole("upscale", upscale),
                              style=style or None, prompt=(prompt or "").strip() or None,
                              strength=number("strength", strength), label=bool(label))
        check_text_length(self.policy, "prompt", options.prompt)
        options.check()
        named = edit_models_named(model, options, listed_only=not self.policy.allow_custom_models)
        if "upscale" in named and not self.device_choice.is_cuda:
            check_cpu_upscaler(named["upscale"], paths[0], options)
        if "restyle" in named and not self.device_choice.is_cuda:
            check_cpu_restyler(named["restyle"], paths[0], options, self.device_choice)
        stem = re.sub(r"[^\w-]+", "_", Path(paths[0]).stem)[:40] or "clip"
        path = output_path(output, Path(output_dir or load_settings().output_dir), "edit", stem)
        chosen = {task: self.edit_models.get(spec, progress) for task, spec in named.items()
                  if spec.family != "dis-flow" and task != "restyle"}
        interpolator, upscaler = chosen.get("interpolate"), chosen.get("upscale")  # None: the recipe's offline ones
        restyler = None
        if "restyle" in named:
            from videogen.models.video_to_video import load_video_to_video

            restyler = load_video_to_video(named["restyle"], self.device_choice, progress, models=self.models)
        return sign_edit(run_edit(paths, options, path, interpolator=interpolator, upscaler=upscaler,  # type: ignore[arg-type]
                                  restyler=restyler, max_frame_pixels=self.policy.max_frame_pixels, progress=progress,
                                  cancel=cancel), take_marks({"label": label, "include_prompt": include_prompt}))

    def compose(
        self,
        inputs: str | Path | list[str | Path] | None = None,
        *,
        output: str | Path | None = None,
        output_dir: str | Path | None = None,
        story: str | None = None,
        animate: bool = False,
        model: str | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        **settings: Any,
    ) -> ComposeResult:
        """Photos and clips (in order) into one video, with ``audio`` (its length is the video's;
        ``beat_sync`` cuts on its beats), ``narration`` (``voice``; ``subtitles`` soft, burn or none),
        ``seconds_per_image``, ``transition`` (cut, crossfade), ``width``, ``height``, ``fps``.
        ``animate``: each photo made a clip by the image-to-video ``model`` first. ``story``: a script
        of one line per scene instead of inputs; each line a clip of the text-to-video ``model``,
        narrated and subtitled. ``label``, ``include_prompt``: as for :meth:`text_to_video`."""
        from videogen.compose.shots import is_image
        from videogen.compose.story import ANIMATE_PROMPT, animated, scene_clips, story_lines

        paths = [inputs] if isinstance(inputs, (str, Path)) else [str(p) for p in inputs or []]
        for name in ("narration", "story"):
            check_text_length(self.policy, name, settings.get(name) if name != "story" else story)
        for path in paths:
            check_image(path, self.policy) if is_image(path) else check_video_file(path, self.policy)
        marks = take_marks(settings)
        options = replace(compose_options(settings), label=marks.label)
        tools = sound_tools(self.sound_models, options, progress, cancel)
        folder = Path(output_dir or load_settings().output_dir)
        path = output_path(output, folder, "compose", re.sub(r"[^\w-]+", "_", Path(paths[0]).stem)[:40] if paths else "story")
        with tempfile.TemporaryDirectory(prefix=".compose-", dir=path.parent) as scratch:
            if story:
                lines = story_lines(story)
                if paths:
                    raise InvalidInputError("story mode makes its own clips: give a story or photos and clips, not both")
                paths = scene_clips(lines, lambda line, out: self.text_to_video(
                    line, model=model, output=out, progress=progress, cancel=cancel).path, Path(scratch))
                options = replace(options, scene_lines=tuple(lines), sound_prompt=options.sound_prompt or " ".join(lines))
            elif animate:
                paths = animated(paths, is_image, lambda photo, out: self.image_to_video(
                    photo, ANIMATE_PROMPT, model=model, output=out, progress=progress, cancel=cancel).path, Path(scratch))
            result = sign_composition(run_compose(paths, options, path, max_frame_pixels=self.policy.max_frame_pixels,
                                                  progress=progress, cancel=cancel, **tools), paths, options,
                                      marks, made_by_model=bool(story or animate))  # while the scenes' clips are here
        for segment, line in zip(result.segments, options.scene_lines or ()):
            segment["input"] = line  # a scene's clip was made for the run: its line is its name
        return result

    def timeline(
        self,
        video: str | Path,
        *,
        model: str | None = None,
        window_s: float | None = None,
        stride_s: float | None = None,
        top_k: int = 5,
        labels: str | list[str] | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> TimelineResult:
        """The actions of a video window by window (``window_s`` long, every ``stride_s``), a summary and
        the spans of windows that share their top action; the file is read once, in order."""
        check_text_length(self.policy, "labels", labels)
        spec = self.resolve(model, "classify")
        check_video_file(video, self.policy)
        return run_timeline(
            self.models, spec, video, window_s=window_s, stride_s=stride_s, top_k=top_k, labels=labels,
            progress=progress, cancel=cancel,
        )

    def list_models(self) -> list[ModelStatus]:
        return list_models()


def list_models() -> list[ModelStatus]:
    """Every registry entry (the generators and recognisers, then the edit models) and whether it is
    downloaded. Makes no network request."""
    from videogen.models.edit_models import is_downloaded as edit_model_here

    return [*(ModelStatus(spec, hub.is_downloaded(spec)) for spec in MODELS),
            *(ModelStatus(spec, edit_model_here(spec)) for spec in EDIT_MODELS)]


_default_engine: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The engine behind the module-level functions, created on first use."""
    global _default_engine
    with _default_lock:
        if _default_engine is None:
            _default_engine = Engine()
        return _default_engine


def text_to_video(prompt: str | GenerationRequest, **kwargs: Any) -> VideoResult:
    """See :meth:`Engine.text_to_video`."""
    return default_engine().text_to_video(prompt, **kwargs)


def image_to_video(image: Any, prompt: str | GenerationRequest = "", **kwargs: Any) -> VideoResult:
    """See :meth:`Engine.image_to_video`."""
    return default_engine().image_to_video(image, prompt, **kwargs)


def edit(inputs: str | Path | list[str | Path], **kwargs: Any) -> EditResult:
    """See :meth:`Engine.edit`."""
    return default_engine().edit(inputs, **kwargs)


def compose(inputs: str | Path | list[str | Path] | None = None, **kwargs: Any) -> ComposeResult:
    """See :meth:`Engine.compose`."""
    return default_engine().compose(inputs, **kwargs)


def classify(video: str | Path, **kwargs: Any) -> ClassificationResult:
    """See :meth:`Engine.classify`."""
    return default_engine().classify(video, **kwargs)


def download(model: str, task: Task | None = None, progress: ProgressFn | None = None) -> Path:
    """See :meth:`Engine.download`."""
    return default_engine().download(model, task, progress)
