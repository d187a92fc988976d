"""The small models shipped in ``weights/``: the offline "shapes world" demo models and their loaders.

Each submodule is imported lazily by :mod:`videogen.models` (torch is not imported here).
"""
