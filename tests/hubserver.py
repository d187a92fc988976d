"""A stand-in Hugging Face Hub served over plain HTTP, for offline tests.

:class:`StandInHub` serves model repositories from folders on disk with the endpoints that
``huggingface_hub`` (2.x) and the libraries built on it (diffusers, transformers) use to
download models:

* ``HEAD``/``GET /{repo_id}/resolve/{revision}/{path}`` — file metadata and bytes, with
  ``X-Repo-Commit``, ``ETag`` (sha256 of the file), ``Content-Length`` and byte ranges;
* ``GET /api/models/{repo_id}`` and ``GET /api/models/{repo_id}/revision/{revision}`` —
  repository info (commit sha and file list);
* ``GET /api/models/{repo_id}/tree/{revision}[/{path}]`` — the recursive file listing.

Errors carry the ``X-Error-Code`` headers that ``huggingface_hub`` maps to its exceptions:
``RepoNotFound`` (404), ``RevisionNotFound`` (404), ``EntryNotFound`` (404) and
``GatedRepo`` (403, for every endpoint of a repository added with ``gated=True``). No Xet
metadata is ever sent, so clients always use plain HTTP downloads.

Revisions are ``"main"`` or the repository's commit sha, a deterministic hash of its file
contents. Every request is recorded in :attr:`StandInHub.requests`, and
:meth:`StandInHub.cut_connection` makes the next downloads of a file break off half-way, to
exercise resumption.

Clients in another process need ``HF_ENDPOINT=<hub.url>``, ``HF_HUB_DISABLE_XET=1``,
``HF_HUB_DISABLE_IMPLICIT_TOKEN=1`` and ``NO_PROXY=127.0.0.1,localhost``. ``huggingface_hub``
reads ``HF_ENDPOINT`` when it is imported, so callers in the test process should pass
``endpoint=hub.url`` to ``hf_hub_download``, ``snapshot_download`` and ``HfApi``.

Example::

    with StandInHub() as hub:
        sha = hub.add_repo("tiny/wan", folder)
        path = hf_hub_download("tiny/wan", "model_index.json", endpoint=hub.url, cache_dir=cache)
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["RequestRecord", "StandInHub"]

_CHUNK_SIZE = 1 << 16
# Files the real Hub stores with Git LFS; their tree entries carry an ``lfs`` block.
_LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".onnx", ".msgpack", ".h5", ".model")
_RANGE_PATTERN = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class RequestRecord:
    """One request received by the stand-in hub.

    ``path`` is the URL-decoded request path without the query string; ``range`` is the
    ``Range`` header if the client sent one.
    """

    method: str
    path: str
    range: str | None


@dataclass(frozen=True)
class _RepoFile:
    """A file of a served repository: where it lies on disk and its hashes."""

    source: Path
    size: int
    sha256: str
    git_sha1: str


@dataclass(frozen=True)
class _Repo:
    """A served repository at a single commit."""

    repo_id: str
    sha: str
    gated: bool
    files: dict[str, _RepoFile]


class _HubError(Exception):
    """An error answer: status, ``X-Error-Code``, message, and extra headers (e.g. the commit)."""

    def __init__(
        self, status: int, code: str | None, message: str, commit: str | None = None, **headers: str
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers)
        if commit is not None:
            self.headers["X-Repo-Commit"] = commit


def _hash_file(path: Path) -> tuple[int, str, str]:
    """Size, sha256 and git blob sha1 of a file."""
    size = path.stat().st_size
    sha256 = hashlib.sha256()
    git_sha1 = hashlib.sha1(f"blob {size}\0".encode())
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_SIZE), b""):
            sha256.update(chunk)
            git_sha1.update(chunk)
    return size, sha256.hexdigest(), git_sha1.hexdigest()


def _git_tree_sha1(path: str, files: dict[str, _RepoFile]) -> str:
    """A stable identifier for the folder ``path``: a hash over the files below it."""
    digest = hashlib.sha1(f"tree {path}\0".encode())
    for name in sorted(files):
        if name.startswith(path + "/"):
            digest.update(f"{name}\0{files[name].git_sha1}\n".encode())
    return digest.hexdigest()


def _lfs_pointer_size(entry: _RepoFile) -> int:
    """Size of the Git LFS pointer file the real Hub would store for ``entry``."""
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{entry.sha256}\nsize {entry.size}\n"
    return len(pointer.encode())


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Parse a single ``bytes=`` range into inclusive ``(start, end)``; ``None`` if unsatisfiable."""
    match = _RANGE_PATTERN.match(header.strip())
    if match is None or match.group(0) == "bytes=-":
        return None
    first, last = match.groups()
    if first == "":  # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return None
        return max(size - length, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or end < start:
        return None
    return start, end


class _Handler(BaseHTTPRequestHandler):
    """Request handler; the hub it serves is ``self.server.hub``."""

    protocol_version = "HTTP/1.1"
    server_version = "StandInHub/1.0"
    timeout = 60  # idle keep-alive connections end after this many seconds

    server: _Server

    @property
    def hub(self) -> StandInHub:
        return self.server.hub

    def setup(self) -> None:
        super().setup()
        self.hub._track_connection(self.connection, opened=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # the connection was cut on purpose, or the client went away
        finally:
            self.hub._track_connection(self.connection, opened=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        """Silence the default per-request logging to stderr."""

    def do_HEAD(self) -> None:  # noqa: N802 - name required by BaseHTTPRequestHandler
        self._dispatch(head=True)

    def do_GET(self) -> None:  # noqa: N802 - name required by BaseHTTPRequestHandler
        self._dispatch(head=False)

    def _dispatch(self, *, head: bool) -> None:
        url = urlsplit(self.path)
        raw_segments = [segment for segment in url.path.split("/") if segment]
        segments = [unquote(segment) for segment in raw_segments]
        self.hub._log(RequestRecord(self.command, unquote(url.path), self.headers.get("Range")))
        try:
            if segments[:2] == ["api", "models"]:
                if head:
                    raise _HubError(405, None, "Method not allowed on the API")
                self._api(segments[2:], parse_qs(url.query))
            elif len(segments) >= 5 and segments[2] == "resolve":
                self._resolve(segments, head=head)
            else:
                raise _HubError(404, None, f"Not found: {url.path}")
        except _HubError as error:
            self._send_error(error, head=head)

    # -- API -------------------------------------------------------------------------------

    def _api(self, segments: list[str], query: dict[str, list[str]]) -> None:
        if len(segments) < 2:
            raise _HubError(404, None, "Not found")
        repo = self.hub._repo("/".join(segments[:2]))
        rest = segments[2:]
        if not rest:
            self._send_json(self._model_info(repo, query))
        elif rest[0] == "revision" and len(rest) == 2:
            self.hub._resolve_revision(repo, rest[1])
            self._send_json(self._model_info(repo, query))
        elif rest[0] == "tree" and len(rest) >= 2:
            self.hub._resolve_revision(repo, rest[1])
            self._send_json(self._tree(repo, "/".join(rest[2:])))
        else:
            raise _HubError(404, None, f"Not found: /api/models/{'/'.join(segments)}")

    @staticmethod
    def _model_info(repo: _Repo, query: dict[str, list[str]]) -> dict[str, object]:
        with_blobs = query.get("blobs", ["false"])[-1].lower() in {"1", "true"}
        siblings: list[dict[str, object]] = []
        for name in sorted(repo.files):
            sibling: dict[str, object] = {"rfilename": name}
            if with_blobs:
                entry = repo.files[name]
                sibling.update(size=entry.size, blobId=entry.git_sha1)
                if name.endswith(_LFS_SUFFIXES):
                    sibling["lfs"] = {
                        "size": entry.size,
                        "sha256": entry.sha256,
                        "pointerSize": _lfs_pointer_size(entry),
                    }
            siblings.append(sibling)
        return {
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "sha": repo.sha,
            "siblings": siblings,
            "private": False,
            "gated": "auto" if repo.gated else False,
            "disabled": False,
            "tags": [],
            "downloads": 0,
            "likes": 0,
        }

    @staticmethod
    def _tree(repo: _Repo, under: str) -> list[dict[str, object]]:
        prefix = f"{under}/" if under else ""
        if under and not any(name.startswith(prefix) for name in repo.files):
            raise _HubError(404, "EntryNotFound", f"{under} does not exist on {repo.sha}", commit=repo.sha)
        folders: set[str] = set()
        for name in repo.files:
            if name.startswith(prefix):
                parts = name.split("/")[:-1]
                folders.update("/".join(parts[: depth + 1]) for depth in range(len(parts)))
        entries: list[dict[str, object]] = [
            {"type": "directory", "path": folder, "oid": _git_tree_sha1(folder, repo.files), "size": 0}
            for folder in sorted(folders)
            if folder.startswith(prefix)
        ]
        for name in sorted(repo.files):
            if not name.startswith(prefix):
                continue
            entry = repo.files[name]
            item: dict[str, object] = {"type": "file", "path": name, "size": entry.size, "oid": entry.git_sha1}
            if name.endswith(_LFS_SUFFIXES):
                item["lfs"] = {"oid": entry.sha256, "size": entry.size, "pointerSize": _lfs_pointer_size(entry)}
            entries.append(item)
        return entries

    # -- files -----------------------------------------------------------------------------

    def _resolve(self, segments: list[str], *, head: bool) -> None:
        repo = self.hub._repo("/".join(segments[:2]))
        sha = self.hub._resolve_revision(repo, segments[3])
        filename = "/".join(segments[4:])
        entry = repo.files.get(filename)
        if entry is None:
            raise _HubError(404, "EntryNotFound", f"{filename} does not exist on {sha}", commit=sha)
        headers = {
            "X-Repo-Commit": sha,
            "ETag": f'"{entry.sha256}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        start, end = 0, entry.size - 1
        status = 200
        range_header = self.headers.get("Range")
        if not head and range_header is not None:
            parsed = _parse_range(range_header, entry.size)
            if parsed is None:
                raise _HubError(
                    416,
                    None,
                    f"Range not satisfiable: {range_header}",
                    commit=sha,
                    **{"Content-Range": f"bytes */{entry.size}"},
                )
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{entry.size}"
        length = end - start + 1
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if head:
            return
        cut = self.hub._take_cut(unquote(urlsplit(self.path).path))
        to_send = length // 2 if cut else length
        with entry.source.open("rb") as handle:
            handle.seek(start)
            remaining = to_send
            while remaining > 0:
                chunk = handle.read(min(_CHUNK_SIZE, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)
        if cut:
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- answers ---------------------------------------------------------------------------

    def _send_json(self, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, error: _HubError, *, head: bool) -> None:
        body = json.dumps({"error": error.message}).encode()
        self.send_response(error.status)
        if error.code is not None:
            self.send_header("X-Error-Code", error.code)
        # Header values must be latin-1: escape anything else (e.g. non-ASCII file names).
        self.send_header("X-Error-Message", error.message.encode("ascii", "backslashreplace").decode("ascii"))
        for name, value in error.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    """The HTTP server: handler threads are daemons, and vanished clients are not reported."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, hub: StandInHub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hub = hub

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client closed the connection (or the hub cut it): nothing to report
        super().handle_error(request, client_address)


class StandInHub:
    """A local HTTP server that answers like the Hugging Face Hub for the repos added to it.

    Start it with :meth:`start` (or use it as a context manager), add repositories with
    :meth:`add_repo` and point clients at :attr:`url`. Repositories are served from their
    folders on disk, read at each request; the folders must not change after
    :meth:`add_repo` (add the repository again to publish new contents under a new commit).
    """

    def __init__(self) -> None:
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._repos: dict[str, _Repo] = {}
        self._cuts: dict[str, int] = {}
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> StandInHub:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread; return ``self``."""
        if self._server is not None:
            return self
        server = _Server(self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="stand-in-hub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StandInHub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the running hub, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("StandInHub is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- repositories ----------------------------------------------------------------------

    def add_repo(self, repo_id: str, folder: str | Path, *, gated: bool = False) -> str:
        """Serve the files under ``folder`` as model repository ``repo_id``; return its commit sha.

        The sha is the sha1 over the sorted ``(path, sha256)`` pairs of the files, so the same
        contents always give the same commit. Adding a repository again replaces it.
        """
        if repo_id.count("/") != 1 or not all(repo_id.split("/")):
            raise ValueError(f"repo_id must look like 'org/name', got {repo_id!r}")
        root = Path(folder)
        if not root.is_dir():
            raise NotADirectoryError(f"not a folder: {root}")
        files: dict[str, _RepoFile] = {}
        for path in sorted(root.rglob("*")):
            if path.is_file():
                size, sha256, git_sha1 = _hash_file(path)
                files[path.relative_to(root).as_posix()] = _RepoFile(path.resolve(), size, sha256, git_sha1)
        digest = hashlib.sha1()
        for name in sorted(files):
            digest.update(f"{name}\0{files[name].sha256}\n".encode())
        sha = digest.hexdigest()
        with self._lock:
            self._repos[repo_id] = _Repo(repo_id=repo_id, sha=sha, gated=gated, files=files)
        return sha

    # -- request log and faults ------------------------------------------------------------

    def clear_log(self) -> None:
        """Forget the requests recorded so far, and cancel pending :meth:`cut_connection` faults.

        Tests share one hub: this gives the next test a clean slate (a test that cuts a file
        more often than the client retries leaves cuts behind).
        """
        with self._lock:
            self.requests.clear()
            self._cuts.clear()

    def cut_connection(self, path_suffix: str, times: int = 1) -> None:
        """Break off the next ``times`` downloads (GET) of files whose path ends with ``path_suffix``.

        Such a download gets complete headers (``Content-Length`` of the whole answer) but
        only half of the body, then the connection is shut down.
        """
        with self._lock:
            self._cuts[path_suffix] = self._cuts.get(path_suffix, 0) + times

    # -- used by the request handler -------------------------------------------------------

    def _log(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _take_cut(self, path: str) -> bool:
        """Whether this download of ``path`` must be cut off (consumes one pending cut)."""
        with self._lock:
            for suffix, remaining in self._cuts.items():
                if remaining > 0 and path.endswith(suffix):
                    self._cuts[suffix] = remaining - 1
                    return True
        return False

    def _track_connection(self, connection: socket.socket, *, opened: bool) -> None:
        with self._lock:
            if opened:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _repo(self, repo_id: str) -> _Repo:
        with self._lock:
            repo = self._repos.get(repo_id)
        if repo is None:
            raise _HubError(404, "RepoNotFound", f"Repository not found: {repo_id}")
        if repo.gated:
            raise _HubError(
                403,
                "GatedRepo",
                f"Access to model {repo_id} is restricted. You must have access to it and be authenticated "
                "to access it. Please log in.",
            )
        return repo

    @staticmethod
    def _resolve_revision(repo: _Repo, revision: str) -> str:
        if revision in {"main", repo.sha}:
            return repo.sha
        raise _HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
