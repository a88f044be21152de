"""The Chromium viewer renders every transfer syntax the server stores (docs/dicomweb.md):
one instance per syntax, encoded by DCMTK / pydicom / OpenJPH (``syntaxes.py``), shown in a
real page through the server's DICOMweb and Cornerstone's codecs. For each: the frame
requests all succeed, no page error, and the decoded pixels the viewer holds are the stored
values — exactly for lossless syntaxes, within the codec's error for lossy ones."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livetools import LiveServer
from playwright.sync_api import Browser

from server import dicomweb
from server.appstate import AppState
from session.commands import AttachStudy
from session.grants import Role
from session.ids import RoomId, Uid
from web.conftest import ROOM, Pages
from web.syntaxes import SyntaxCase, make_syntax_study

pytestmark = pytest.mark.browser

SHOW_AND_READ = """async ([study, series, sop]) => {
  const viewer = window.__huizhen.ctx.viewer;
  const shown = await viewer.showImage(0, { study, series, sop, frame: 1 });
  const image = viewer.viewport(0).getCornerstoneImage();
  return { shown, id: image.imageId, pixels: Array.from(image.getPixelData()) };
}"""


@pytest.fixture(scope="module")
def syntax_study(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[SyntaxCase]]:
    return make_syntax_study(tmp_path_factory.mktemp("web-syntaxes"))


def _hook(study: str, cases: list[SyntaxCase]) -> Callable[[AppState], Any]:
    @contextlib.asynccontextmanager
    async def hook(state: AppState) -> AsyncIterator[None]:
        store = state.studies
        report = await asyncio.to_thread(store.import_paths, [c.path for c in cases])
        assert report.errors == () and report.notices == (), report
        host = await state.rooms.create(RoomId(ROOM), "Syntaxes")
        await host.system(AttachStudy(uid=Uid(study), description="One series per syntax"))
        yield

    return hook


@pytest.fixture
def syntax_pages(
    live_server_factory: Callable[..., LiveServer],
    web_dist: Path,
    browser: Browser,
    syntax_study: tuple[str, list[SyntaxCase]],
) -> Iterator[Pages]:
    study, cases = syntax_study
    hooks = [dicomweb.dicomweb_lifespan, _hook(study, cases)]
    pages = Pages(live_server_factory(web_dist=web_dist, hooks=hooks), browser)
    yield pages
    pages.close()
    assert not pages.errors, pages.errors


def test_every_syntax_renders_in_chromium(
    syntax_pages: Pages, syntax_study: tuple[str, list[SyntaxCase]]
) -> None:
    study, cases = syntax_study
    page = syntax_pages.open("dr-li", Role.HOST)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for case in cases:
        result = page.evaluate(SHOW_AND_READ, [study, case.series, case.sop])
        assert result["shown"] and case.sop in result["id"], (case.name, result["id"])
        got = _as_expected(np.array(result["pixels"], dtype=np.int64), case.pixels.shape)
        error = np.abs(got - case.pixels.astype(np.int64))
        if case.lossless:
            assert error.max() == 0, (case.name, case.syntax, int(error.max()))
        else:
            top = int(case.pixels.max())
            assert error.mean() < 0.01 * top, (case.name, case.syntax, float(error.mean()))
            flat = got[34:62, 34:62].mean(axis=(0, 1))  # inside the flat square
            want = case.pixels[34:62, 34:62].mean(axis=(0, 1))
            assert np.all(np.abs(flat - want) < 0.02 * top), (case.name, flat, want)
    assert failed == []


def _as_expected(pixels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Cornerstone holds colour as RGB or RGBA: keep the three colour channels."""
    if len(shape) == 3:
        per_pixel = pixels.size // (shape[0] * shape[1])
        return pixels.reshape(shape[0], shape[1], per_pixel)[..., :3]
    return pixels.reshape(shape)
