"""Video files in and out, with PyAV (FFmpeg inside the wheel, libx264 included).

- :mod:`~videogen.media.probe`: opening a file, its size, frame rate and duration (no decoding);
- :mod:`~videogen.media.sampling`: the plan over the packets that reaches N sample times;
- :mod:`~videogen.media.decode`: :func:`read_frames`, N frames spread evenly over a video;
- :mod:`~videogen.media.in_order`: :func:`iter_frames_at`, one pass for many target times;
- :mod:`~videogen.media.timing`: when each decoded frame is on screen (AVI invents timestamps);
- :mod:`~videogen.media.encode`: :func:`write_video`, browser-playable H.264 MP4 with the
  generation parameters as metadata, and :func:`read_metadata`;
- :mod:`~videogen.media.audio`: :class:`Audio` and :func:`read_audio`, a video's sound as float
  samples, written back as AAC by :func:`write_video` (``audio=``).

The names below are the room's public face; nothing here imports a model or the page.
"""

from __future__ import annotations

from videogen.media.audio import Audio, read_audio
from videogen.media.decode import EXACT_BUDGET, DecodeStats, SampledFrames, Video, read_frames, read_video, rotate
from videogen.media.encode import PARTIAL_MAX_AGE_S, even_size, read_metadata, remove_stale_partials, write_video
from videogen.media.in_order import iter_frames_at
from videogen.media.probe import VideoInfo, open_video, probe

__all__ = [
    "EXACT_BUDGET", "PARTIAL_MAX_AGE_S", "Audio", "DecodeStats", "SampledFrames", "VideoInfo", "even_size",
    "iter_frames_at", "read_audio",
    "Video", "open_video", "probe", "read_frames", "read_metadata", "read_video", "remove_stale_partials", "rotate",
    "write_video",
]
