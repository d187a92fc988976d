"""Sound in and out: a video's audio track as float samples (:func:`read_audio`), and AAC into the MP4.

:class:`Audio` is float32 samples, ``(channels, n)``, at ``rate`` Hz: one or two channels (what
:func:`read_audio` gives back: mono stays mono, anything wider is mixed down to stereo). Its time
zero is the video's first frame: a track that starts later begins with silence, one that starts
earlier loses its head, and a packet that does not decode leaves silence of its length, so that
the sound after it stays in step with the picture.

:class:`AacTrack` is how :func:`videogen.media.encode.write_video` writes it: FFmpeg's native
``aac`` encoder at the audio's own rate when AAC has that rate (else 48 kHz), cut or padded with
silence to the video's duration exactly, and encoded frame by frame beside the picture.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError
from videogen.media.probe import error_reason, open_video, start_time

logger = logging.getLogger(__name__)

AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
DEFAULT_RATE = 48000  # what a rate AAC does not have is resampled to
BIT_RATE_PER_CHANNEL = 96_000
CHUNK = 1024  # samples handed to the encoder at a time (an AAC frame)
JITTER_S = 0.005  # timestamps this close to where the samples reached are taken as "straight on"
PADDING_S = 0.1  # decoded samples this far past the track's stated end are encoder padding (cut off)


@dataclass(frozen=True, eq=False)  # compared by identity: == on the samples would be ambiguous
class Audio:
    """Sound: float32 ``samples`` of shape (channels, n), in [-1, 1], at ``rate`` samples a second."""

    samples: np.ndarray
    rate: int

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples, dtype=np.float32)
        if samples.ndim == 1:
            samples = samples[None]
        if samples.ndim != 2 or not 1 <= samples.shape[0] <= 8:
            raise InvalidInputError(f"audio samples must have shape (channels, n), got {np.shape(self.samples)}")
        if not isinstance(self.rate, (int, np.integer)) or self.rate <= 0:
            raise InvalidInputError(f"audio rate must be a positive whole number of Hz, got {self.rate!r}")
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "rate", int(self.rate))

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / self.rate

    def summary(self) -> dict[str, Any]:
        """``{"channels", "rate", "duration_s"}``, as the edit's JSON reports it."""
        return {"channels": self.channels, "rate": self.rate, "duration_s": round(self.duration_s, 3)}


def silence(duration_s: float, rate: int, channels: int = 1) -> Audio:
    return Audio(np.zeros((channels, max(0, round(duration_s * rate))), np.float32), rate)


def fit(audio: Audio, duration_s: float) -> Audio:
    """``audio`` cut, or padded with silence at the end, to ``duration_s`` (to the nearest sample)."""
    if duration_s < 0:
        raise InvalidInputError(f"duration_s must be 0 or more, got {duration_s:g}")
    count = round(duration_s * audio.rate)
    have = audio.samples.shape[1]
    if count == have:
        return audio
    if count < have:
        return Audio(audio.samples[:, :count], audio.rate)
    return Audio(np.pad(audio.samples, ((0, 0), (0, count - have))), audio.rate)


def resample(audio: Audio, rate: int) -> Audio:
    """``audio`` at ``rate`` Hz (librosa's default, soxr's high quality), the same duration to the sample."""
    if rate <= 0:
        raise InvalidInputError(f"rate must be a positive number of Hz, got {rate!r}")
    if rate == audio.rate:
        return audio
    import librosa

    count = round(audio.samples.shape[1] * rate / audio.rate)
    samples = librosa.resample(audio.samples, orig_sr=audio.rate, target_sr=rate) if audio.samples.shape[1] else \
        np.zeros((audio.channels, 0), np.float32)
    return fit(Audio(samples, rate), count / rate)


def aac_rate(rate: int) -> int:
    """The rate AAC is written at: ``rate`` itself when AAC has it, else :data:`DEFAULT_RATE`."""
    return int(rate) if int(rate) in AAC_RATES else DEFAULT_RATE


def read_audio(path: str | Path) -> Audio | None:
    """The first audio track of the video at ``path`` as float samples (None when it has none).

    Any codec FFmpeg decodes; samples at the track's own rate, one channel or two. Packets that do
    not decode are skipped and leave silence (their timestamps say how long), with a warning in the
    log; a file cut short gives the sound up to the cut.
    """
    with open_video(path) as container:
        if not container.streams.audio:
            return None
        return _decode(container, container.streams.audio[0], start_time(container.streams.video[0]), Path(path).name)


SOUND_FILES = "WAV, MP3, FLAC, OGG, M4A or AAC"


def read_sound_file(path: str | Path) -> Audio:
    """The sound of any file: an audio file (its time zero: the track's first sample) or a video's
    track (:func:`read_audio`). Refuses, saying what to give instead, a file with no sound."""
    import av

    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"audio file not found: {str(path)[:200]}")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeError) as exc:
        raise InvalidInputError(f"{path.name} is not a readable audio file ({error_reason(exc)}): give a "
                                f"{SOUND_FILES} file, or a video with sound.") from exc
    with container:
        if not container.streams.audio:
            raise InvalidInputError(f"{path.name} has no sound: give a {SOUND_FILES} file, or a video with sound.")
        stream = container.streams.audio[0]
        origin = start_time(container.streams.video[0]) if container.streams.video else start_time(stream)
        audio = _decode(container, stream, origin, path.name)
    if audio is None:
        raise InvalidInputError(f"the sound in {path.name} could not be decoded: give another {SOUND_FILES} file.")
    return audio


