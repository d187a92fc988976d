"""The test doubles themselves: the stand-in Hub against the real client, and the tiny models.

The stand-in Hub must look like the Hub to ``huggingface_hub`` (downloads, repo info, error
codes, resumption after a broken connection), and every tiny model must load with the class
production code uses and run on CPU.
"""

from __future__ import annotations

import filecmp
import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.hubserver import RequestRecord, StandInHub
from tests.tiny_models import (
    TINY_IMAGE_SIZE,
    VIDEOMAE_NUM_FRAMES,
    XCLIP_NUM_FRAMES,
    build_tiny_tokenizer,
    build_tiny_wan,
)

HUB_ENV = {
    "HF_HUB_DISABLE_XET": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "NO_PROXY": "127.0.0.1,localhost",
}
ALLOWED_SUFFIXES = (".json", ".safetensors", ".txt")


@pytest.fixture(scope="module")
def stand_in(tiny_model_dirs: dict[str, Path]) -> Iterator[tuple[StandInHub, dict[str, str]]]:
    """A stand-in Hub serving every tiny model as ``tiny/<name>`` plus a gated copy; and their shas."""
    with StandInHub() as server:
        shas = {name: server.add_repo(f"tiny/{name}", folder) for name, folder in tiny_model_dirs.items()}
        server.add_repo("tiny/gated", tiny_model_dirs["videomae"], gated=True)
        yield server, shas


