"""The permission matrix: who may call what, as ONE table, and the outcome every cell expects.

Rows: every HTTP route (method + path template, as starlette lists them) and every socket
command (``session.commands.WIRE_NAMES``). Each row names a *policy*; a policy turns a
caller (role or key) and the caller's state into the expected outcome, so the full matrix
(rows x callers x states) is generated from this module and nothing else.
``test_permission_matrix.py`` walks ``app.routes`` and ``WIRE_NAMES`` and fails when anything
is missing here, so a new route or command cannot be added untested.

Outcomes are exact: an HTTP status and, for refusals, the coded error of the JSON body. An
allowed call is given the status the request built for it gets once past the access check
(requests for destructive routes aim at something absent, so "allowed" reads 404 there and
no case changes what another case sees).

``CallerState.KICKED`` (an identity its room's host kicked: banned) and ``REVOKED`` (a token
on the revocation list) end access on every route a token opens (``_ended``). ``KNOWN_GAPS``
lists the cells where today's
server differs from the intended policy (issue 12's findings); they run as strict xfails, so
fixing one makes the test fail until its line here is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum

from session.commands import WIRE_NAMES
from session.grants import ROLE_GRANTS, Grant, Role


class Caller(StrEnum):
    HOST = "host"
    PRESENTER = "presenter"
    PARTICIPANT = "participant"
    OBSERVER = "observer"
    RECORDING_VIEWER = "recording_viewer"  # a recording-viewer token (trainees)
    ADMIN = "admin_key"  # the admin API key

    @property
    def role(self) -> Role | None:
        """The room role of a room token; None for the viewer token and the API key."""
        try:
            return Role(self.value)
        except ValueError:
            return None


ROOM_ROLES = (Caller.HOST, Caller.PRESENTER, Caller.PARTICIPANT, Caller.OBSERVER)


class CallerState(StrEnum):
    MEMBER = "member"  # a valid credential for the target room (members have joined it)
    OTHER_ROOM = "other_room"  # a valid credential of a member of another room
    EXPIRED = "expired"
    NO_TOKEN = "no_token"
    FORGED = "forged"  # signed with a secret the server does not hold (the API key: a wrong one)
    KICKED = "kicked"
    REVOKED = "revoked"


PENDING_STATES: dict[CallerState, str] = {}  # columns declared before their feature existed


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    code: str | None = None  # the JSON error code; None: not an error body (or not checked)

    def __str__(self) -> str:
        return f"{self.status} {self.code or ''}".strip()


class NotApplicable(Enum):
    """The cell does not exist (an API key neither expires nor belongs to a room)."""

    CELL = "n/a"


UNAUTHORIZED = Outcome(401, "unauthorized")
FORBIDDEN = Outcome(403, "forbidden")
BANNED = Outcome(403, "banned")  # the room kicked this identity: its tokens hold nothing
REVOKED = Outcome(401, "token_revoked")
HIDDEN = Outcome(404, "not_found")  # another room's recording: not revealed to exist
Expected = Outcome | NotApplicable


# --- HTTP policies ------------------------------------------------------------------------------
Policy = Callable[[Caller, CallerState, Outcome], Outcome]


def public(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """Anyone who can reach the port (health, static web client)."""
    return ok


def admin_only(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    return ok if caller is Caller.ADMIN else UNAUTHORIZED


def room_token(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """Any valid room token, about its own room (``/api/session*``)."""
    return ok if caller.role is not None else UNAUTHORIZED


def study_search(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """QIDO without a study in the path: any credential; answers are filtered to the room."""
    return ok


def study_read(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """A study of the caller's room (for a viewer: one its room's recordings showed)."""
    if caller is Caller.ADMIN or state is CallerState.MEMBER:
        return ok
    return FORBIDDEN


def study_manage(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """Uploads and redaction: ``manage_case`` in the room that holds the study."""
    if caller is Caller.ADMIN:
        return ok
    role = caller.role
    if role is None:
        return UNAUTHORIZED  # a viewer token never writes
    if state is CallerState.MEMBER and Grant.MANAGE_CASE in ROLE_GRANTS[role]:
        return ok
    return FORBIDDEN


OWNED_ELSEWHERE = Outcome(403, "study_owned_elsewhere")


def study_upload(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """STOW: ``manage_case`` in the room that owns the study; another room's uploader is told
    the study is owned elsewhere (issue 12 finding 1)."""
    outcome = study_manage(caller, state, ok)
    role = caller.role
    other_uploader = (
        state is CallerState.OTHER_ROOM
        and role is not None
        and Grant.MANAGE_CASE in ROLE_GRANTS[role]
    )
    return OWNED_ELSEWHERE if other_uploader else outcome


def _recording_host(role: Role) -> bool:
    return role is Role.HOST or bool(ROLE_GRANTS[role] & {Grant.RECORD, Grant.MODERATE})


def recording_read(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """The room's hosts (``record``/``moderate``) and its viewer tokens; other rooms: hidden."""
    if caller is Caller.ADMIN:
        return ok
    role = caller.role
    if role is not None and not _recording_host(role):
        return FORBIDDEN
    return ok if state is CallerState.MEMBER else HIDDEN


