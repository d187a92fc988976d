"""The training room: the scripts that train the embedded shapes-world models of ``weights/`` from
scratch, and ``python -m videogen eval``'s measurements of them. The runtime (the app, the CLI's
generation commands, the Python API) never imports this package; only the CLI's ``eval`` command
imports :mod:`videogen.training.evaluate`, inside its branch.

Each script writes its weights, ``metrics.json`` and a model card (``README.md``, from the
template in ``cards/``) into ``--out``; every run is deterministic for a given ``--seed``:

    python -m videogen.training.train_text_to_video --out weights/shapes-t2v --seed 0
    python -m videogen.training.train_image_to_video --out weights/shapes-i2v --seed 0
    python -m videogen.training.train_action --out weights/shapes-action --seed 0
    python -m videogen eval    # evaluate.py: every embedded model on held-out data

- ``train_text_to_video.py``: the shapes-t2v decoder (data, training, evaluation in one module).
- ``train_image_to_video.py``: the shapes-i2v motion network's loss and training loop;
  ``image_to_video_data.py`` (its settings and batches), ``image_to_video_report.py`` (validation
  and model card).
- ``train_action.py``: the shapes-action classifier's training loop; ``action_data.py`` (its
  settings, batches and validation sets), ``action_augment.py`` (circle marks, codec and colour
  degradations), ``action_report.py`` (accuracy and model card).
- ``schedule.py``: the learning-rate schedule the three share; ``runs.py``: what every run writes
  (the command line, the weights, ``metrics.json``, the card filled from ``cards/<model>.md``).
- ``evaluate.py``: ``python -m videogen eval`` (and ``psnr``).
"""
