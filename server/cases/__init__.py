"""The study store: import, index, de-identification of DICOM studies.

- ``store.py``    :class:`StudyStore` and its records (the public interface, sync, thread-safe)
- ``sources.py``  files, folders, zip archives (bomb/traversal caps), DICOMDIRs -> staged copies
- ``importer.py`` per-file checks with stable error codes; per-instance plan (store and forward)
- ``index.py``    the SQLite (WAL) index
- ``deid.py``     PS3.15 Basic Profile teaching copies (table in ``deid_table.py``)
- ``errors.py``   error codes and exceptions
- ``cli.py``      ``huizhen import`` and ``huizhen deidentify``
"""
