"""Signing a file in place with its Content Credentials (c2pa-python's ``Builder``).

The signed copy is written beside the file under a temporary name and renamed over it, so the
name only ever holds the whole unsigned file or the whole signed one. Signing is the last write to
a file (after "Add sound" remuxes it). When signing fails, the request fails too, with a
:class:`~videogen.errors.CredentialsError` saying why and what to do; the unsigned file is not left
under its name: it is kept as ``<name>.unsigned.<ext>`` (the work is not lost, and nothing serves it
as if signed).

No timestamp authority is asked (the app runs offline): a signature is valid while its
certificate is (:mod:`videogen.provenance.identity`: 5 years for the local one). Thumbnails are
not embedded (they would cost more than the signing itself); viewers show the file.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from videogen.errors import CredentialsError
from videogen.provenance.manifest import Credentials

logger = logging.getLogger(__name__)

MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".png": "image/png", ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg", ".webp": "image/webp", ".wav": "audio/wav", ".mp3": "audio/mpeg", ".m4a": "audio/mp4",
        ".flac": "audio/flac", ".ogg": "audio/ogg", ".avi": "video/x-msvideo", ".mkv": "video/x-matroska",
        ".webm": "video/webm", ".gif": "image/gif", ".tif": "image/tiff", ".tiff": "image/tiff"}

_lock = threading.Lock()
_signer: dict[Any, Any] = {}  # (the identity's key) -> c2pa.Signer, made once per process


def mime_of(path: str | Path) -> str:
    return MIME.get(Path(path).suffix.lower(), "application/octet-stream")


def _context() -> Any:
    import c2pa

    return c2pa.Context(settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))


def _get_signer() -> Any:
    """The c2pa Signer of :func:`~videogen.provenance.identity.load_identity`'s certificate, kept while it is the same."""
    import c2pa

    from videogen.provenance.identity import load_identity

    identity = load_identity()
    key = (identity.chain, identity.key, identity.alg)
    if key not in _signer:
        try:
            signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(identity.alg, identity.chain, identity.key, None))
        except c2pa.C2paError as exc:
            raise CredentialsError(f"the {identity.source} signing certificate cannot sign Content Credentials ({exc}); "
                                   "check VIDEOGEN_C2PA_CERT and VIDEOGEN_C2PA_KEY") from exc
        _signer.clear()
        _signer[key] = signer
    return _signer[key]


def sign_file(path: str | Path, credentials: Credentials) -> Path:
    """Sign ``path`` in place with ``credentials`` (see the module's docstring); returns the path."""
    import c2pa

    path = Path(path)
    mime = mime_of(path)
    partial = path.with_name(f".{path.stem}.sign.{os.getpid()}.{threading.get_ident()}.part{path.suffix}")
    try:
        with _lock:
            signer = _get_signer()
            builder = _builder(credentials, path.name, mime)
            with open(path, "rb") as source, open(partial, "w+b") as signed:
                builder.sign(signer, mime, source, signed)
                signed.flush()
                os.fsync(signed.fileno())
        os.replace(partial, path)
    except (c2pa.C2paError, OSError, CredentialsError) as exc:
        partial.unlink(missing_ok=True)
        kept = _set_aside(path)
        if isinstance(exc, CredentialsError):
            raise CredentialsError(f"{exc}. {kept}") from exc
        raise CredentialsError(f"{path.name} could not be signed with its Content Credentials ({exc}). {kept} Check "
                               "VIDEOGEN_C2PA_CERT/VIDEOGEN_C2PA_KEY (or the local CA in VIDEOGEN_CONFIG_DIR/c2pa) "
                               "and try again.") from exc
    logger.debug("signed %s (%d ingredients)", path.name, len(credentials.ingredients))
    return path


def _builder(credentials: Credentials, title: str, mime: str) -> Any:
    """A c2pa Builder with the manifest and its ingredients, each read from its file (hashed, with its own
    credentials if it has any); one that cannot be read (gone, or a format c2pa cannot parse) is named
    by its title and format only."""
    import c2pa

    unread: dict[int, str] = {}
    while True:
        manifest = credentials.manifest(title, mime)
        manifest["ingredients"] = [{"title": Path(credentials.ingredients[i].path).name, "format": mime_of(
            credentials.ingredients[i].path), "relationship": credentials.ingredients[i].relationship,
            "label": f"in{i}"} for i in sorted(unread)]
        builder = c2pa.Builder(manifest, context=_context())
        for index, ingredient in enumerate(credentials.ingredients):
            if index in unread:
                continue
            info = {"title": Path(ingredient.path).name, "relationship": ingredient.relationship, "label": f"in{index}"}
            try:
                with open(ingredient.path, "rb") as source:
                    builder.add_ingredient(info, mime_of(ingredient.path), source)
            except (c2pa.C2paError, OSError) as exc:
                logger.warning("the ingredient %s could not be read (%s): named without its contents", info["title"], exc)
                unread[index] = str(exc)
                builder.close()
                break
        else:
            return builder


def _set_aside(path: Path) -> str:
    """The unsigned file renamed ``<name>.unsigned.<ext>``; what to tell about it."""
    if not path.exists():
        return "Nothing was written."
    aside = path.with_name(f"{path.stem}.unsigned{path.suffix}")
    try:
        os.replace(path, aside)
    except OSError:
        path.unlink(missing_ok=True)
        return "The unsigned file was deleted."
    return f"The unsigned file is kept as {aside.name}, without credentials."
