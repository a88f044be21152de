"""Roles and the explicit grants they start with.

A role is only a named default set of grants; what the core checks is always the grant.
A host (or anyone holding ``moderate``) can change a participant's grants while the room runs.
"""

from enum import StrEnum


class Grant(StrEnum):
    DRIVE = "drive"  # may hold control and change the shared view
    ANNOTATE = "annotate"  # create, edit, delete own annotations
    POINT = "point"  # show a laser pointer to others
    CHAT = "chat"
    RAISE_HAND = "raise_hand"
    PUBLISH_MEDIA = "publish_media"  # camera, microphone, screen share
    MANAGE_CASE = "manage_case"  # attach / detach studies, upload
    RECORD = "record"  # start and stop recording
    MODERATE = "moderate"  # grants, kicks, take control, edit anyone's annotations, close room


class Role(StrEnum):
    HOST = "host"  # lead expert / organizer
    PRESENTER = "presenter"
    PARTICIPANT = "participant"  # county doctor
    OBSERVER = "observer"  # trainee


ROLE_GRANTS: dict[Role, frozenset[Grant]] = {
    Role.HOST: frozenset(Grant),
    Role.PRESENTER: frozenset(
        {
            Grant.DRIVE,
            Grant.ANNOTATE,
            Grant.POINT,
            Grant.CHAT,
            Grant.RAISE_HAND,
            Grant.PUBLISH_MEDIA,
            Grant.MANAGE_CASE,
        }
    ),
    Role.PARTICIPANT: frozenset(
        {
            Grant.DRIVE,
            Grant.ANNOTATE,
            Grant.POINT,
            Grant.CHAT,
            Grant.RAISE_HAND,
            Grant.PUBLISH_MEDIA,
        }
    ),
    Role.OBSERVER: frozenset({Grant.CHAT, Grant.RAISE_HAND}),
}


def default_grants(role: Role) -> frozenset[Grant]:
    return ROLE_GRANTS[role]