@pytest.fixture
def fresh_hub(stand_in: tuple[StandInHub, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> StandInHub:
    """The stand-in Hub with an empty request log; the client configured as hubserver's docs say.

    Named so as not to shadow the ``hub`` fixture of conftest.py (repos with decoy files).
    """
    import huggingface_hub.constants

    server, _ = stand_in
    for name, value in HUB_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    # huggingface_hub reads these when imported: set the parsed values as well.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_IMPLICIT_TOKEN", True)
    server.clear_log()
    return server


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def _same_tree(left: Path, right: Path) -> bool:
    names = _files(left)
    if names != _files(right):
        return False
    return all(filecmp.cmp(left / name, right / name, shallow=False) for name in names)


def _raw(hub: StandInHub, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """One request with the standard library, bypassing any client logic."""
    host, port = hub.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# -- the stand-in Hub with huggingface_hub ---------------------------------------------------


def test_hf_hub_download_fetches_the_file_byte_identically(
    fresh_hub: StandInHub, stand_in: tuple[StandInHub, dict[str, str]], tiny_model_dirs: dict[str, Path], tmp_path: Path
) -> None:
    from huggingface_hub import hf_hub_download

    _, shas = stand_in
    name = "transformer/diffusion_pytorch_model.safetensors"
    path = Path(hf_hub_download("tiny/wan", name, endpoint=fresh_hub.url, cache_dir=tmp_path))
    assert filecmp.cmp(path, tiny_model_dirs["wan"] / name, shallow=False)
    assert path.parent.parent.name == shas["wan"]  # snapshots/<commit sha>/transformer/...
    assert [(record.method, record.path) for record in fresh_hub.requests] == [
        ("HEAD", f"/tiny/wan/resolve/main/{name}"),
        ("GET", f"/tiny/wan/resolve/main/{name}"),
    ]


def test_snapshot_download_fetches_the_folder_and_honours_allow_patterns(
    fresh_hub: StandInHub, tiny_model_dirs: dict[str, Path], tmp_path: Path
) -> None:
    from huggingface_hub import snapshot_download

    whole = Path(snapshot_download("tiny/ltx", endpoint=fresh_hub.url, cache_dir=tmp_path / "all"))
    assert _same_tree(whole, tiny_model_dirs["ltx"])

    fresh_hub.clear_log()
    some = Path(
        snapshot_download(
            "tiny/ltx",
            endpoint=fresh_hub.url,
            cache_dir=tmp_path / "some",
            allow_patterns=["model_index.json", "vae/*"],
        )
    )
    assert _files(some) == {"model_index.json", "vae/config.json", "vae/diffusion_pytorch_model.safetensors"}
    assert all(filecmp.cmp(some / name, tiny_model_dirs["ltx"] / name, shallow=False) for name in _files(some))
    fetched = {record.path for record in fresh_hub.requests if record.method == "GET" and "/resolve/" in record.path}
    assert len(fetched) == 3


def test_model_info_and_tree_list_the_repository(
    fresh_hub: StandInHub, stand_in: tuple[StandInHub, dict[str, str]], tiny_model_dirs: dict[str, Path]
) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile, RepoFolder

    _, shas = stand_in
    api = HfApi(endpoint=fresh_hub.url)
    info = api.model_info("tiny/wan22", revision="main")
    assert info.id == "tiny/wan22" and info.sha == shas["wan22"]
    assert {sibling.rfilename for sibling in info.siblings} == _files(tiny_model_dirs["wan22"])
    assert api.model_info("tiny/wan22", revision=shas["wan22"]).sha == shas["wan22"]

    sized = api.model_info("tiny/wan22", files_metadata=True)
    sizes = {sibling.rfilename: sibling.size for sibling in sized.siblings}
    assert sizes["model_index.json"] == (tiny_model_dirs["wan22"] / "model_index.json").stat().st_size

    tree = list(api.list_repo_tree("tiny/wan22", recursive=True))
    assert {entry.path for entry in tree if isinstance(entry, RepoFile)} == _files(tiny_model_dirs["wan22"])
    assert {entry.path for entry in tree if isinstance(entry, RepoFolder)} == {
        "scheduler", "text_encoder", "tokenizer", "transformer", "vae",
    }
    assert all(entry.xet_hash is None for entry in tree if isinstance(entry, RepoFile))


def test_error_codes_map_to_huggingface_hub_errors(fresh_hub: StandInHub, tmp_path: Path) -> None:
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    api = HfApi(endpoint=fresh_hub.url)

    def download(repo: str, name: str = "config.json", revision: str | None = None) -> str:
        return hf_hub_download(repo, name, revision=revision, endpoint=fresh_hub.url, cache_dir=tmp_path)

    with pytest.raises(RepositoryNotFoundError) as missing_repo:
        download("tiny/nope")
    assert not isinstance(missing_repo.value, GatedRepoError)
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("tiny/nope")

    with pytest.raises(RevisionNotFoundError):
        download("tiny/videomae", revision="v9")
    with pytest.raises(RevisionNotFoundError):
        api.model_info("tiny/videomae", revision="0" * 40)

    with pytest.raises(RemoteEntryNotFoundError) as missing_file:
        download("tiny/videomae", "no/such/file.json")
    assert isinstance(missing_file.value, EntryNotFoundError)

    with pytest.raises(GatedRepoError):
        download("tiny/gated")
    with pytest.raises(GatedRepoError):
        api.model_info("tiny/gated")
    with pytest.raises(GatedRepoError):
        list(api.list_repo_tree("tiny/gated"))


def test_a_cut_connection_is_resumed_with_a_range_request(
    fresh_hub: StandInHub, tiny_model_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants
    from huggingface_hub import hf_hub_download

    # The client only counts bytes it has handed out in chunks of DOWNLOAD_CHUNK_SIZE (10 MiB):
    # with that, a tiny file broken off half-way is fetched again whole. Small chunks make it resume.
    monkeypatch.setattr(huggingface_hub.constants, "DOWNLOAD_CHUNK_SIZE", 1024)
    name = "vae/diffusion_pytorch_model.safetensors"
    size = (tiny_model_dirs["wan"] / name).stat().st_size
    fresh_hub.cut_connection(name)

    path = hf_hub_download("tiny/wan", name, endpoint=fresh_hub.url, cache_dir=tmp_path)

    assert filecmp.cmp(path, tiny_model_dirs["wan"] / name, shallow=False)
    gets = [record for record in fresh_hub.requests if record.method == "GET"]
    assert len(gets) == 2
    assert gets[0].range is None
    assert gets[1].range is not None and gets[1].range.startswith("bytes=")
    resumed_from = int(gets[1].range.removeprefix("bytes=").split("-")[0])
    assert 0 < resumed_from <= size // 2


def test_a_cut_connection_without_chunks_downloads_again(
    fresh_hub: StandInHub, tiny_model_dirs: dict[str, Path], tmp_path: Path
) -> None:
    from huggingface_hub import hf_hub_download

    name = "text_encoder/model.safetensors"
    fresh_hub.cut_connection(name)
    path = hf_hub_download("tiny/ltx", name, endpoint=fresh_hub.url, cache_dir=tmp_path)
    assert filecmp.cmp(path, tiny_model_dirs["ltx"] / name, shallow=False)
    assert [record.method for record in fresh_hub.requests] == ["HEAD", "GET", "GET"]


def test_resolve_headers_and_byte_ranges(
    fresh_hub: StandInHub, stand_in: tuple[StandInHub, dict[str, str]], tiny_model_dirs: dict[str, Path]
) -> None:
    import hashlib

    _, shas = stand_in
    data = (tiny_model_dirs["videomae"] / "config.json").read_bytes()
    path = f"/tiny/videomae/resolve/{shas['videomae']}/config.json"

    status, headers, body = _raw(fresh_hub, "HEAD", path)
    assert status == 200 and body == b""
    assert headers["X-Repo-Commit"] == shas["videomae"]
    assert headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert headers["Content-Length"] == str(len(data)) and headers["Accept-Ranges"] == "bytes"
    assert not any(name.lower().startswith("x-xet") for name in headers)

    status, headers, body = _raw(fresh_hub, "GET", path, {"Range": "bytes=10-19"})
    assert (status, body, headers["Content-Range"]) == (206, data[10:20], f"bytes 10-19/{len(data)}")
    status, _, body = _raw(fresh_hub, "GET", path, {"Range": "bytes=100-"})
    assert (status, body) == (206, data[100:])
    status, headers, _ = _raw(fresh_hub, "GET", path, {"Range": f"bytes={len(data)}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"

    status, headers, _ = _raw(fresh_hub, "GET", "/tiny/videomae/resolve/main/missing.json")
    assert (status, headers["X-Error-Code"], headers["X-Repo-Commit"]) == (404, "EntryNotFound", shas["videomae"])
    assert fresh_hub.requests[1] == RequestRecord("GET", path, "bytes=10-19")


def test_stop_shuts_the_server_down(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    hub = StandInHub().start()
    sha = hub.add_repo("org/name", tmp_path)
    assert len(sha) == 40 and int(sha, 16) >= 0
    assert _raw(hub, "GET", "/api/models/org/name")[0] == 200
    url = hub.url
    hub.stop()
    host, port = url.removeprefix("http://").split(":")
    with pytest.raises(OSError):
        http.client.HTTPConnection(host, int(port), timeout=2).request("GET", "/")
    with pytest.raises(RuntimeError):
        _ = hub.url


# -- the tiny models -------------------------------------------------------------------------


def test_builds_are_deterministic_and_safetensors_only(tiny_model_dirs: dict[str, Path], tmp_path: Path) -> None:
    again = build_tiny_wan(tmp_path / "wan")
    with StandInHub() as server:
        assert server.add_repo("a/wan", again) == server.add_repo("b/wan", tiny_model_dirs["wan"])
    for name, folder in tiny_model_dirs.items():  # Real-ESRGAN's repo publishes .pth files: its copy does too
        allowed = ALLOWED_SUFFIXES + ((".pth",) if name == "realesrgan" else ())
        assert all(file.endswith(allowed) for file in _files(folder)), _files(folder)


def test_tokenizer_round_trips_and_maps_unknown_text_to_unk(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    built = build_tiny_tokenizer(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    for text in ["A cat runs on the beach, at sunset.", "一只猫在海滩上奔跑", "zebras xylophone", ""]:
        ids = loaded(text).input_ids
        assert ids == built(text).input_ids
        assert ids[-1] == loaded.eos_token_id
    assert loaded.unk_token_id in loaded("一只猫").input_ids
    assert loaded.convert_ids_to_tokens(loaded("the cat").input_ids) == ["▁the", "▁cat", "</s>"]


def _image() -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3), dtype=np.uint8))


def _frames(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(count)]


def _run_video_pipeline(pipeline, **kwargs) -> np.ndarray:  # noqa: ANN001 - any diffusers pipeline
    pipeline.set_progress_bar_config(disable=True)
    output = pipeline(
        prompt="A cat runs on the beach, 一只猫",
        negative_prompt="blurry, low quality",
        height=TINY_IMAGE_SIZE,
        width=TINY_IMAGE_SIZE,
        num_frames=9,
        num_inference_steps=2,
        generator=torch.Generator().manual_seed(0),
        output_type="np",
        **kwargs,
    )
    frames = output.frames
    assert np.isfinite(frames).all()
    return frames


def test_tiny_wan_runs_as_wan_pipeline(tiny_model_dirs: dict[str, Path]) -> None:
    from diffusers import WanPipeline

    pipeline = WanPipeline.from_pretrained(tiny_model_dirs["wan"])
    assert pipeline.config.expand_timesteps is False
    assert _run_video_pipeline(pipeline, guidance_scale=5.0).shape == (1, 9, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3)


def test_tiny_wan22_runs_text_to_video(tiny_model_dirs: dict[str, Path]) -> None:
    from diffusers import WanPipeline

    pipeline = WanPipeline.from_pretrained(tiny_model_dirs["wan22"])
    assert pipeline.config.expand_timesteps is True
    assert _run_video_pipeline(pipeline).shape == (1, 9, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3)


def test_tiny_wan22_runs_as_wan_image_to_video_pipeline(tiny_model_dirs: dict[str, Path]) -> None:
    # diffusers' WanImageToVideoPipeline calls ftfy.fix_text without checking that ftfy is installed
    # (WanPipeline checks): without ftfy this fails with "NameError: name 'ftfy' is not defined".
    from diffusers import WanImageToVideoPipeline

    pipeline = WanImageToVideoPipeline.from_pretrained(tiny_model_dirs["wan22"])
    assert pipeline.config.expand_timesteps is True and pipeline.image_encoder is None
    frames = _run_video_pipeline(pipeline, image=_image())
    assert frames.shape == (1, 9, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3)


def test_tiny_ltx_runs_as_ltx_pipeline(tiny_model_dirs: dict[str, Path]) -> None:
    from diffusers import LTXPipeline

    pipeline = LTXPipeline.from_pretrained(tiny_model_dirs["ltx"])
    # diffusers' own tests switch these off by hand; they are off by default and not saved.
    assert not pipeline.vae.use_framewise_encoding and not pipeline.vae.use_framewise_decoding
    assert _run_video_pipeline(pipeline).shape == (1, 9, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3)


def test_tiny_ltx_runs_as_ltx_image_to_video_pipeline(tiny_model_dirs: dict[str, Path]) -> None:
    from diffusers import LTXImageToVideoPipeline

    pipeline = LTXImageToVideoPipeline.from_pretrained(tiny_model_dirs["ltx"])
    frames = _run_video_pipeline(pipeline, image=_image())
    assert frames.shape == (1, 9, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3)


def test_tiny_videomae_classifies_a_clip(tiny_model_dirs: dict[str, Path]) -> None:
    from transformers import AutoImageProcessor, VideoMAEForVideoClassification

    folder = tiny_model_dirs["videomae"]
    model = VideoMAEForVideoClassification.from_pretrained(folder)
    processor = AutoImageProcessor.from_pretrained(folder)
    inputs = processor(_frames(VIDEOMAE_NUM_FRAMES), return_tensors="pt")
    assert inputs["pixel_values"].shape == (1, VIDEOMAE_NUM_FRAMES, 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE)
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape == (1, 400)
    assert len(model.config.id2label) == 400
    assert model.config.id2label[int(logits.argmax())] in model.config.label2id
    assert json.loads((folder / "config.json").read_text())["id2label"]["0"] == "abseiling"


def test_tiny_xclip_scores_texts_against_a_clip(tiny_model_dirs: dict[str, Path]) -> None:
    from transformers import XCLIPModel, XCLIPProcessor

    folder = tiny_model_dirs["xclip"]
    model = XCLIPModel.from_pretrained(folder)
    processor = XCLIPProcessor.from_pretrained(folder)
    inputs = processor(
        text=["a cat playing", "一只狗"], videos=[_frames(XCLIP_NUM_FRAMES)], return_tensors="pt", padding=True
    )
    assert inputs["pixel_values"].shape == (1, XCLIP_NUM_FRAMES, 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE)
    with torch.no_grad():
        output = model(**inputs)
    assert output.logits_per_video.shape == (1, 2)
    assert output.logits_per_text.shape == (2, 1)
