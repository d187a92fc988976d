"""Generation: text to video and image to video, each a numbered recipe over loaded models.

``common`` holds what both tasks share (the request and its resolved parameters, built from the
settings table; the result; the step callback); ``text_to_video`` and ``image_to_video`` are the
recipes. The models they run are loaded by :mod:`videogen.models`.
"""
