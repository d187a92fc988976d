"""Sizing a generator before it loads: its components, the memory plan, the CPU time estimate.

* :mod:`videogen.sizing.components`: each component's parameter count and bytes, from the
  published configs (``videogen/published/``), a Hub repo's safetensors headers or a local folder;
* :mod:`videogen.sizing.tokens`: the transformer's sequence lengths and width, which both the
  memory plan and the estimate are counted from;
* :mod:`videogen.sizing.memory`: where each component runs and whether the whole fits;
* :mod:`videogen.sizing.estimate`: how long a run takes on this CPU;
* :mod:`videogen.sizing.plan`: the memory plan with, on a CPU, its time estimate (the ``plan``
  command's answer);
* :mod:`videogen.sizing.sound`: the memory plan of a sound model (issue 19): its weights, its DiT's
  window and its VAE decoding the whole window.

Arrows: ``plan`` -> ``memory``, ``estimate`` -> ``tokens`` -> ``components``; ``sound`` -> ``memory``, ``components``.
"""
