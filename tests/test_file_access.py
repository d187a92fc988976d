"""What the server hands out (issue 10, items 1 and 5): only files it made for the session that asks,
through every route and encoding; uploads capped; files deleted after a while; a full queue says so;
messages and metadata that name no server path (videogen/ui/app.py, videogen/serving/)."""

from __future__ import annotations

import http.client
import json
import os
import stat
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlparse

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from videogen import hub
from videogen.config import load_settings
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.serving.caps import PUBLIC
from videogen.serving.files import scrub_paths
from videogen.serving.sweep import sweep
from videogen.registry import WEIGHTS_DIR
from videogen.ui.app import build_demo
from videogen.ui.handlers import Handlers
from videogen.media import read_metadata

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ("/gradio_api/file=", "/gradio_api/file/", "/file=")


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no client-side normalisation of ``..`` or ``%2e``)."""
    where = urlparse(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def spellings(target: str, temp: str) -> list[str]:
    """``target`` (an absolute path) as a stranger might spell it to get past a check."""
    inside = target.lstrip("/")
    up = "../" * 12
    return [
        target,
        "/" + target,  # //etc/passwd
        target.replace("/", "//"),
        quote(target, safe=""),  # %2Fetc%2Fpasswd
        f"{temp}/{up}{inside}",  # out of the served folder
        f"{temp}/{up.replace('..', '%2e%2e')}{inside}",
        f"{temp}/{up.replace('../', '..%2f')}{inside}",
        f"{temp}/{up.replace('../', '%2e%2e%2f')}{inside}",
        f"{temp}/./{up}{inside}",
        up + inside,  # relative to the working folder
    ]


def launch(handlers: Handlers, **build: object) -> tuple[object, str]:
    demo = build_demo(handlers, **build)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    return demo, url


def test_the_server_serves_no_file_it_did_not_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Source, weights/, the Hub cache, /etc/passwd, another session's output, a file another program
    left in the shared <tmp>/gradio, links planted in the app's own folder: never served, however
    spelled, by any file route. The app's own output is, to the session that made it."""
    monkeypatch.delenv("GRADIO_TEMP_DIR")  # as on a real start: the app makes its own folder
    marker = f"secret-{uuid.uuid4().hex}"
    shared = Path(tempfile.gettempdir()) / "gradio"
    shared.mkdir(exist_ok=True)
    planted = shared / f"videogen-test-{uuid.uuid4().hex}.txt"
    planted.write_text(marker)
    cached = Path(hub.cache_dir()) / "models--org--name" / "blobs" / "secret.txt"
    cached.parent.mkdir(parents=True)
    cached.write_text(marker)
    outputs = load_settings().output_dir
    elsewhere = outputs / "sessions" / "someone-else" / "clip.mp4"
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text(marker)

    demo, url = launch(Handlers(device="cpu", policy=PUBLIC))
    try:
        temp = Path(os.environ["GRADIO_TEMP_DIR"])
        assert temp.name.startswith("videogen-gradio-") and temp != shared, "its own folder, not the shared one"
        assert stat.S_IMODE(temp.stat().st_mode) == 0o700
        (temp / "link-to-passwd.txt").symlink_to("/etc/passwd")
        (temp / "link-to-app.py").symlink_to(ROOT / "app.py")
        (temp / "link-to-weights").symlink_to(WEIGHTS_DIR)

        alice, bob = Client(url, verbose=False, download_files=False), Client(url, verbose=False, download_files=False)
        clip, status, _ = alice.predict("a red circle moving left", frames=4, height=32, width=32, api_name="/text_to_video")
        theirs, _, _ = bob.predict("a blue square moving up", frames=4, height=32, width=32, api_name="/text_to_video")

        status_code, body = raw_get(url, urlparse(clip["url"]).path)
        assert status_code == 200 and body[4:8] == b"ftyp", "its own clip, to the session that made it"
        assert Path(clip["path"]).is_relative_to(temp), "served from the app's folder"
        assert len(Path(clip["path"]).parent.name) == 64, "under a keyed hash no one else can derive"
        written = sorted(set(outputs.glob("sessions/*/*.mp4")) - {elsewhere})
        assert len(written) == 2 and written[0].parent != written[1].parent, "each session writes into its own folder"
        for session in (alice.session_hash, bob.session_hash):
            assert all(session not in str(path) for path in written), "folders are not named by the session id"

        secrets = {  # path -> what must never come back
            str(ROOT / "app.py"): (ROOT / "app.py").read_bytes()[:40],
            str(ROOT / "videogen" / "serving" / "caps.py"): (ROOT / "videogen" / "serving" / "caps.py").read_bytes()[:40],
            str(WEIGHTS_DIR / "shapes-t2v" / "model_index.json"): b"ShapesTextToVideoPipeline",
            str(cached): marker.encode(), str(planted): marker.encode(), str(elsewhere): marker.encode(),
            "/etc/passwd": b"root:", str(temp / "link-to-passwd.txt"): b"root:",
            str(temp / "link-to-app.py"): (ROOT / "app.py").read_bytes()[:40],
            str(temp / "link-to-weights" / "shapes-t2v" / "model_index.json"): b"ShapesTextToVideoPipeline",
            str(written[0]): b"ftyp", str(written[1]): b"ftyp",  # the files behind the served copies
            str(temp): b"", str(outputs): b"",  # folders are never listed
        }
        served = []
        for target, content in secrets.items():
            for spelled in spellings(target, str(temp)):
                for route in ROUTES:
                    code, body = raw_get(url, route + spelled)
                    if code == 200 and (content in body or not content):
                        served.append((route + spelled, code))
        assert served == []
        assert "/" not in json.dumps(read_metadata(_download(url, clip)), ensure_ascii=False), "no path in the metadata"
        for text in (status, str(clip)):
            assert str(ROOT) not in text and str(outputs) not in text
        bob.close()

        # a file input must be an upload: a server path gets one answer, whether it exists or not
        answers = set()
        for path in ("/etc/passwd", str(planted), str(WEIGHTS_DIR / "shapes-t2v"), "/nonexistent.png"):
            with pytest.raises(Exception) as refused:
                alice.predict({"path": path}, "move right", api_name="/image_to_video")
            answers.add(str(refused.value))
            assert path not in str(refused.value)
        assert len(answers) == 1 and "must be uploaded" in answers.pop()
        alice.close()
    finally:
        demo.close()
        planted.unlink(missing_ok=True)


