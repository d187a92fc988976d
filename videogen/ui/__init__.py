"""The Gradio app: one module per tab, wired together in :mod:`videogen.ui.app`.

Tab modules build widgets and receive plain functions (from :mod:`videogen.ui.handlers`); they
never see a model.
"""