def recording_list(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """Lists are filtered to the caller's room: every room's hosts and viewers get 200."""
    role = caller.role
    return FORBIDDEN if role is not None and not _recording_host(role) else ok


def recording_manage(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """Delete, viewer tokens, teaching copies: the room's hosts only, never a viewer."""
    outcome = recording_read(caller, state, ok)
    if caller is Caller.RECORDING_VIEWER and outcome == ok:
        return FORBIDDEN
    return outcome


def room_moderator(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """A room's own view for its moderators (the access log): the room's token, current grants."""
    if caller is Caller.ADMIN:
        return ok
    role = caller.role
    if role is None or state is not CallerState.MEMBER:
        return UNAUTHORIZED  # a viewer token, or a token for another room
    return ok if Grant.MODERATE in ROLE_GRANTS[role] else FORBIDDEN


def invite_only(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """``POST /api/token`` takes an invite and nothing else: every caller here holds another
    kind (the invite's own cells: tests/server/test_revocation_live.py)."""
    return UNAUTHORIZED


def socket(caller: Caller, state: CallerState, ok: Outcome) -> Outcome:
    """``/ws``: covered command by command by the socket half of the matrix."""
    return ok


@dataclass(frozen=True, slots=True)
class Request:
    """The concrete request a cell sends; ``{room}``, ``{study}``... are filled from the
    fixture's ``Case`` (``path`` may differ from the template: it aims at a target)."""

    path: str
    json: dict[str, str] | None = None
    stow: bool = False  # send the fixture's STOW body (multipart/related DICOM)


@dataclass(frozen=True, slots=True)
class RouteRow:
    method: str
    template: str
    policy: Policy
    ok: Outcome  # what an allowed caller gets for ``request``
    request: Request


def _row(  # noqa: PLR0917 - a table row, read positionally
    method: str,
    template: str,
    policy: Policy,
    ok: int,
    path: str = "",
    json: dict[str, str] | None = None,
    *,
    stow: bool = False,
) -> RouteRow:
    code = {400: "bad_request", 404: "not_found", 409: "conflict"}.get(ok)
    request = Request(path or template, json, stow)
    return RouteRow(method, template, policy, Outcome(ok, code), request)


_STUDY = "/dicom-web/studies/{study}"
_SERIES = _STUDY + "/series/{series}"
_INSTANCE = _SERIES + "/instances/{sop}"
_SHARES = "/api/rooms/{room_id}/studies/{uid}/shares"
_RECORDING = "/api/recordings/{recording_id}"
_NO_ROOM = "/api/rooms/no-such-room"

ROUTES: tuple[RouteRow, ...] = (
    _row("WS", "/ws", socket, 101),
    _row("GET", "/healthz", public, 200),
    # /metrics needs the API key (or is served alone on HUIZHEN_METRICS_BIND: test_tls.py)
    _row("GET", "/metrics", admin_only, 200),
    # --- admin API (the API key) ---
    _row("POST", "/api/rooms", admin_only, 201, json={"title": "matrix"}),
    _row("GET", "/api/rooms", admin_only, 200),
    _row("GET", "/api/rooms/{room_id}", admin_only, 200, "/api/rooms/{room}"),
    _row("DELETE", "/api/rooms/{room_id}", admin_only, 404, _NO_ROOM),
    _row("POST", "/api/rooms/{room_id}/invites", admin_only, 404, _NO_ROOM + "/invites"),
    _row(
        "POST",
        "/api/rooms/{room_id}/studies",
        admin_only,
        409,
        "/api/rooms/{room}/studies",
        json={"uid": "{study}"},
    ),  # already attached
    _row(
        "DELETE",
        "/api/rooms/{room_id}/studies/{uid}",
        admin_only,
        404,
        _NO_ROOM + "/studies/{study}",
    ),
    _row("PUT", "/api/rooms/{room_id}/watermark", admin_only, 404, _NO_ROOM + "/watermark"),
    _row("GET", "/api/pacs", admin_only, 200),
    _row("GET", "/api/pacs/{name}/studies", admin_only, 404, "/api/pacs/none/studies"),
    _row(
        "POST",
        "/api/rooms/{room_id}/pull",
        admin_only,
        404,
        "/api/rooms/{room}/pull",
        json={"pacs": "none", "study": "1.2.3"},
    ),
    _row("POST", "/api/webhooks", admin_only, 400, json={"url": "not a url"}),
    _row("GET", "/api/webhooks", admin_only, 200),
    _row("GET", "/api/webhooks/deliveries", admin_only, 200),
    _row("DELETE", "/api/webhooks/{endpoint_id}", admin_only, 404, "/api/webhooks/wh_none"),
    _row("GET", "/api/audit", admin_only, 200),
    _row("GET", "/api/audit/reads", admin_only, 200),
    _row("GET", "/api/audit/verify", admin_only, 200),
    _row(
        "GET",
        "/api/rooms/{room_id}/audit/reads",
        room_moderator,
        200,
        "/api/rooms/{room}/audit/reads",
    ),
    _row("POST", "/api/revocations", admin_only, 400, json={"jti": "a", "room": "b"}),
    _row("GET", "/api/revocations", admin_only, 200),
    _row("DELETE", "/api/revocations/{entry_id}", admin_only, 404, "/api/revocations/none"),
    _row("POST", "/api/token", invite_only, 200),
    # --- a room token, about its own room ---
    _row("GET", "/api/session", room_token, 200),
    _row("GET", "/api/session/node", room_token, 200),
    _row("GET", "/api/session/ice", room_token, 200),
    # --- DICOMweb ---
    _row("GET", "/dicom-web/studies", study_search, 200),
    _row("GET", "/dicom-web/series", study_search, 200),
    _row("GET", "/dicom-web/instances", study_search, 200),
    _row("POST", "/dicom-web/studies", study_upload, 200, stow=True),
    _row("POST", _STUDY, study_upload, 200, "/dicom-web/studies/{stow_study}", stow=True),
    _row("GET", _STUDY, study_read, 200),
    _row("GET", _STUDY + "/metadata", study_read, 200),
    _row("GET", _STUDY + "/series", study_read, 200),
    _row("GET", _STUDY + "/instances", study_read, 200),
    _row("GET", _SERIES, study_read, 200),
    _row("GET", _SERIES + "/metadata", study_read, 200),
    _row("GET", _SERIES + "/instances", study_read, 200),
    _row("GET", _INSTANCE, study_read, 200),
    _row("GET", _INSTANCE + "/metadata", study_read, 200),
    _row("GET", _INSTANCE + "/frames/{frames}", study_read, 200, _INSTANCE + "/frames/1"),
    _row(
        "GET",
        _INSTANCE + "/frames/{frame:int}/rendered",
        study_read,
        200,
        _INSTANCE + "/frames/1/rendered",
    ),
    _row("GET", _INSTANCE + "/rendered", study_read, 200),
    _row("GET", _INSTANCE + "/thumbnail", study_read, 200),
    # bulk data: the pixel data attribute
    _row(
        "GET",
        _INSTANCE + "/bulkdata/{path:path}",
        study_read,
        200,
        _INSTANCE + "/bulkdata/7FE00010",
    ),
    # sharing: manage_case in the owner room (no change made: a bad body, an absent share)
    _row("GET", _SHARES, study_manage, 200, "/api/rooms/{room}/studies/{study}/shares"),
    _row(
        "POST",
        _SHARES,
        study_manage,
        400,
        "/api/rooms/{room}/studies/{study}/shares",
        json={"room": "not a room!"},
    ),
    _row(
        "DELETE",
        _SHARES + "/{other}",
        study_manage,
        404,
        "/api/rooms/{room}/studies/{study}/shares/nobody",
    ),
    _row("GET", "/api/studies/{study}/series/{series}/redaction", study_manage, 200),
    _row(
        "PUT",
        "/api/studies/{study}/series/{series}/redaction",
        study_manage,
        400,
        json={"rectangles": "none"},
    ),
    # --- recordings ---
    _row("GET", "/api/recordings", recording_list, 200),
    # the admin purges soft-deleted recordings' bytes now (nothing is deleted in the fixture)
    _row("DELETE", "/api/recordings", admin_only, 200),
    _row("GET", _RECORDING, recording_read, 200, "/api/recordings/{recording}"),
    # aims at the RUNNING recording: allowed callers get 409 and nothing is deleted
    _row("DELETE", _RECORDING, recording_manage, 409, "/api/recordings/{running}"),
    _row("GET", _RECORDING + "/events", recording_read, 200, "/api/recordings/{recording}/events"),
    _row(
        "GET", _RECORDING + "/state", recording_read, 200, "/api/recordings/{recording}/state?t={t}"
    ),
    # no track was recorded: allowed callers reach the file lookup
    _row(
        "GET",
        _RECORDING + "/media/{name:path}",
        recording_read,
        404,
        "/api/recordings/{recording}/media/none.webm",
    ),
    _row(
        "POST",
        _RECORDING + "/media-urls",
        recording_read,
        200,
        "/api/recordings/{recording}/media-urls",
    ),
    _row(
        "POST",
        _RECORDING + "/viewer-tokens",
        recording_manage,
        201,
        "/api/recordings/{recording}/viewer-tokens",
    ),
    _row(
        "POST",
        _RECORDING + "/teaching-copy",
        recording_manage,
        200,
        "/api/recordings/{recording}/teaching-copy",
    ),
    # --- the web client (static files) ---
    _row("GET", "/", public, 200),
    _row("GET", "/join", public, 200),
    _row("GET", "/room/{rest:path}", public, 200, "/room/{room}"),
    _row("GET", "/{path:path}", public, 404, "/no-such-file.js"),
)

# Cells where today's server differs from the intended policy: (method, template, caller,
# state) → why. Strict xfails: a fix makes them pass, and the test then fails until removed.
KNOWN_GAPS: dict[tuple[str, str, Caller, CallerState], str] = {}


def expect_http(row: RouteRow, caller: Caller, state: CallerState) -> Expected:
    """The outcome of one cell (``NotApplicable`` when the cell does not exist)."""
    if caller is Caller.ADMIN and state in (CallerState.EXPIRED, CallerState.OTHER_ROOM):
        return NotApplicable.CELL
    if state in (CallerState.EXPIRED, CallerState.NO_TOKEN, CallerState.FORGED):
        return row.ok if row.policy in (public, socket) else UNAUTHORIZED
    if state in (CallerState.KICKED, CallerState.REVOKED):
        return _ended(row, caller, state)
    return row.policy(caller, state, row.ok)


def _ended(row: RouteRow, caller: Caller, state: CallerState) -> Expected:
    """A kicked identity's or a revoked token's cell: access has ended everywhere a token
    opens something (the API key is neither; a viewer token is never a room member)."""
    kicked = state is CallerState.KICKED
    if caller is Caller.ADMIN or (kicked and caller.role is None):
        return NotApplicable.CELL
    if row.policy in (public, socket):
        return row.ok
    if row.policy is admin_only or (kicked and row.policy is invite_only):
        return UNAUTHORIZED
    return BANNED if kicked else REVOKED


# --- socket commands ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CommandRow:
    """A command is accepted iff the sender holds ``needs`` (its role's default grants);
    otherwise refused with ``refused`` (``forbidden``, or ``conflict`` when what is missing is
    a precondition the grant would have let the sender set up, e.g. a pending request)."""

    needs: frozenset[Grant]
    refused: str = "forbidden"


def _needs(*grants: Grant, refused: str = "forbidden") -> CommandRow:
    return CommandRow(frozenset(grants), refused)


DRIVE, MODERATE = Grant.DRIVE, Grant.MODERATE
COMMANDS: dict[str, CommandRow] = {
    # the shared view: DRIVE and holding control (a DRIVE holder is handed control first)
    "set_layout": _needs(DRIVE),
    "set_mpr": _needs(DRIVE),
    "set_active_viewport": _needs(DRIVE),
    "set_image": _needs(DRIVE),
    "set_voi": _needs(DRIVE),
    "set_presentation": _needs(DRIVE),
    "set_invert": _needs(DRIVE),
    "set_cine": _needs(DRIVE),
    "request_control": _needs(DRIVE),
    "grant_control": _needs(MODERATE),  # or being the driver
    "release_control": _needs(DRIVE),  # holding control, which needs DRIVE
    "take_control": _needs(MODERATE, DRIVE),
    "set_following": _needs(),
    # a request is pending only if the sender could make one
    "withdraw_control_request": _needs(DRIVE, refused="conflict"),
    "create_annotation": _needs(Grant.ANNOTATE),
    "update_annotation": _needs(MODERATE),  # someone else's annotation
    "delete_annotation": _needs(MODERATE),  # someone else's annotation
    "move_pointer": _needs(Grant.POINT),
    "post_chat": _needs(Grant.CHAT),
    "raise_hand": _needs(Grant.RAISE_HAND),
    "lower_hand": _needs(MODERATE),  # someone else's hand
    "mute_participant": _needs(MODERATE),
    "set_key_image": _needs(Grant.ANNOTATE),
    "set_grants": _needs(MODERATE),
    "kick": _needs(MODERATE),
    "lift_ban": _needs(MODERATE),
    "close_room": _needs(MODERATE),
    "set_watermark": _needs(MODERATE),
    "attach_study": _needs(Grant.MANAGE_CASE),
    "detach_study": _needs(Grant.MANAGE_CASE),
    "set_recording": _needs(Grant.RECORD),
    "set_media": _needs(Grant.PUBLISH_MEDIA),  # publishing something
}
assert set(COMMANDS) <= set(WIRE_NAMES), set(COMMANDS) - set(WIRE_NAMES)


def expect_command(name: str, role: Role) -> str:
    """``ack`` or the error code a member of ``role`` (default grants) gets for ``name``."""
    row = COMMANDS[name]
    return "ack" if row.needs <= ROLE_GRANTS[role] else row.refused


# The hello is where a credential is checked: a token that is expired, forged or absent, or is
# not a room token at all (a viewer token, the API key), never reaches any command.
HELLO_REFUSED = 4001  # CloseCode.UNAUTHORIZED
HELLO_EXPIRED = 4002  # CloseCode.TOKEN_EXPIRED
HELLO_BANNED = 4013  # CloseCode.BANNED
HELLO_REVOKED = 4014  # CloseCode.TOKEN_REVOKED


def expect_hello(caller: Caller, state: CallerState) -> Expected:  # noqa: PLR0911 - a table
    """``Outcome(101)`` when the hello is welcomed (into the token's own room), else the close."""
    if caller is Caller.ADMIN and state in (CallerState.EXPIRED, CallerState.OTHER_ROOM):
        return NotApplicable.CELL
    if caller is Caller.ADMIN and state in (CallerState.KICKED, CallerState.REVOKED):
        return NotApplicable.CELL
    if state is CallerState.KICKED:
        return Outcome(HELLO_BANNED) if caller.role is not None else NotApplicable.CELL
    if state is CallerState.REVOKED:
        return Outcome(HELLO_REVOKED)
    if state is CallerState.EXPIRED:
        return Outcome(HELLO_EXPIRED)
    if caller.role is None or state in (CallerState.NO_TOKEN, CallerState.FORGED):
        return Outcome(HELLO_REFUSED)
    return Outcome(101)
