"""Recognition: which actions a video shows.

``classify`` is the one-clip recipe; ``timeline`` runs the model window by window over a long
video. The classifiers themselves are loaded by :mod:`videogen.models`.
"""
