"""Content Credentials (issue 20, part 1): every file written is signed, and c2pa-python's own Reader
(never videogen's code) reads each kind as what it is; verify reports it; a changed file is invalid.

Each test's files are made by the offline paths (the shapes-world models, DIS optical flow, the
offline upscaler, compositions of photos); the signing certificate is the session's local CA
(tests/conftest.py points VIDEOGEN_CONFIG_DIR at a session folder) unless a test makes its own.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from videogen.api import Engine
from videogen.errors import CredentialsError
from videogen.media import read_video, write_video
from videogen.provenance.verify import KEYS, verify

c2pa = pytest.importorskip("c2pa")

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
PROMPT = "a red circle moving left"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(device="cpu")


def manifest(path: str | Path) -> dict[str, Any]:
    """The active manifest as c2pa-python's Reader reads it."""
    with c2pa.Reader(str(path)) as reader:
        return reader.get_active_manifest()


def actions(active: dict[str, Any]) -> list[dict[str, Any]]:
    return next(a["data"]["actions"] for a in active["assertions"] if a["label"] == "c2pa.actions.v2")


def recipe(active: dict[str, Any]) -> dict[str, Any]:
    return next(a["data"] for a in active["assertions"] if a["label"] == "videogen.recipe")


def flipped(path: str | Path, marker: bytes, offset: int) -> Path:
    """A copy of ``path`` with one byte changed ``offset`` bytes after ``marker`` (the pixels, not the manifest)."""
    data = bytearray(Path(path).read_bytes())
    data[data.index(marker) + offset] ^= 0xFF
    out = Path(path).with_name("changed" + Path(path).suffix)
    out.write_bytes(data)
    return out


