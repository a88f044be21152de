"""The SFU: audio, video and screen share forwarded as encoded packets (aiortc, no transcoding).

``signalling.Sfu`` implements ``server.interfaces.MediaSignalling``; ``lifespan.sfu_lifespan``
plugs it into the app. Only ``passthrough`` touches aiortc's private API (aiortc is pinned).
"""
