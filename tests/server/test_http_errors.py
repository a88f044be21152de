"""One code enum and one status table at the HTTP edge, documented in docs/protocol.md."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from livetools import LiveServer

from server.errors import HTTP_STATUS, ApiError, code_for_status
from session.errors import ErrorCode

DOC = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def documented_statuses() -> dict[str, int]:
    section = DOC.split("## HTTP error codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` +\| (\d{3}) ", section, re.MULTILINE)
    return {code: int(status) for code, status in rows}


def test_every_code_has_one_status_and_the_doc_says_so() -> None:
    assert set(HTTP_STATUS) == set(ErrorCode)
    assert documented_statuses() == {code.value: status for code, status in HTTP_STATUS.items()}


def test_an_api_error_takes_its_status_from_the_table() -> None:
    error = ApiError(ErrorCode.UNAUTHORIZED, "no key")
    assert (error.status_code, error.headers) == (401, {"WWW-Authenticate": "Bearer"})
    assert ApiError(ErrorCode.UNAVAILABLE, "later").status_code == 503
    assert code_for_status(405) is ErrorCode.METHOD_NOT_ALLOWED
    assert code_for_status(418) is ErrorCode.BAD_REQUEST


def test_errors_answer_code_and_message(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url) as client:
        missing_key = client.get("/api/rooms")
        wrong_method = client.put("/api/rooms")
    assert missing_key.status_code == 401
    assert missing_key.json() == {"code": "unauthorized", "message": "admin API key required"}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
