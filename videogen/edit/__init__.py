"""Editing a clip: the operations (:mod:`~videogen.edit.interpolate`, :mod:`~videogen.edit.timing`)
and the recipe that chains them over one or more videos (:mod:`~videogen.edit.recipe`).

Called by :meth:`videogen.api.Engine.edit` and ``python -m videogen edit``; the Edit tab, the
upscalers and the restyling join this room (issue 18).
"""
