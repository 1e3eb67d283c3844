"""What `MockGroqServer` remembers between requests: files, batches and fine tunings, as a small fake Groq account.

A file uploaded with POST /files (multipart, as ``client.files.create`` sends it) is stored as `add_file` stores
one, so its id works as a batch's ``input_file_id``. A batch moves through Groq's lifecycle one step at a time, when the test says so (`GroqState.advance_batch`) or,
with ``auto_advance``, each time the client retrieves it (so a polling loop finishes without waiting):

    validating -> in_progress -> (requests complete, ``request_counts`` moving) -> finalizing -> completed
    validating -> failed                    (an input line that is not a valid request, or `fail_batch`)
    validating | in_progress -> expired      (`expire_batch`)
    validating | in_progress | finalizing -> cancelling -> cancelled    (POST /batches/{id}/cancel)

A finished batch's results are files of the account (purpose ``batch_output``): ``output_file_id`` holds one JSONL
line per request that succeeded, ``error_file_id`` one per request that failed, each line shaped as the API
writes it (``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``). Their ids stay
valid: GET /files/{id} describes them and GET /files/{id}/content serves their bytes.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import msgspec

from ._payloads import chat_completion, error_body, new_request_id

if TYPE_CHECKING:
    from ._server import RecordedRequest, Reply

__all__ = ["GroqState"]

_TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
_WINDOW = re.compile(r"(\d+)([hd])")
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/batches"), "_list_batches"),
    ("POST", re.compile(r"/batches"), "_create_batch"),
    ("GET", re.compile(r"/batches/([^/]+)"), "_retrieve_batch"),
    ("POST", re.compile(r"/batches/([^/]+)/cancel"), "_cancel_batch"),
    ("GET", re.compile(r"/files"), "_list_files"),
    ("POST", re.compile(r"/files"), "_upload_file"),
    ("GET", re.compile(r"/files/([^/]+)"), "_file_info"),
    ("DELETE", re.compile(r"/files/([^/]+)"), "_delete_file"),
    ("GET", re.compile(r"/files/([^/]+)/content"), "_file_content"),
    ("GET", re.compile(r"/fine_tunings"), "_list_fine_tunings"),
    ("POST", re.compile(r"/fine_tunings"), "_create_fine_tuning"),
    ("GET", re.compile(r"/fine_tunings/([^/]+)"), "_retrieve_fine_tuning"),
    ("DELETE", re.compile(r"/fine_tunings/([^/]+)"), "_delete_fine_tuning"),
]


class _NotFound(Exception):
    pass


class GroqState:
    """The files, batches and fine tunings of one `MockGroqServer` (``server.state``). Thread-safe.

    Attributes:
        auto_advance: When true, every GET /batches/{id} first moves that batch one step (`advance_batch`).
        files: File objects by id, as GET /files/{id} returns them.
        batches: Batch objects by id, as GET /batches/{id} returns them.
        fine_tunings: Fine tunings by id, as GET /v1/fine_tunings/{id} returns them (``{"id", "object", "data"}``).
    """

    def __init__(self, *, auto_advance: bool = False, clock: Callable[[], float] = time.time) -> None:
        self.auto_advance = auto_advance
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.fine_tunings: dict[str, dict[str, Any]] = {}
        self._contents: dict[str, bytes] = {}
        self._lines: dict[str, list[dict[str, Any]]] = {}  # the requests of each batch, read from its input
        self._done: dict[str, list[tuple[dict[str, Any], bool]]] = {}  # (request, succeeded) so far
        self._lock = threading.RLock()
        self._clock = clock
        self._ids = itertools.count(1)

    # --- what a test does --------------------------------------------------------------------------------

    def add_file(
        self, content: bytes | str, *, filename: str = "batch_input.jsonl", purpose: str = "batch"
    ) -> dict[str, Any]:
        """Store a file as if it had been uploaded; returns its file object (``["id"]`` for a batch's input)."""
        data = content.encode() if isinstance(content, str) else bytes(content)
        with self._lock:
            file_id = f"file_{self._next_id()}"
            self.files[file_id] = {
                "id": file_id,
                "object": "file",
                "bytes": len(data),
                "created_at": self._now(),
                "filename": filename,
                "purpose": purpose,
            }
            self._contents[file_id] = data
            return dict(self.files[file_id])

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file (an input you added, or a batch's output or error file)."""
        with self._lock:
            return self._contents[file_id]

    def advance_batch(self, batch_id: str, *, completed: int | None = None, failed: int = 0) -> dict[str, Any]:
        """Move a batch one step along its lifecycle; returns the batch as GET /batches/{id} would.

        In ``in_progress``, one step finishes ``completed`` requests (by default half of those left, at least
        one) and fails ``failed`` more; once every request is done the batch goes to ``finalizing``, and the
        next step to ``completed`` with its output and error files. A terminal batch does not move.
        """
        with self._lock:
            batch = self._batch(batch_id)
            status = batch["status"]
            now = self._now()
            if status == "validating":
                problems = self._validate(batch_id)
                if problems:
                    self._finish(batch, "failed", "failed_at", errors=problems)
                else:
                    batch.update(status="in_progress", in_progress_at=now)
            elif status == "in_progress":
                counts = batch["request_counts"]
                left = counts["total"] - counts["completed"] - counts["failed"]
                ok = min(left, max(1, (left + 1) // 2) if completed is None else completed)
                bad = min(left - ok, failed)
                done = self._done[batch_id]
                pending = self._lines[batch_id][len(done) :]
                done += [(line, True) for line in pending[:ok]] + [(line, False) for line in pending[ok : ok + bad]]
                counts.update(completed=counts["completed"] + ok, failed=counts["failed"] + bad)
                if counts["completed"] + counts["failed"] >= counts["total"]:
                    batch.update(status="finalizing", finalizing_at=now)
            elif status == "finalizing":
                self._finish(batch, "completed", "completed_at")
            elif status == "cancelling":
                self._finish(batch, "cancelled", "cancelled_at")
            return dict(batch)

    def fail_batch(self, batch_id: str, message: str = "The input file is not valid.") -> dict[str, Any]:
        """Fail a batch that is still validating, with one error."""
        with self._lock:
            batch = self._batch(batch_id)
            if batch["status"] != "validating":
                raise ValueError(f"batch {batch_id} is {batch['status']}, not validating")
            error = {"code": "invalid_file", "message": message, "param": "input_file_id", "line": None}
            self._finish(batch, "failed", "failed_at", errors=[error])
            return dict(batch)

    def expire_batch(self, batch_id: str) -> dict[str, Any]:
        """Let a batch's completion window run out: ``expired``, with the results of what was done."""
        with self._lock:
            batch = self._batch(batch_id)
            if batch["status"] not in ("validating", "in_progress"):
                raise ValueError(f"batch {batch_id} is {batch['status']}: only a pending batch expires")
            self._finish(batch, "expired", "expired_at")
            return dict(batch)

    # --- the HTTP side ---------------------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply | None:
        """The reply to ``request`` if it is one of the stateful endpoints, else None."""
        from ._server import Reply

        headers = {"x-request-id": new_request_id()}
        for method, pattern, name in _ROUTES:
            if request.method != method:
                continue
            match = _match_end(pattern, request.path)
            if match is None:
                continue
            try:
                status, body = getattr(self, name)(request, *(unquote(g) for g in match.groups()))
            except _NotFound as exc:
                return Reply.error(404, str(exc), headers=headers)
            if isinstance(body, bytes):
                return Reply.raw(body, status=status, content_type="application/octet-stream", headers=headers)
            return Reply.json(body, status=status, headers=headers)
        return None

    def _create_batch(self, request: RecordedRequest) -> tuple[int, Any]:
        params = _json_object(request)
        if params is None:
            return 400, error_body("Request body must be a JSON object")
        missing = [k for k in ("input_file_id", "endpoint", "completion_window") if not params.get(k)]
        if missing:
            return 400, error_body(f"'{missing[0]}' : property '{missing[0]}' is missing", param=missing[0])
        if params["endpoint"] != "/v1/chat/completions":
            return 400, error_body("'endpoint' : value must be '/v1/chat/completions'", param="endpoint")
        window = _WINDOW.fullmatch(str(params["completion_window"]))
        hours = (int(window.group(1)) * (24 if window.group(2) == "d" else 1)) if window else 0
        if not 24 <= hours <= 168:
            message = "'completion_window' : durations from 24h to 7d are supported"
            return 400, error_body(message, param="completion_window")
        with self._lock:
            file_id = str(params["input_file_id"])
            if file_id not in self.files:
                return 400, error_body(f"input file {file_id} not found", param="input_file_id")
            batch_id = f"batch_{self._next_id()}"
            now = self._now()
            lines = [line for line in self._contents[file_id].splitlines() if line.strip()]
            self._lines[batch_id] = [_decode_line(line) for line in lines]
            self._done[batch_id] = []
            self.batches[batch_id] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": params["endpoint"],
                "errors": None,
                "input_file_id": file_id,
                "completion_window": params["completion_window"],
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": now,
                "in_progress_at": None,
                "expires_at": now + hours * 3600,
                "finalizing_at": None,
                "completed_at": None,
                "failed_at": None,
                "expired_at": None,
                "cancelling_at": None,
                "cancelled_at": None,
                "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
                "metadata": params.get("metadata"),
            }
            return 200, dict(self.batches[batch_id])

    def _list_batches(self, request: RecordedRequest) -> tuple[int, Any]:
        with self._lock:
            newest_first = sorted(self.batches.values(), key=lambda b: (b["created_at"], b["id"]), reverse=True)
            return 200, {"object": "list", "data": [dict(b) for b in newest_first]}

    def _retrieve_batch(self, request: RecordedRequest, batch_id: str) -> tuple[int, Any]:
        with self._lock:
            self._batch(batch_id)
            if self.auto_advance:
                self.advance_batch(batch_id)
            return 200, dict(self.batches[batch_id])

    def _cancel_batch(self, request: RecordedRequest, batch_id: str) -> tuple[int, Any]:
        with self._lock:
            batch = self._batch(batch_id)
            if batch["status"] in _TERMINAL or batch["status"] == "cancelling":
                message = f"Cannot cancel a batch with status '{batch['status']}'."
                return 400, error_body(message)
            batch.update(status="cancelling", cancelling_at=self._now())
            return 200, dict(batch)

    def _upload_file(self, request: RecordedRequest) -> tuple[int, Any]:
        """POST /files (multipart): the file becomes a file of the account, its id usable as a batch's input."""
        try:
            form, files = request.form(), request.files()
        except ValueError as exc:
            return 400, error_body(f"request Content-Type isn't multipart/form-data: {exc}")
        upload = files.get("file")
        if upload is None:
            return 400, error_body("'file' : property 'file' is missing", param="file")
        if form.get("purpose") != "batch":
            return 400, error_body("'purpose' : value must be 'batch'", param="purpose")
        return 200, self.add_file(upload.content, filename=upload.filename or "upload", purpose="batch")

    def _list_files(self, request: RecordedRequest) -> tuple[int, Any]:
        with self._lock:
            return 200, {"object": "list", "data": [dict(f) for f in self.files.values()]}

    def _file_info(self, request: RecordedRequest, file_id: str) -> tuple[int, Any]:
        with self._lock:
            return 200, dict(self._file(file_id))

    def _delete_file(self, request: RecordedRequest, file_id: str) -> tuple[int, Any]:
        with self._lock:
            self._file(file_id)
            del self.files[file_id]
            del self._contents[file_id]
            return 200, {"id": file_id, "object": "file", "deleted": True}

    def _file_content(self, request: RecordedRequest, file_id: str) -> tuple[int, Any]:
        with self._lock:
            self._file(file_id)
            return 200, self._contents[file_id]

    def _create_fine_tuning(self, request: RecordedRequest) -> tuple[int, Any]:
        params = _json_object(request)
        if params is None:
            return 400, error_body("Request body must be a JSON object")
        with self._lock:
            tuning_id = f"ft_{self._next_id()}"
            data = {
                "id": tuning_id,
                "name": params.get("name"),
                "base_model": params.get("base_model"),
                "type": params.get("type"),
                "input_file_id": params.get("input_file_id"),
                "fine_tuned_model": f"{params.get('base_model')}:ft:{params.get('name') or tuning_id}",
                "created_at": float(self._now()),
            }
            self.fine_tunings[tuning_id] = {"id": tuning_id, "object": "fine_tuning", "data": data}
            return 200, self.fine_tunings[tuning_id]

    def _list_fine_tunings(self, request: RecordedRequest) -> tuple[int, Any]:
        with self._lock:
            return 200, {"object": "list", "data": [t["data"] for t in self.fine_tunings.values()]}

    def _retrieve_fine_tuning(self, request: RecordedRequest, tuning_id: str) -> tuple[int, Any]:
        with self._lock:
            if tuning_id not in self.fine_tunings:
                raise _NotFound(f"fine tuning {tuning_id} not found")
            return 200, self.fine_tunings[tuning_id]

    def _delete_fine_tuning(self, request: RecordedRequest, tuning_id: str) -> tuple[int, Any]:
        with self._lock:
            if self.fine_tunings.pop(tuning_id, None) is None:
                raise _NotFound(f"fine tuning {tuning_id} not found")
            return 200, {"id": tuning_id, "object": "fine_tuning", "deleted": True}

    # --- internals -------------------------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self._clock())

    def _next_id(self) -> str:
        return f"{next(self._ids):02d}mock{int(self._clock() * 1000) % 10**9:09d}"

    def _batch(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches.get(batch_id)
        if batch is None:
            raise _NotFound(f"batch {batch_id} not found")
        return batch

    def _file(self, file_id: str) -> dict[str, Any]:
        found = self.files.get(file_id)
        if found is None:
            raise _NotFound(f"file {file_id} not found")
        return found

    def _validate(self, batch_id: str) -> list[dict[str, Any]]:
        """One error per input line that is not ``{"custom_id", "method": "POST", "url", "body"}``."""
        problems = []
        for number, line in enumerate(self._lines[batch_id], start=1):
            if not isinstance(line, dict) or not line.get("custom_id") or not isinstance(line.get("body"), dict):
                message = "Each line must be a JSON object with custom_id, method, url and body."
                problems.append({"code": "invalid_request", "message": message, "param": None, "line": number})
            elif line.get("method") != "POST" or line.get("url") != "/v1/chat/completions":
                message = "Only POST /v1/chat/completions is supported."
                problems.append({"code": "invalid_url", "message": message, "param": "url", "line": number})
        if not self._lines[batch_id]:
            problems.append({"code": "empty_file", "message": "The input file is empty.", "param": None, "line": None})
        return problems

    def _finish(
        self, batch: dict[str, Any], status: str, stamp: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        batch.update({"status": status, stamp: self._now()})
        if errors:
            batch["errors"] = {"object": "list", "data": errors}
            return
        done = self._done.get(batch["id"], [])
        succeeded = [line for line, ok in done if ok]
        failed = [line for line, ok in done if not ok]
        if succeeded:
            batch["output_file_id"] = self._output(batch["id"], "output", succeeded, ok=True)
        if failed:
            batch["error_file_id"] = self._output(batch["id"], "error", failed, ok=False)

    def _output(self, batch_id: str, kind: str, lines: list[dict[str, Any]], *, ok: bool) -> str:
        out = []
        for line in lines:
            request_id = new_request_id()
            if ok:
                model = str(line.get("body", {}).get("model") or "llama-3.3-70b-versatile")
                response = {"status_code": 200, "request_id": request_id, "body": chat_completion(model=model)}
            else:
                body = error_body("The request could not be completed.", type="invalid_request_error")
                response = {"status_code": 400, "request_id": request_id, "body": body}
            out.append(
                {
                    "id": f"batch_req_{self._next_id()}",
                    "custom_id": line.get("custom_id"),
                    "response": response,
                    "error": None,
                }
            )
        content = b"".join(msgspec.json.encode(item) + b"\n" for item in out)
        return str(self.add_file(content, filename=f"{batch_id}_{kind}.jsonl", purpose="batch_output")["id"])


def _match_end(pattern: re.Pattern[str], path: str) -> re.Match[str] | None:
    """``pattern`` matched against the end of ``path`` at a segment boundary (any prefix is accepted)."""
    for start in [i for i, ch in enumerate(path) if ch == "/"]:
        match = pattern.fullmatch(path, start)
        if match is not None:
            return match
    return None


def _json_object(request: RecordedRequest) -> dict[str, Any] | None:
    try:
        params = request.json()
    except msgspec.DecodeError:
        return None
    return params if isinstance(params, dict) else None


def _decode_line(line: bytes) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(line)
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}
