"""The serving room: what one request may ask of this server, and how the app is put in front of people.

=====================  ===========================================================================
module                 what
=====================  ===========================================================================
``caps.py``            the caps, each declared once (:class:`~videogen.serving.caps.Policy`'s
                       fields: public mode's value, the local run's, unit, what it holds back);
                       ``Policy.public()`` / ``Policy.local()``, ``is_public``, the
                       ``VIDEOGEN_<NAME>`` variables and ``--help``'s table, all built from them
``checks.py``          one request held to the caps: ``check_request``, ``check_texts``,
                       ``check_text_length``, and ``limit_decoders`` (Pillow's limit)
``files.py``           the files a request brings (uploads only, in public mode; images and videos
                       sized before decoding), path scrubbing for messages, the app's private
                       Gradio folder and each session's output folder
``sweep.py``           deleting expired uploads and outputs (``sweep``, the ``Sweeper`` thread)
``gradio_app.py``      the Gradio integration: ``ServedBlocks`` (launch settings from the policy,
                       the ``process_api`` override) and ``request_error``, the message for a
                       request Gradio itself refuses
=====================  ===========================================================================

The UI (:mod:`videogen.ui`) imports this package; nothing here imports the UI. Ray workers, when
they come, will live here too.
"""
