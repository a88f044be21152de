"""MPR over a live uvicorn: the driver's set_mpr reaches every client and every late joiner;
a bad one is refused with its code and changes nothing."""

from livetools import LiveServer
from room_client import RoomClient

from session.commands import SetMpr
from session.grants import Role
from session.ids import Uid
from session.model import Mpr, MprPlane, Voi

MPR = Mpr(
    Uid("1.2.3"),
    Uid("1.2.3.4"),
    (12.5, -40.0, 7.25),
    (MprPlane(), MprPlane(1.5, (0.1, -0.2), 10.0), MprPlane()),
    Voi(-600.0, 1500.0),
)


async def test_mpr_reaches_followers_and_late_joiners(live_server: LiveServer) -> None:
    room = live_server.create_room("mpr")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "d"))
    ack = await host.reply(await host.send(SetMpr(MPR)))
    assert ack["type"] == "ack"
    await doc.until_seq(ack["seq"])
    (event,) = [e for e in doc.events() if e["type"] == "mpr_changed"]
    assert event["mpr"]["point"] == [12.5, -40.0, 7.25]
    assert event["mpr"]["planes"][1] == {"zoom": 1.5, "pan": [0.1, -0.2], "slab": 10.0}

    late = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "t", Role.OBSERVER))
    assert late.welcome["snapshot"]["mpr"]["series"] == "1.2.3.4"

    bad = await host.reply(await host.send(SetMpr(Mpr(MPR.study, MPR.series, (0.0, 0.0, 2e7)))))
    assert bad["type"] == "error" and bad["code"] == "bad_request"
    refused = await doc.reply(await doc.send(SetMpr(None)))
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    left = await host.reply(await host.send(SetMpr(None)))
    await late.until_seq(left["seq"])
    assert [e["mpr"] for e in late.events() if e["type"] == "mpr_changed"] == [None]
    for client in (host, doc, late):
        await client.close()