def _download(url: str, clip: dict) -> Path:
    target = Path(tempfile.mkdtemp()) / "clip.mp4"
    target.write_bytes(httpx.get(url.rstrip("/") + urlparse(clip["url"]).path).content)
    return target


def test_uploads_over_the_limit_are_refused_by_the_server(tmp_path: Path) -> None:
    demo, url = launch(Handlers(device="cpu", policy=replace(PUBLIC, max_upload_mb=1)))
    try:
        assert demo.launch_defaults["max_file_size"] == 1024 * 1024
        big, small = tmp_path / "big.png", tmp_path / "small.png"
        big.write_bytes(b"\0" * (2 * 1024 * 1024))
        Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(small)
        refused = httpx.post(url + "gradio_api/upload", files={"files": ("big.png", big.read_bytes())})
        assert refused.status_code == 413, refused.text
        taken = httpx.post(url + "gradio_api/upload", files={"files": ("small.png", small.read_bytes())})
        assert taken.status_code == 200
        client = Client(url, verbose=False)
        with pytest.raises(Exception, match="exceeds the maximum file size"):
            client.predict(handle_file(str(big)), "move right", api_name="/image_to_video")
        client.close()
    finally:
        demo.close()


def test_outputs_and_uploads_are_deleted_after_the_configured_time(tmp_path: Path) -> None:
    policy = replace(PUBLIC, delete_after_s=2)
    demo, url = launch(Handlers(device="cpu", policy=policy))
    try:
        assert demo.delete_cache == (1, 2), "Gradio deletes its copies and the uploads"
        upload = httpx.post(url + "gradio_api/upload", files={"files": ("photo.png", b"not really a photo")})
        [uploaded] = [Path(p) for p in upload.json()]
        client = Client(url, verbose=False, download_files=False)
        clip, _, _ = client.predict("a red circle moving left", frames=4, height=32, width=32, api_name="/text_to_video")
        made = list(load_settings().output_dir.glob("sessions/*/*.mp4"))
        files = [*made, Path(clip["path"]), uploaded]
        assert made and all(p.is_file() for p in files[:-1])
        examples = [p for p in Path(os.environ["GRADIO_TEMP_DIR"]).rglob("*") if p.suffix in (".png", ".mp4")
                    and p not in files]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(p.exists() for p in files):
            time.sleep(0.25)
        assert not any(p.exists() for p in files), "all gone 2 s after they were made (checked every second)"
        assert httpx.get(url.rstrip("/") + urlparse(clip["url"]).path).status_code != 200
        assert examples and all(p.exists() for p in examples), "the Try examples stay"
        client.close()
    finally:
        demo.close()