def _decode(container: Any, stream: Any, origin: float, name: str) -> Audio | None:
    """``stream``'s samples laid out from ``origin`` seconds (see :class:`Placer`); None if none decode."""
    import av

    rate = int(stream.rate or stream.codec_context.sample_rate or DEFAULT_RATE)
    layout = "mono" if (stream.codec_context.channels or 2) == 1 else "stereo"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
    placer = Placer(rate, 1 if layout == "mono" else 2, origin)
    bad = 0
    try:
        for packet in container.demux(stream):
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as exc:  # a damaged packet: silence of its length
                bad += 1
                logger.debug("%s: an audio packet did not decode (%s)", name, error_reason(exc))
                continue
            for frame in decoded:
                try:
                    arrays = [out.to_ndarray() for out in resampler.resample(frame)]
                except ValueError:  # the format changed midway (a spliced or damaged file): a new resampler
                    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
                    arrays = [out.to_ndarray() for out in resampler.resample(frame)]
                placer.add(frame.time, arrays)
        placer.add(None, [out.to_ndarray() for out in resampler.resample(None)])
    except av.error.FFmpegError as exc:  # the file ends or breaks: keep the sound read so far
        logger.warning("%s: reading its audio stopped early (%s)", name, error_reason(exc))
    end = stated_end(stream, origin)
    if bad:
        logger.warning("%s: %d audio packets did not decode; silence stands in for them", name, bad)
    samples = placer.samples(end)
    if samples.shape[1] == 0:
        logger.warning("%s has an audio track, but none of it could be decoded", name)
        return None
    return Audio(samples, rate)


def stated_end(stream: Any, origin: float) -> float | None:
    """Where the container says the track ends, in seconds from ``origin`` (None: it does not say)."""
    if stream.duration is None or stream.time_base is None:
        return None
    return start_time(stream) + float(stream.duration * stream.time_base) - origin


class Placer:
    """Decoded chunks laid out on a timeline that starts at ``origin`` seconds, by their timestamps."""

    def __init__(self, rate: int, channels: int, origin: float) -> None:
        self.rate, self.channels, self.origin = rate, channels, origin
        self.chunks: list[np.ndarray] = []
        self.cursor = 0  # samples laid out so far (silence included)
        self.head = 0  # samples before the origin still to drop

    def add(self, seconds: float | None, arrays: list[np.ndarray]) -> None:
        """Lay ``arrays`` (fltp, (channels, n) each) out from ``seconds`` (None: straight after the last)."""
        if not arrays:
            return
        chunk = np.concatenate(arrays, axis=1).astype(np.float32, copy=False)
        if seconds is not None:
            start = round((seconds - self.origin) * self.rate)
            if start > self.cursor + JITTER_S * self.rate:  # a gap (a packet lost): silence
                self.chunks.append(np.zeros((self.channels, start - self.cursor), np.float32))
                self.cursor = start
            elif start < self.cursor - JITTER_S * self.rate:  # an overlap, or sound before the first frame: cut
                chunk = chunk[:, min(self.cursor - start, chunk.shape[1]):]
        self.chunks.append(chunk)
        self.cursor += chunk.shape[1]

    def samples(self, end_s: float | None) -> np.ndarray:
        """All samples laid out; the encoder's padding after the stated end cut off."""
        if not self.chunks:
            return np.zeros((self.channels, 0), np.float32)
        samples = np.concatenate(self.chunks, axis=1)
        if end_s is not None and end_s > 0:
            end = round(end_s * self.rate)
            if 0 < samples.shape[1] - end <= PADDING_S * self.rate:
                samples = samples[:, :end]
        return samples


def check_writable(audio: Audio) -> None:
    """Refuse sound :class:`AacTrack` does not write (not an :class:`Audio`, more than two channels)."""
    if not isinstance(audio, Audio):
        raise InvalidInputError(f"audio must be an Audio (samples, rate) or None, got {type(audio).__name__}")
    if audio.channels > 2:
        raise InvalidInputError(f"audio must have 1 or 2 channels, got {audio.channels}: mix it down to stereo first")


class AacTrack:
    """An AAC stream in an open output ``container``, fed the audio up to each frame's end."""

    def __init__(self, container: Any, audio: Audio, duration: Fraction) -> None:
        check_writable(audio)
        rate = aac_rate(audio.rate)
        self.audio = fit(resample(audio, rate), float(duration))
        self.layout = "mono" if audio.channels == 1 else "stereo"
        self.stream = container.add_stream("aac", rate=rate)
        self.stream.layout = self.layout
        self.stream.bit_rate = BIT_RATE_PER_CHANNEL * audio.channels
        self.container, self.position = container, 0

    def until(self, seconds: Fraction | float, *, last: bool = False) -> None:
        """Encode and mux the whole AAC frames of samples up to ``seconds`` (``last``: and the rest).

        The encoder is given whole frames of :data:`CHUNK` samples only, the last one excepted: a
        frame of another size would be re-cut by PyAV, which shifts the timestamps by a few samples.
        """
        import av

        samples, rate = self.audio.samples, self.audio.rate
        stop = min(round(seconds * rate), samples.shape[1])
        while self.position + (0 if last else CHUNK) <= stop and self.position < stop:
            size = min(CHUNK, stop - self.position)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, self.position:self.position + size]),
                                               format="fltp", layout=self.layout)
            frame.rate, frame.pts, frame.time_base = rate, self.position, Fraction(1, rate)
            for packet in self.stream.encode(frame):
                self.container.mux(packet)
            self.position += size

    def finish(self) -> None:
        """The rest of the samples, and the encoder's last packets."""
        self.until(self.audio.duration_s + 1, last=True)
        for packet in self.stream.encode(None):
            self.container.mux(packet)
