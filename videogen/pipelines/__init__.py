"""One module per task: text to video, image to video, action recognition.

Each task module has a ``check_inputs`` that raises with the parameter name and the bad value, and
a ``run_*`` function written as a numbered recipe over already-loaded components.
"""
