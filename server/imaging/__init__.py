"""Server-side imaging: the grey-scale pipeline (``lut``) and rendering to PNG/JPEG (``render``)."""
