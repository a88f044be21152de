"""Setting a series' redaction rectangles over HTTP, on a real server, then copying the study."""

from __future__ import annotations

from collections.abc import Callable

import burned_support
import httpx
from cases_support import encode
from livetools import LiveServer

from server.cases.cli import store_root
from server.cases.store import StudyStore
from session.grants import Role

STUDY = burned_support.STUDY


def url(series: str, study: str = STUDY) -> str:
    return f"/api/studies/{study}/series/{series}/redaction"


def test_manage_case_holder_sets_rectangles_that_the_copy_uses(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory()
    us, sc = burned_support.ultrasound(), burned_support.screenshot()
    store = StudyStore(store_root(server.settings.data_dir))
    assert store.import_bytes([("us.dcm", encode(us)), ("sc.dcm", encode(sc))]).errors == ()
    room = server.create_room("teach", "Teaching")
    with server.admin() as admin:
        assert admin.post(f"/api/rooms/{room}/studies", json={"uid": STUDY}).status_code < 300
        assert admin.get(url(sc.SeriesInstanceUID, "1.2.3")).status_code == 404
    host = {"Authorization": f"Bearer {server.mint(room, 'host', Role.HOST)}"}
    guest = {"Authorization": f"Bearer {server.mint(room, 'guest', Role.PARTICIPANT)}"}
    elsewhere = server.create_room("other", "Other")
    outsider = {"Authorization": f"Bearer {server.mint(elsewhere, 'h2', Role.HOST)}"}
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        got = client.get(url(us.SeriesInstanceUID), headers=host).json()
        assert got["source"] == "default" and got["needs_redaction"]
        assert got["rectangles"] == [[0, 0, burned_support.COLUMNS, 24]]
        got = client.get(url(sc.SeriesInstanceUID), headers=host).json()
        assert got == {
            "series": sc.SeriesInstanceUID,
            "rectangles": [],
            "source": "none",
            "needs_redaction": True,
        }
        body = {"rectangles": [[50, 100, 220, 30]]}
        assert client.put(url(sc.SeriesInstanceUID), json=body, headers=guest).status_code == 403
        assert client.put(url(sc.SeriesInstanceUID), json=body, headers=outsider).status_code == 403
        assert client.put(url(sc.SeriesInstanceUID), json=body).status_code == 401
        for bad in ({"rectangles": [[1, 2, 3]]}, {"rect": []}, {"rectangles": [[999, 0, 5, 5]]}):
            answer = client.put(url(sc.SeriesInstanceUID), json=bad, headers=host)
            assert answer.status_code == 400, bad
        put = client.put(url(sc.SeriesInstanceUID), json=body, headers=host)
        assert put.status_code == 200 and put.json()["source"] == "series"
        got = client.get(url(sc.SeriesInstanceUID), headers=host).json()
        assert got["rectangles"] == [[50, 100, 220, 30]]
    outcome = store.deidentify(STUDY)
    assert outcome.held_back == ()
    assert {r.sop_uid for r in outcome.redacted} == {us.SOPInstanceUID, sc.SOPInstanceUID}
