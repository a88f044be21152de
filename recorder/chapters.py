"""Chapters for the playback timeline, derived from the recorded events (pure).

A chapter marks a moment a trainee would want to jump to: a case or a series opened, a new
measurement, control handed over, a question in the chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from session.events import (
    AnnotationCreated,
    ChatPosted,
    ControlChanged,
    ImageChanged,
    ParticipantJoined,
    Stamped,
    StudyAttached,
)
from session.ids import Uid

_QUESTION = frozenset("?\uff1f")  # ASCII and full-width (Chinese) question marks


class ChapterKind(StrEnum):
    CASE = "case"
    SERIES = "series"
    MEASUREMENT = "measurement"
    CONTROL = "control"
    QUESTION = "question"


@dataclass(frozen=True, slots=True)
class Chapter:
    at: float
    seq: int | None
    kind: ChapterKind
    label: str

    def to_json(self) -> dict[str, object]:
        return {"at": self.at, "seq": self.seq, "kind": self.kind.value, "label": self.label}


class _Chaptering:
    def __init__(self, names: Mapping[str, str]) -> None:
        self.series: dict[int, Uid] = {}
        self.names: dict[str, str] = dict(names)

    def chapter(self, stamped: Stamped) -> tuple[ChapterKind, str] | None:
        match stamped.event:
            case ParticipantJoined(participant=who, name=name):
                self.names[who] = name
            case StudyAttached(study=study):
                return ChapterKind.CASE, f"Case opened: {study.description or study.uid}"
            case ImageChanged(viewport=viewport, image=image):
                previous = self.series.get(viewport)
                self.series[viewport] = image.series
                if previous != image.series:
                    return ChapterKind.SERIES, f"Series {image.series}"
            case AnnotationCreated(annotation=annotation):
                return ChapterKind.MEASUREMENT, f"New {annotation.kind.value}"
            case ControlChanged(driver=driver) if driver is not None:
                return ChapterKind.CONTROL, f"Control to {self.names.get(driver, driver)}"
            case ChatPosted(author=author, text=text) if _QUESTION & set(text):
                return ChapterKind.QUESTION, f"{self.names.get(author, author)}: {text[:80]}"
            case _:
                pass
        return None


def chapters(events: Iterable[Stamped], names: Mapping[str, str]) -> list[Chapter]:
    """``names``: participant id -> display name as of the recording's start."""
    state = _Chaptering(names)
    found = []
    for stamped in events:
        hit = state.chapter(stamped)
        if hit is not None:
            found.append(Chapter(stamped.at, stamped.seq, *hit))
    return found
