"""Neural voices from the Hub (issue 19): Kokoro-82M speaking English and Mandarin Chinese.

A voice is named ``MODEL:VOICE``: ``kokoro:af_heart`` is the voice pack ``voices/af_heart.pt`` of
``hexgrad/Kokoro-82M`` (v1.0), ``kokoro-zh:zf_001`` that of ``hexgrad/Kokoro-82M-v1.1-zh`` (the registry's
``tts`` entries, :data:`videogen.registry.SOUND_MODELS`; both Apache-2.0). The voice's first letter is its
language, as Kokoro names them: ``a`` American English, ``b`` British English, ``z`` Mandarin Chinese
(Kokoro's other languages are not offered here). :data:`NEURAL_VOICES` lists a few of each.

The first use of a voice downloads three files through the Hub cache, with byte progress:
``config.json``, the weights (``kokoro-v1_0.pth``, ``kokoro-v1_1-zh.pth``) and the voice pack; another
voice of the same model fetches only its pack. The weights load into the kokoro package's ``KModel``
from those local files (``torch.load(weights_only=True)``: tensors only, no code from the repo); the
text becomes phonemes through misaki (:mod:`videogen.models.phonemes`). :meth:`NeuralVoice.speak`
gives mono float32 at 24 kHz as a :class:`videogen.media.Audio`; :class:`NeuralVoiceCache` keeps one
model loaded, and :func:`speak` says a line through a cache of the process.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videogen import hub
from videogen.config import load_settings
from videogen.errors import HubUnreachableError, InvalidInputError, ModelNotFoundError, SpeechError
from videogen.hub import Progress, ProgressFn
from videogen.models import loading_errors
from videogen.models.phonemes import Language, needs_misaki, phoneme_chunks
from videogen.registry import SOUND_MODELS, ModelSpec

if TYPE_CHECKING:
    from videogen.media import Audio

logger = logging.getLogger(__name__)

RATE = 24000  # Kokoro's iSTFTNet makes 24 kHz
STYLE_SIZE = 256  # a voice pack's rows: the decoder's 128 style values, then the prosody predictor's 128
MAX_LINE_CHARS = 1000
NEURAL_VOICES = {
    "kokoro:af_heart": "Kokoro-82M (neural, downloaded once), American English, female",
    "kokoro:am_michael": "Kokoro-82M (neural, downloaded once), American English, male",
    "kokoro:bf_emma": "Kokoro-82M (neural, downloaded once), British English, female",
    "kokoro:bm_george": "Kokoro-82M (neural, downloaded once), British English, male",
    "kokoro-zh:zf_001": "Kokoro-82M v1.1-zh (neural, downloaded once), Mandarin Chinese, female",
    "kokoro-zh:zm_010": "Kokoro-82M v1.1-zh (neural, downloaded once), Mandarin Chinese, male",
}
DEFAULT_NEURAL_VOICE = {"en": "kokoro:af_heart", "zh": "kokoro-zh:zf_001"}
LANGUAGES: dict[str, Language] = {"a": "en-us", "b": "en-gb", "z": "zh"}  # a voice's first letter
LANGUAGE_NAMES = {"a": "American English", "b": "British English", "z": "Mandarin Chinese", "e": "Spanish",
                  "f": "French", "h": "Hindi", "i": "Italian", "j": "Japanese", "p": "Brazilian Portuguese"}
_VOICE = re.compile(r"(?P<model>[a-z0-9-]+):(?P<name>[a-z]{2}_[a-z0-9_]{1,40})")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def voice_models() -> list[ModelSpec]:
    """The registry's speech models (task ``tts``)."""
    return [m for m in SOUND_MODELS if m.task == "tts"]


def is_neural_voice(voice: str | None) -> bool:
    """Whether ``voice`` names a Kokoro voice (``MODEL:VOICE``, MODEL a registry speech model), not eSpeak NG's;
    says nothing of whether the rest is right (:func:`check_neural_voice` does)."""
    model, colon, _ = (voice or "").strip().partition(":")
    return bool(colon) and any(m.id == model for m in voice_models())


