"""The service worker (web_client/public/sw.js): what it keeps for the next visit, and what not.

Study metadata is patient data: it must land only in the cache of the token's room, and frames
(pixel data) never in the service worker's caches.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from session.grants import Role
from web.conftest import ROOM, Pages, wait_ready

pytestmark = pytest.mark.browser

CACHED = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname);
  }
  return out;
}"""


def controlled(page: Page) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def test_next_visit_keeps_shell_and_room_metadata_not_pixels(pages: Pages) -> None:
    page = pages.open("county", Role.PARTICIPANT)
    controlled(page)
    page.reload()  # the next visit: now through the service worker
    wait_ready(page)
    page.wait_for_function(
        f"async () => (await caches.has('huizhen-meta:{ROOM}'))"
        f" && (await (await caches.open('huizhen-meta:{ROOM}')).keys()).length >= 2",
        timeout=30_000,
        polling=200,
    )
    cached = page.evaluate(CACHED)
    assert set(cached) == {"huizhen-shell-v1", f"huizhen-meta:{ROOM}"}, cached
    shell = cached["huizhen-shell-v1"]
    assert "/" in shell and any(p.startswith("/assets/") and p.endswith(".js") for p in shell)
    meta = cached[f"huizhen-meta:{ROOM}"]
    assert any(p.endswith("/series") for p in meta), meta
    assert any(p.endswith("/metadata") for p in meta), meta
    everything = [p for paths in cached.values() for p in paths]
    assert not [p for p in everything if "/frames/" in p], "pixel data in the service worker"


@pytest.mark.xfail(
    strict=False,
    reason="issue 17: under two busy loops the page reloaded after the prune did not become "
    "ready within 60 s in 2 of 3 loaded runs (it passes on a quiet box); not yet understood",
)
def test_a_new_release_prunes_the_old_assets(pages: Pages) -> None:
    page = pages.open("county", Role.PARTICIPANT)
    controlled(page)
    page.evaluate(
        """async () => {
          const shell = await caches.open('huizhen-shell-v1');
          await shell.put('/assets/old-release-0000.js', new Response('old'));
          await shell.put('/', new Response('<!doctype html><title>old release</title>'));
        }"""
    )
    page.reload()  # served the "old" page at once; the fresh index replaces it behind
    page.wait_for_function(
        """async () => {
          const shell = await caches.open('huizhen-shell-v1');
          const page = await shell.match('/');
          return !(await shell.match('/assets/old-release-0000.js'))
            && page && !(await page.text()).includes('old release');
        }""",
        timeout=30_000,
        polling=200,
    )
    shell = page.evaluate(CACHED)["huizhen-shell-v1"]
    assert any(p.startswith("/assets/") and p.endswith(".js") for p in shell), shell
    page.reload()  # and the next visit is the current release
    wait_ready(page)