def test_a_generated_clip_says_a_trained_model_made_it_and_a_changed_copy_is_invalid(engine: Engine, tmp_path: Path,
                                                                                    capsys: pytest.CaptureFixture) -> None:
    clip = engine.text_to_video(PROMPT, model="shapes-t2v", seed=7, output=tmp_path / "t2v.mp4")
    active = manifest(clip.path)
    first = actions(active)[0]
    assert first["action"] == "c2pa.created" and first["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert first["softwareAgent"]["name"] == "videogen"
    made = recipe(active)
    assert (made["model"], made["seed"], made["steps"], made["prompt"]) == ("shapes-t2v", 7, clip.steps, PROMPT)
    with c2pa.Reader(clip.path) as reader:
        assert reader.get_validation_state() == "Valid"  # the local CA's certificate: valid, not on a trust list
    report = verify(clip.path)
    assert report["valid"] is True and report["ai_generated"] is True and report["has_manifest"] is True
    assert (report["model"], report["seed"], report["actions"]) == ("shapes-t2v", 7, ["c2pa.created"])
    assert report["digital_source_type"] == IPTC + "trainedAlgorithmicMedia"

    changed = flipped(clip.path, b"mdat", 200)  # one byte of the picture
    bad = verify(changed)
    assert bad["has_manifest"] is True and bad["valid"] is False
    assert any("mismatch" in issue for issue in bad["issues"])
    with c2pa.Reader(str(changed)) as reader:
        assert reader.get_validation_state() == "Invalid"

    from videogen.cli import main

    assert main(["verify", clip.path, str(changed), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [list(item) for item in printed] == [list(KEYS)] * 2 and [i["valid"] for i in printed] == [True, False]


def test_an_animated_image_with_music_keeps_both_as_ingredients(engine: Engine, tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "start.png"
    picture = np.full((64, 64, 3), 30, np.uint8)
    picture[24:40, 24:40] = (220, 40, 40)  # a red square on a dark background
    Image.fromarray(picture).save(image)
    music = tmp_path / "music.wav"
    with wave.open(str(music), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes((3000 * np.sin(np.arange(16000) / 5)).astype("<i2").tobytes())
    clip = engine.image_to_video(str(image), "moving right", model="shapes-i2v", seed=2, output=tmp_path / "i2v.mp4",
                                 audio=str(music), include_prompt=False)
    active = manifest(clip.path)
    done = actions(active)
    assert done[0]["action"] == "c2pa.created" and done[0]["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert [a["action"] for a in done[1:]] == ["c2pa.placed", "c2pa.placed"]
    assert [(i["title"], i["relationship"]) for i in active["ingredients"]] == [("start.png", "componentOf"),
                                                                              ("music.wav", "componentOf")]
    assert "prompt" not in recipe(active) and "moving right" not in json.dumps(active)  # include_prompt off
    assert recipe(active)["seed"] == 2 and verify(clip.path)["ai_generated"] is True


def test_the_label_changes_a_corner_and_nothing_else(engine: Engine, tmp_path: Path) -> None:
    from videogen.provenance.label import box

    plain = engine.text_to_video(PROMPT, model="shapes-t2v", seed=3, output=tmp_path / "plain.mp4")
    marked = engine.text_to_video(PROMPT, model="shapes-t2v", seed=3, output=tmp_path / "marked.mp4", label=True)
    a, b = (read_video(c.path, 100).frames.astype(np.int16) for c in (plain, marked))
    top, left, bottom, right = box(plain.height, plain.width)
    assert bottom > plain.height * 0.8 and right > plain.width * 0.8  # the bottom-right corner
    inside = np.abs(a - b)[:, top:bottom, left:right].mean()
    outside = np.abs(a - b).copy()
    outside[:, max(0, top - 16):, max(0, left - 16):] = 0  # the label's box and the encoder's blocks around it
    assert inside > 20 and outside.max() <= 2
    assert verify(marked.path)["ai_generated"] is True


def test_an_edit_names_its_parent_and_says_which_pixels_a_trained_model_made(tmp_path: Path) -> None:
    from videogen.bench.footage import pan_zoom

    data = pytest.importorskip("skimage.data")
    video = write_video(pan_zoom(data.coffee(), 9, (64, 48)), tmp_path / "mine.mp4", fps=8)
    result = Engine(device="cpu").edit(video, output=tmp_path / "edited.mp4", trim="0:1", interpolate=2, upscale=2)
    active = manifest(result.path)
    done = {a["action"]: a for a in actions(active)}
    assert list(done) == ["c2pa.opened", "c2pa.trimmed", "c2pa.edited", "c2pa.resized"]
    assert "digitalSourceType" not in done["c2pa.trimmed"]
    assert done["c2pa.edited"]["digitalSourceType"] == IPTC + "algorithmicMedia"  # DIS optical flow: no training
    assert done["c2pa.resized"]["digitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"  # videogen-sr
    assert [(i["title"], i["relationship"]) for i in active["ingredients"]] == [("mine.mp4", "parentOf")]
    report = verify(result.path)
    assert report["valid"] and report["ai_generated"]
    assert report["digital_source_type"] == IPTC + "algorithmicMedia"  # the first the active manifest says
    changed = flipped(result.path, b"mdat", 100)
    assert verify(changed)["valid"] is False


def test_compositions_say_composite_or_with_trained_media_and_bring_their_inputs_credentials(
        engine: Engine, tmp_path: Path) -> None:
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((96, 128, 3), 120, np.uint8)).save(photo)
    plain = engine.compose([str(photo)], output=tmp_path / "photos.mp4", seconds_per_image=1, fps=8, width=64, height=48)
    active = manifest(plain.path)
    assert actions(active)[0]["digitalSourceType"] == IPTC + "composite"
    assert verify(plain.path)["ai_generated"] is False and verify(plain.path)["valid"] is True

    clip = engine.text_to_video(PROMPT, model="shapes-t2v", seed=1, output=tmp_path / "made.mp4")
    mixed = engine.compose([str(photo), clip.path], output=tmp_path / "mixed.mp4", seconds_per_image=1, fps=8, width=64,
                           height=48)
    active = manifest(mixed.path)
    done = actions(active)
    assert done[0]["action"] == "c2pa.created"
    assert done[0]["digitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"
    assert [a["action"] for a in done[1:]] == ["c2pa.placed", "c2pa.placed"]
    made = [i for i in active["ingredients"] if i["title"] == "made.mp4"][0]
    assert made["relationship"] == "componentOf" and made.get("active_manifest")  # the clip's credentials came along
    report = verify(mixed.path)
    assert report["valid"] and report["ai_generated"]


def test_a_still_for_download_is_a_signed_png_of_its_video(engine: Engine, tmp_path: Path) -> None:
    from videogen.ui.credentials import credentials_markdown, signed_stills

    clip = engine.text_to_video(PROMPT, model="shapes-t2v", seed=4, output=tmp_path / "c.mp4")
    frame = read_video(clip.path, 100).frames[0]
    still = Path(signed_stills([frame], clip.path, tmp_path / "stills", "frame {n}")[0])
    assert still.suffix == ".png"
    active = manifest(still)
    assert [a["action"] for a in actions(active)] == ["c2pa.opened", "c2pa.edited"]
    assert active["ingredients"][0]["relationship"] == "parentOf" and active["ingredients"][0]["title"] == "c.mp4"
    report = verify(still)
    assert report["valid"] and report["ai_generated"]  # from its parent's credentials
    assert verify(flipped(still, b"IDAT", 20))["valid"] is False
    english, chinese = credentials_markdown(clip.path), credentials_markdown(clip.path, "zh-CN")
    assert "AI-generated (trainedAlgorithmicMedia)" in english and "shapes-t2v" in english and "valid" in english
    assert "AI 生成（trainedAlgorithmicMedia）" in chinese and "有效" in chinese


def test_a_file_without_credentials_is_reported_without_failing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from videogen.cli import main
    from videogen.ui.credentials import credentials_markdown

    video = write_video(np.zeros((4, 32, 32, 3), np.uint8), tmp_path / "bare.mp4", fps=4)
    report = verify(video)
    assert report["has_manifest"] is False and report["ai_generated"] is False and report["actions"] == []
    assert main(["verify", str(video)]) == 0
    assert capsys.readouterr().out.strip() == f"{video}: no Content Credentials"
    assert "none" in credentials_markdown(str(video))


def _cert_usage(certificate: Any) -> tuple[bool, bool, list[str]]:
    from cryptography import x509

    ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    sign = certificate.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = [oid.dotted_string for oid in certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value]
    return ca, sign, eku


def test_the_local_ca_is_made_once_private_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography import x509

    from videogen.provenance.identity import load_identity, local_ca

    monkeypatch.setenv("VIDEOGEN_CONFIG_DIR", str(tmp_path / "config"))
    folder = tmp_path / "config" / "c2pa"
    made: list[Path] = []
    racers = [threading.Thread(target=lambda: made.append(local_ca(folder))) for _ in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert made == [folder] * 4 and sorted(p.name for p in folder.iterdir()) == ["root.pem", "signer.key", "signer.pem"]
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".c2pa-")]  # the losers' drafts are gone
    assert os.stat(folder / "signer.key").st_mode & 0o777 == 0o600
    chain = x509.load_pem_x509_certificates((folder / "signer.pem").read_bytes())
    assert len(chain) == 2 and chain[0].issuer == chain[1].subject != chain[0].subject  # not self-signed
    assert _cert_usage(chain[0]) == (False, True, ["1.3.6.1.5.5.7.3.4"])  # not a CA, digitalSignature, emailProtection
    before = (folder / "signer.pem").read_bytes()
    clip = write_video(np.zeros((4, 32, 32, 3), np.uint8), tmp_path / "a.mp4", fps=4)
    from videogen.provenance.manifest import generated
    from videogen.provenance.sign import sign_file

    sign_file(clip, generated({"model": "m", "seed": 1}, True))
    assert load_identity().chain == before == (folder / "signer.pem").read_bytes()  # reused, not remade
    assert verify(clip)["valid"] is True


def _test_ca(folder: Path, name: str) -> tuple[Path, Path]:
    """A CA and a signing certificate it issued, written as the operator's PEM chain and key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    later = now + datetime.timedelta(days=30)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test operator CA"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tests")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(later)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tests")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2).not_valid_before(now).not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    cert, secret = folder / "chain.pem", folder / "key.pem"
    cert.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    secret.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert, secret


def test_the_operators_certificate_signs_when_given(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                    ) -> None:
    cert, key = _test_ca(tmp_path, "operator signer")
    monkeypatch.setenv("VIDEOGEN_C2PA_CERT", str(cert))
    monkeypatch.setenv("VIDEOGEN_C2PA_KEY", str(key))
    clip = engine.text_to_video(PROMPT, model="shapes-t2v", seed=5, output=tmp_path / "op.mp4")
    assert manifest(clip.path)["signature_info"]["common_name"] == "operator signer"
    assert verify(clip.path)["valid"] is True


def test_a_bad_certificate_fails_the_request_and_keeps_nothing_as_if_signed(engine: Engine, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEOGEN_C2PA_CERT", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("VIDEOGEN_C2PA_KEY", str(tmp_path / "missing.key"))
    with pytest.raises(CredentialsError, match="VIDEOGEN_C2PA_CERT=.*could not be read") as caught:
        engine.text_to_video(PROMPT, model="shapes-t2v", seed=5, output=tmp_path / "out.mp4")
    assert "unsigned.mp4" in str(caught.value)
    assert not (tmp_path / "out.mp4").exists() and (tmp_path / "out.unsigned.mp4").is_file()
    assert verify(tmp_path / "out.unsigned.mp4")["has_manifest"] is False
