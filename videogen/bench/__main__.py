"""``python -m videogen.bench``: the benchmark suite on its own (the options of ``python -m videogen
bench``, plus ``--device``), and the generator section's subprocesses (``--component JSON``)."""

from __future__ import annotations

import argparse
import json
import sys

from videogen.bench import add_arguments, main

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--component":
        from videogen.bench.generators import ComponentJob, run_component

        job_fields, job_device, job_dtype = json.loads(sys.argv[2])
        print(json.dumps(run_component(ComponentJob(**job_fields), job_device, job_dtype)))
    else:
        from videogen.bench import __doc__ as about

        parser = argparse.ArgumentParser(prog="python -m videogen.bench", description=about.split("\n\n")[0])
        parser.add_argument("--device", help="auto (default: the CPU, and the GPU when there is one), cpu, cuda")
        add_arguments(parser)
        sys.exit(main(parser.parse_args()))
