"""The study store: import, index, de-identification of DICOM studies.

Public entry points: :class:`server.cases.store.StudyStore` and the records it returns.
"""
