"""The demo room's case (``huizhen serve --demo``): the synthetic CT, attached and on screen.

Imports the sample CT (``samples.ensure_samples()``, generated on first use) into the study
store — the same store the DICOMweb service serves, ``state.studies`` — then
attaches it to the room and opens a slice through the liver lesions in a soft-tissue window.
Runs inside the app's lifespan after the room ``demo`` exists; the slow parts run in threads.
Restarting is harmless: the import finds duplicates and an already attached study is kept.
"""

from __future__ import annotations

import asyncio

from samples import ensure_samples
from server.appstate import AppState
from server.cases.store import StudyStore, Uploader
from server.roomhost import LocalRoom
from session.commands import AttachStudy, SetImage, SetVoi
from session.ids import Uid
from session.model import ImageRef, Voi

DEMO_DESCRIPTION = "CT chest/abdomen with contrast (synthetic teaching case)"
DEMO_SLICE = 44  # 1-based instance number: z = -40 mm, through two liver lesions
SOFT_TISSUE = Voi(center=40.0, width=400.0)


def demo_store(app_state: AppState) -> StudyStore:
    return app_state.studies


def _import_demo_ct(store: StudyStore, room: str) -> ImageRef:
    samples = ensure_samples()
    report = store.import_paths([samples.ct_dir], owner=Uploader(room, enforce=False))
    if report.errors:
        raise RuntimeError(f"the demo CT did not import: {report.errors[0]}")
    (study_uid,) = report.studies
    records = store.instances(study_uid)
    chosen = next((r for r in records if r.instance_number == DEMO_SLICE), records[0])
    return ImageRef(Uid(chosen.study_uid), Uid(chosen.series_uid), Uid(chosen.sop_uid))


async def prepare_demo_case(app_state: AppState, room: LocalRoom) -> None:
    """Attach the sample CT to the demo room and show one slice in a soft-tissue window."""
    image = await asyncio.to_thread(_import_demo_ct, demo_store(app_state), room.room_id)
    if image.study not in room.room.snapshot().state.studies:
        await room.system(AttachStudy(image.study, DEMO_DESCRIPTION))
    await room.system(SetImage(viewport=0, image=image))
    await room.system(SetVoi(viewport=0, voi=SOFT_TISSUE))
