"""MPR in the browser: driver change -> follower's rendered frame, and the MPR layout's frame time.

Used by ``bench.web.run`` (``--mpr``), after the stack figure, in the same browser and room.

Follow latency: the driver moves the crossing point directly on its MPR (what one crosshair
drag step or one wheel tick in a plane does: ``viewer.mpr.apply`` with a new point, so its
cameras change and the sync sends ``set_mpr``), alternately along z (the axial plane moves) and
along x (the sagittal plane moves), ``gap_ms`` apart. The follower logs every
``CORNERSTONE_IMAGE_RENDERED`` of its MPR views with the crossing point it then shows; latency =
the first such render at the new point - the driver's change (one clock, as for the stack).

Frame time: on one page, the crossing point steps through the volume (every step moves the
axial plane; every other step all three planes), and each step waits for the
``CORNERSTONE_IMAGE_RENDERED`` of every view that moved: the time from the change to the last of
them is the frame time the user sees while scrolling (it includes the wait for the next
animation frame, as every Cornerstone render does).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

H = "window.__huizhen"

OPEN = f"""() => {H}.mpr().open && {H}.ctx.state.mpr !== null
  && {H}.mpr().state !== null"""

RECORD = f"""() => {{
  window.__mprLog = [];
  for (const el of document.querySelectorAll('#mpr-grid .mpr-viewport')) {{
    el.addEventListener('CORNERSTONE_IMAGE_RENDERED', () => {{
      const m = {H}.ctx.viewer.mpr.read({H}.ctx.state.mpr?.study ?? '');
      const t = performance.timeOrigin + performance.now();
      if (m) window.__mprLog.push([t, m.point]);
    }});
  }}
}}"""

CHANGE = f"""(point) => {{
  const mpr = {H}.ctx.viewer.mpr;
  const now = mpr.read({H}.ctx.state.mpr.study);
  const t = performance.timeOrigin + performance.now();
  mpr.apply({{ ...now, point }});
  return t;
}}"""

SEEN = """(point) => window.__mprLog.find(([, p]) =>
  p.every((v, k) => Math.abs(v - point[k]) < 0.05)) || null"""

FRAME = f"""async (steps) => {{
  const mpr = {H}.ctx.viewer.mpr;
  const start = mpr.read({H}.ctx.state.mpr?.study ?? '');
  const views = [...document.querySelectorAll('#mpr-grid .mpr-viewport')];
  const rendered = (el) => new Promise((done) =>
    el.addEventListener('CORNERSTONE_IMAGE_RENDERED', done, {{ once: true }}));
  const out = [];
  let point = [...start.point];
  for (let k = 1; k <= steps; k++) {{
    const all = k % 2 === 0;  // every other step moves all three planes, else the axial one
    const dz = 1.25 * (k % 16 - 8);
    point = all ? [start.point[0] + dz, start.point[1] + dz / 2, start.point[2] + dz]
      : [point[0], point[1], start.point[2] + dz];
    const waits = (all ? views : views.slice(0, 1)).map(rendered);
    const t0 = performance.now();
    mpr.apply({{ ...start, point }});
    await Promise.all(waits);
    out.push([all ? 'all' : 'axial', performance.now() - t0]);
  }}
  return out;
}}"""


def enter(driver: Page, follower: Page) -> None:
    """The driver enters MPR on its active viewport's series; both pages show it."""
    driver.keyboard.press("m")
    driver.wait_for_function(OPEN, timeout=60_000)
    follower.wait_for_function(OPEN, timeout=60_000)
    driver.wait_for_timeout(3000)  # let both pages stream the whole volume in


def follow(driver: Page, follower: Page, changes: int, gap_ms: int) -> list[float]:
    follower.evaluate(RECORD)
    start: list[float] = driver.evaluate(f"{H}.ctx.state.mpr.point")
    latencies = []
    for k in range(changes):
        step = 2.5 * ((k // 2) % 8 + 1)
        point = list(start)
        point[2 if k % 2 == 0 else 0] += step if k % 4 < 2 else -step
        follower.evaluate("window.__mprLog.length = 0")
        sent = driver.evaluate(CHANGE, point)
        handle = follower.wait_for_function(SEEN, arg=point, timeout=10_000, polling=5)
        latencies.append(handle.json_value()[0] - sent)
        driver.wait_for_timeout(gap_ms)
    return latencies


def frame_times(page: Page, steps: int) -> dict[str, list[float]]:
    raw: list[list[Any]] = page.evaluate(FRAME, steps)
    out: dict[str, list[float]] = {"axial": [], "all": []}
    for kind, ms in raw:
        out[kind].append(float(ms))
    return out
