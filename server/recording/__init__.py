"""The recorder in the server: its lifespan (watching every hosted room) and its HTTP routes.

``recorder/`` is the library (it knows only ``session/``); this package plugs it in.
"""