class SlowEngine:
    """Holds the GPU queue for a few seconds, then fails (or stops when cancelled)."""

    def text_to_video(self, request: object, *, cancel: threading.Event, **_: object) -> None:
        for _ in range(40):
            if cancel.is_set():
                raise GenerationCancelled("Generation cancelled.")
            time.sleep(0.1)
        raise InvalidInputError("done waiting")


def test_a_full_queue_says_busy() -> None:
    handlers = Handlers(device="cpu", policy=PUBLIC)
    handlers._engine = SlowEngine()
    demo, url = launch(handlers, max_queue=1)
    try:
        client = Client(url, verbose=False)
        running = client.submit("a", api_name="/text_to_video")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (running.status().code.name in ("PROCESSING", "ITERATING")):
            time.sleep(0.05)
        waiting = client.submit("b", api_name="/text_to_video")
        time.sleep(0.5)
        with pytest.raises(Exception, match="Queue is full! Please try again"):
            client.predict("c", api_name="/text_to_video")
        fn_index = next(i for i, fn in demo.fns.items() if fn.api_name == "text_to_video")
        raw = httpx.post(url + "gradio_api/queue/join", json={"data": ["d"] + [None] * 9, "fn_index": fn_index,
                                                               "session_hash": "stranger", "event_data": None})
        assert raw.status_code == 503 and "Queue is full" in raw.text
        for job in (running, waiting):
            job.cancel()
        client.close()
    finally:
        demo.close()


def test_messages_to_strangers_name_no_server_path(tmp_path: Path) -> None:
    roots = ["/tmp", str(ROOT), str(Path.home())]
    text = f"{ROOT}/weights/shapes-t2v has no config; /tmp/videogen-gradio-x/3f2a/photo.png is damaged (see {Path.home()})"
    scrubbed = scrub_paths(text, roots)
    assert scrubbed == "shapes-t2v has no config; photo.png is damaged (see " + Path.home().name + ")"
    assert scrub_paths("org/name at https://huggingface.co/org/name", roots) == "org/name at https://huggingface.co/org/name"
    public, local = Handlers(policy=PUBLIC), Handlers()
    message = f"video file not found: {load_settings().output_dir}/sessions/abc/x.mp4"
    assert public.say(message) == "video file not found: x.mp4" and local.say(message) == message


def test_sweep_deletes_only_expired_files(tmp_path: Path) -> None:
    old, new, kept = tmp_path / "a" / "old.mp4", tmp_path / "b" / "new.mp4", tmp_path / "a" / "old.png"
    for path in (old, new, kept):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 100, time.time() - 100))
    os.utime(kept, (time.time() - 100, time.time() - 100))
    assert sweep(tmp_path, 50, pattern="*.mp4") == 1
    assert not old.exists() and new.exists() and kept.exists()


def test_launch_serves_the_output_folder_only_when_gradio_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gradio copies returned files from the temp folder and the working folder without being told;
    an output folder elsewhere must be allowed. The source, weights/ and the Hub cache are blocked."""
    from videogen.serving.gradio_app import launch_options

    options = launch_options(PUBLIC)
    assert options["allowed_paths"] == [] and options["max_file_size"] == 100 * 1024 * 1024
    for path in (ROOT / "app.py", ROOT / "videogen", WEIGHTS_DIR, Path(hub.cache_dir())):
        assert str(path.resolve()) in options["blocked_paths"]
    monkeypatch.setenv("VIDEOGEN_OUTPUT_DIR", "/srv/videogen-outputs")
    assert launch_options(PUBLIC)["allowed_paths"] == ["/srv/videogen-outputs"]