@dataclass(frozen=True)
class VoiceName:
    """A checked voice id: the model it is a pack of, the pack's name, its language."""

    spec: ModelSpec
    name: str  # the pack: voices/NAME.pt

    @property
    def id(self) -> str:
        return f"{self.spec.id}:{self.name}"

    @property
    def language(self) -> Language:
        return LANGUAGES[self.name[0]]

    @property
    def chinese_version(self) -> str | None:
        """The Chinese phoneme set of the model: v1.1-zh's own, else v1.0's (None)."""
        return None if self.spec.file == "kokoro-v1_0.pth" else "1.1"

    @property
    def pack_file(self) -> str:
        return f"voices/{self.name}.pt"

    @property
    def files(self) -> list[str]:
        """What speaking needs from the repo: the config, the weights, the voice pack."""
        return ["config.json", self.spec.file, self.pack_file]


def check_neural_voice(voice: str) -> VoiceName:
    """``voice`` (``kokoro:af_heart``) as a :class:`VoiceName`; no request (whether the pack exists is
    known when it is fetched)."""
    text = (voice or "").strip()
    listed = ", ".join(NEURAL_VOICES)
    found = _VOICE.fullmatch(text)
    spec = next((m for m in voice_models() if found and m.id == found["model"]), None)
    if found is None or spec is None:
        models = ", ".join(f"{m.id}:VOICE" for m in voice_models())
        raise InvalidInputError(f"unknown neural voice {voice!r}: name it {models} (e.g. {listed})")
    name = found["name"]
    if name[0] not in LANGUAGES:
        language = LANGUAGE_NAMES.get(name[0], "a language")
        raise InvalidInputError(f"{text} speaks {language}, which videogen's narration does not offer: pick an English "
                                f"voice (a…, b…) or a Chinese one (z…), e.g. {listed}")
    return VoiceName(spec, name)


# ----------------------------------------------------------------------------------------------
# The files


def cached_folder(voice: VoiceName) -> Path | None:
    """The snapshot folder holding the voice's three files, if all are in the Hub cache; no request."""
    from huggingface_hub import try_to_load_from_cache

    paths = []
    for name in voice.files:
        with hub.translate_hub_errors(voice.spec.repo_id):
            found = try_to_load_from_cache(voice.spec.repo_id, name, revision=voice.spec.revision,
                                           cache_dir=hub.cache_dir())
        if not isinstance(found, str):
            return None
        paths.append(Path(found))
    return paths[0].parent


def is_downloaded(voice: str) -> bool:
    """Whether ``voice`` can speak without the network."""
    return cached_folder(check_neural_voice(voice)) is not None


def fetch_voice(voice: VoiceName, progress: ProgressFn | None = None) -> Path:
    """The folder with the voice's files: from the cache, or downloaded now with byte progress."""
    found = cached_folder(voice)
    if found is not None:
        return found
    offline = "The offline voice espeak (eSpeak NG) needs no download."
    if load_settings().offline:
        raise HubUnreachableError(f"{voice.id} is not downloaded and offline mode is on (HF_HUB_OFFLINE=1 or "
                                  f"--offline). Speak once with it while online, or pick espeak. {offline}")
    from huggingface_hub import snapshot_download

    try:
        _, files = hub.remote_files(voice.spec.repo_id, voice.spec.revision)
    except HubUnreachableError as exc:
        raise HubUnreachableError(f"{exc} {offline}") from exc
    sizes = dict(files)
    if voice.pack_file not in sizes:
        same = sorted(Path(f).stem for f in sizes if f.startswith(f"voices/{voice.name[0]}") and f.endswith(".pt"))
        others = ", ".join(f"{voice.spec.id}:{n}" for n in same[:12]) or "none"
        raise ModelNotFoundError(f"{voice.spec.repo_id} has no voice {voice.name!r} (its {LANGUAGE_NAMES[voice.name[0]]} "
                                 f"voices: {others}). Pick one of those, or one of {', '.join(NEURAL_VOICES)}.")
    missing = [f for f in voice.files if f not in sizes]
    if missing:
        raise ModelNotFoundError(f"{voice.spec.repo_id} has no {', '.join(missing)}: it is not a Kokoro repo as "
                                 "videogen knows them. Check the registry entry, or pick another voice.")
    total = sum(sizes[f] or 0 for f in voice.files) or None
    logger.info("Downloading %s from %s (%s)", ", ".join(voice.files), voice.spec.repo_id, hub.human_size(total))
    if progress:
        progress(Progress("download", 0, total, "B", f"Downloading {voice.id}"))
    with hub.translate_hub_errors(voice.spec.repo_id):
        folder = snapshot_download(
            voice.spec.repo_id, revision=voice.spec.revision, allow_patterns=voice.files, cache_dir=hub.cache_dir(),
            token=hub.auth_token(), endpoint=load_settings().hub_endpoint,
            tqdm_class=hub.byte_progress_class(progress, voice.id, total),
        )
    if progress:
        progress(Progress("download", total or 1, total or 1, "B", f"Downloaded {voice.id}"))
    return Path(folder)


# ----------------------------------------------------------------------------------------------
# The voice


@dataclass
class NeuralVoice:
    """A loaded Kokoro model and one voice pack behind one method: :meth:`speak`."""

    voice: VoiceName
    model: Any  # kokoro.KModel, on ``device``
    pack: Any  # torch.FloatTensor (rows, 1, 256): one style per phoneme count
    device: str = "cpu"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def id(self) -> str:
        return self.voice.id

    @property
    def rate(self) -> int:
        return RATE

    def speak(self, text: str, speed: float = 1.0, on_chunk: Callable[[int, int], None] | None = None) -> Audio:
        """``text`` spoken: mono float32 samples in [-1, 1] at 24 kHz. ``speed``: 0.5 to 2 (1: the voice's
        own pace). A long line is said in pieces (at most 510 phonemes each, cut at sentence ends);
        ``on_chunk(done, total)`` after each."""
        import numpy as np
        import torch

        from videogen.media.audio import Audio

        text = self._checked(text, speed)
        if self.model is None:
            raise SpeechError(f"{self.id} was unloaded for another voice: load it again to speak.")
        chunks = phoneme_chunks(text, self.voice.language, self.voice.chinese_version)
        if not chunks:
            raise SpeechError(f"{self.id} found nothing it could say in {text[:60]!r}: write the line in words.")
        pieces = []
        with self._lock, torch.inference_mode():
            for done, phonemes in enumerate(chunks, 1):
                style = self.pack[min(len(phonemes), self.pack.shape[0]) - 1]
                audio = self.model(phonemes, style, float(speed))
                pieces.append(np.asarray(audio.detach().float().cpu().numpy(), dtype=np.float32).reshape(-1))
                if on_chunk is not None:
                    on_chunk(done, len(chunks))
        samples = np.clip(np.concatenate(pieces), -1.0, 1.0)
        return Audio(samples[None], RATE)

    def _checked(self, text: Any, speed: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError("there is nothing to say: the narration line is empty")
        text = " ".join(text.split())
        if len(text) > MAX_LINE_CHARS:
            raise InvalidInputError(f"a narration line is {len(text)} characters, over {MAX_LINE_CHARS}: split it "
                                    "into sentences")
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.5 <= speed <= 2.0:
            raise InvalidInputError(f"speed must be a number from 0.5 to 2 (1: the voice's own pace), got {speed!r}")
        if self.voice.language != "zh" and _CJK.search(text):
            raise InvalidInputError(f"{self.id} speaks {LANGUAGE_NAMES[self.voice.name[0]]}, and the line has Chinese "
                                    f"characters: pick a Chinese voice ({DEFAULT_NEURAL_VOICE['zh']}) for it")
        return text

    def close(self) -> None:
        self.model = None
        self.pack = None


def load_voice(voice: str, device: str = "cpu", progress: ProgressFn | None = None, *, model: Any = None
               ) -> NeuralVoice:
    """Download (first use, with byte progress) and load the Kokoro voice ``voice`` (``kokoro:af_heart``)
    on ``device``. ``model``: a ``KModel`` of the same repo already loaded, reused (only the pack is read)."""
    name = check_neural_voice(voice)
    if find_spec("kokoro") is None or find_spec("misaki") is None:  # before anything is downloaded
        raise needs_misaki()
    folder = fetch_voice(name, progress)
    if progress:
        progress(Progress("load", 0, 1, "", f"Loading {name.id}"))
    with loading_errors(name.spec, folder):
        if model is None:
            model = _load_model(name.spec, folder, device)
        pack = read_pack(folder / name.pack_file)
    if progress:
        progress(Progress("load", 1, 1, "", f"Loaded {name.id}"))
    return NeuralVoice(name, model, pack, device)


def _load_model(spec: ModelSpec, folder: Path, device: str) -> Any:
    from kokoro import KModel

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if not isinstance(config, dict) or not {"vocab", "plbert", "istftnet"} <= set(config):
        raise ValueError("its config.json is not a Kokoro config (no vocab, plbert or istftnet)")
    logger.info("Loading %s (%s) on %s", spec.id, spec.file, device)
    try:  # the local files only: given config and model, KModel asks the Hub for nothing
        model = KModel(repo_id=spec.repo_id, config=config, model=str(folder / spec.file))
    except AssertionError as exc:  # KModel asserts each part the file holds is one of its own
        raise ValueError(f"{spec.file} holds a part KModel does not have ({exc})") from exc
    except pickle.UnpicklingError as exc:  # weights_only refused something that is not a tensor
        raise ValueError(f"{spec.file} holds more than tensors ({exc})") from exc
    return model.to(device).eval()


def read_pack(path: Path) -> Any:
    import torch

    try:
        pack = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(f"{path.name} holds more than a tensor ({exc})") from exc
    if not isinstance(pack, torch.Tensor) or pack.ndim != 3 or pack.shape[-1] != STYLE_SIZE:
        shape = tuple(pack.shape) if isinstance(pack, torch.Tensor) else type(pack).__name__
        raise ValueError(f"{path.name} is not a Kokoro voice pack (rows, 1, {STYLE_SIZE}): it holds {shape}")
    return pack.float()


class NeuralVoiceCache:
    """The loaded Kokoro voice of one process: one model stays (another voice of it reuses it; another
    model frees it first). Thread-safe."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._voice: NeuralVoice | None = None
        self._lock = threading.RLock()

    def get(self, voice: str, progress: ProgressFn | None = None) -> NeuralVoice:
        name = check_neural_voice(voice)
        with self._lock:
            current = self._voice
            if current is not None and current.model is not None:
                if current.id == name.id:
                    return current
                if (current.voice.spec.repo_id, current.voice.spec.revision) == (name.spec.repo_id, name.spec.revision):
                    self._voice = load_voice(name.id, self.device, progress, model=current.model)
                    return self._voice
            self.unload()
            self._voice = load_voice(name.id, self.device, progress)
            return self._voice

    def unload(self) -> None:
        with self._lock:
            if self._voice is not None:
                logger.info("Unloading %s", self._voice.id)
                self._voice.close()
                self._voice = None

    @property
    def loaded(self) -> str | None:
        """The voice id loaded now, or None."""
        return self._voice.id if self._voice is not None and self._voice.model is not None else None


_cache: NeuralVoiceCache | None = None
_cache_lock = threading.Lock()


def voice_cache() -> NeuralVoiceCache:
    """The process's :class:`NeuralVoiceCache`, on the CPU (Kokoro is small, 82 M parameters; the GPU stays
    the video models')."""
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = NeuralVoiceCache("cpu")
        return _cache


def speak(text: str, voice: str, progress: ProgressFn | None = None, speed: float = 1.0) -> Audio:
    """``text`` said by the Kokoro voice ``voice`` (``kokoro:af_heart``, ``kokoro-zh:zf_001``): mono float32
    at 24 kHz. The first use downloads the voice (``progress``: byte reports); the model stays loaded."""
    return voice_cache().get(voice, progress).speak(text, speed)
