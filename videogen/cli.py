"""``python -m videogen``: the command line, a contract scripts rely on.

Commands: ``models``, ``t2v``, ``i2v``, ``edit``, ``compose``, ``classify``, ``verify``, ``download``, ``plan``, ``eval``, ``bench``. ``--json`` prints exactly one
JSON document on stdout (a list with one object per item); progress goes to stderr, and so do an
item's warnings (``warning: ...``, also in its ``"warnings"`` list). Errors exit
non-zero with a one-line message on stderr and no traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from videogen import params
from videogen.errors import InvalidInputError, VideogenError
from videogen.cli_print import (ConsoleProgress, print_composition, print_edit_list, print_plan, print_timeline,
                                print_video, print_warnings)
from videogen.params import Param, TaskParams

logger = logging.getLogger("videogen")


def _common() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--device", default=argparse.SUPPRESS, help="auto (default), cpu, cuda, cuda:N")
    parent.add_argument("--offline", action="store_true", default=argparse.SUPPRESS, help="never use the network; cached models only")
    parent.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks and debug logs")
    parent.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars (they are drawn only on a terminal anyway); warnings and errors still print")
    return parent


def _count(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_options(parser: argparse.ArgumentParser, settings: Sequence[Param]) -> None:
    """One option per setting of the settings table (videogen.params), named --name-with-dashes.
    Each left out is None: the model's default (a flag: off; a setting with its own default: that)."""
    for param in settings:
        if param.kind == "flag" and param.default:  # on unless turned off: --name and --no-name
            parser.add_argument(param.cli_flag, dest=param.name, action=argparse.BooleanOptionalAction, default=True,
                                help=param.help + " (default: on)")
            continue
        if param.kind == "flag":
            parser.add_argument(param.cli_flag, dest=param.name, action="store_true", help=param.help)
            continue
        kind = {"int": int, "float": float, "text": str, "choice": str}[param.kind]
        default = None if param.model_default else param.default
        if param.name == "seed":
            default = None  # unset: a random seed (the page's -1 means the same)
        parser.add_argument(param.cli_flag, dest=param.name, type=kind, default=default, metavar=param.metavar,
                            help=param.help + (f" (default: {param.default})" if param.choices else ""),
                            choices=param.choices or None)  # picks: refused by the edit, by name


def _generation_options(parser: argparse.ArgumentParser, task: TaskParams, out_help: str) -> None:
    _add_options(parser, task.on("cli"))
    parser.add_argument("-o", "--output", required=True, help=out_help)
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    prog = "videogen" if Path(sys.argv[0]).name == "videogen" else "python -m videogen"  # the console script, or -m
    parser = argparse.ArgumentParser(prog=prog, description="Text to video, image to video and action recognition.", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    models = sub.add_parser("models", parents=[common], help="list the models and whether each is downloaded (no network)")
    models.add_argument("--json", action="store_true")

    t2v = sub.add_parser("t2v", parents=[common], help="text to video")
    t2v.add_argument("prompts", nargs="*", metavar="PROMPT")
    t2v.add_argument("--prompts", dest="prompts_file", metavar="FILE",
                     help="a batch: one prompt per line, or CSV / JSON Lines with a prompt column and any settings "
                          "(a row's own win over the options); the clips and batch.zip go to the -o folder")
    _generation_options(t2v, params.TEXT_TO_VIDEO, "an .mp4 file for one prompt, a folder for several")

    i2v = sub.add_parser("i2v", parents=[common], help="image to video")
    i2v.add_argument("image", metavar="IMAGE")
    i2v.add_argument("prompt", metavar="PROMPT")
    _generation_options(i2v, params.IMAGE_TO_VIDEO, "the .mp4 file to write")

    editing = sub.add_parser("edit", parents=[common], help="edit videos: join, trim, speed, reverse, loop, interpolate, upscale, restyle")
    editing.add_argument("inputs", nargs="*", metavar="INPUT", help="videos; several are joined, fitted to the first")
    editing.add_argument("-o", "--output", help="the .mp4 file to write")
    _add_options(editing, params.EDIT.on("cli"))
    editing.add_argument("--list", action="store_true", help="name the operations (in the order they apply), the styles and the models, and exit")
    editing.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    compose = sub.add_parser("compose", parents=[common], help="photos and clips, with music and narration, into one "
                             "video; or a story, one line per scene")
    compose.add_argument("inputs", nargs="*", metavar="IMAGE_OR_CLIP", help="photos and video clips, in the order shown")
    compose.add_argument("-o", "--output", required=True, help="the .mp4 file to write")
    _add_options(compose, params.COMPOSE.on("cli"))
    compose.add_argument("--narration-file", metavar="F", help="the narration's text from a file (UTF-8)")
    compose.add_argument("--story-file", metavar="F", help="the story's script from a file (UTF-8), one line per scene")
    compose.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    classify = sub.add_parser("classify", parents=[common], help="recognise the action in videos")
    classify.add_argument("videos", nargs="+", metavar="VIDEO")
    _add_options(classify, params.CLASSIFY.on("cli"))
    classify.add_argument("--json", action="store_true")

    verify = sub.add_parser("verify", parents=[common], help="read files' Content Credentials (C2PA): valid or not, "
                            "AI-generated or not, by what (any tool's, not only videogen's)")
    verify.add_argument("files", nargs="+", metavar="FILE")
    verify.add_argument("--json", action="store_true", help="print one JSON object per file (a list) on stdout")

    download = sub.add_parser("download", parents=[common], help="fetch a model ahead of time")
    download.add_argument("model", metavar="ID")

    plan = sub.add_parser("plan", parents=[common], help="where a generator's components would run, and whether it fits (no download)")
    plan.add_argument("model", metavar="MODEL", help="registry id, Hub repo id or local folder")
    plan.add_argument("--task", choices=["t2v", "i2v"], help="for models that do both (default: t2v)")
    plan.add_argument("--gpu-memory", type=float, metavar="GIB", help="the GPU's memory in GiB (default: this machine's GPU)")
    plan.add_argument("--ram", type=float, metavar="GIB", help="the machine's RAM in GiB (default: this machine's)")
    _add_options(plan, (params.FRAMES, params.HEIGHT, params.WIDTH, params.STEPS))
    plan.add_argument("--json", action="store_true", help="print the plan as JSON on stdout")

    evaluate = sub.add_parser("eval", parents=[common], help="measure the embedded shapes-world models (offline)")
    evaluate.add_argument("--clips-per-class", type=_count, default=100, help="held-out classifier clips per motion")
    evaluate.add_argument("--prompts", type=_count, default=60, help="text-to-video prompts (half Chinese)")
    evaluate.add_argument("--images", type=_count, default=60, help="image-to-video inputs")
    evaluate.add_argument("--seed", type=int, default=20261121)
    evaluate.add_argument("--json-out", default="eval.json", help="where to write the full results")

    from videogen.bench import add_arguments as bench_arguments

    bench = sub.add_parser("bench", parents=[common], help="speed against baselines timed in the same run (offline)")
    bench_arguments(bench)
    return parser


# ----------------------------------------------------------------------------------------------


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return slug[:limit] or "clip"


def _outputs(prompts: list[str], output: str) -> list[Path]:
    out = Path(output)
    if len(prompts) == 1 and out.suffix.lower() == ".mp4":
        return [out]
    if out.suffix.lower() == ".mp4":
        raise InvalidInputError(f"output must be a folder when giving {len(prompts)} prompts, got {output!r}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file of that name, no permission
        raise InvalidInputError(f"output {output!r} cannot be made a folder ({exc.strerror}); give a folder, or an .mp4 file for one prompt") from exc
    return [out / f"{i:03d}-{_slug(p)}.mp4" for i, p in enumerate(prompts, 1)]


def _generation_request(args: argparse.Namespace, prompt: str, task: TaskParams) -> Any:
    """The options of t2v/i2v (the settings table's, GenerationRequest's fields) as one request."""
    from videogen.generate.common import GenerationRequest

    extra = {p.name for p in (*params.SOUND, *params.MARKS)}
    return GenerationRequest(prompt=prompt, **{k: v for k, v in _settings(args, task).items() if k not in extra})


def _batch(args: argparse.Namespace, limit: int | None) -> list[Any]:
    """t2v's clips: the PROMPT arguments, then the ``--prompts`` file's rows (each with its own settings)."""
    from videogen.generate.batch import MAX_ITEMS, BatchItem, read_batch

    items = [BatchItem(prompt) for prompt in args.prompts]
    if args.prompts_file:
        items += read_batch(_text(args.prompts_file, "batch"), args.prompts_file, limit or MAX_ITEMS)
    if not items:
        raise InvalidInputError("t2v needs a PROMPT, or a batch file (--prompts FILE)")
    if args.prompts_file and Path(args.output).suffix.lower() == ".mp4":
        raise InvalidInputError(f"a batch goes to a folder: give -o FOLDER, not {args.output!r}")
    return items


def _sound(args: argparse.Namespace) -> dict[str, Any]:
    """t2v/i2v's "Add sound" options (--audio, --narration, --voice, --subtitles) and the marks (--label,
    --no-include-prompt)."""
    return {p.name: getattr(args, p.name) for p in (*params.SOUND, *params.MARKS)}


def _text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"the {what} file {path} could not be read ({exc}): give a UTF-8 text file") from exc


def _settings(args: argparse.Namespace, task: TaskParams) -> dict[str, Any]:
    return {p.name: getattr(args, p.name) for p in task.on("cli")}


def run(args: argparse.Namespace) -> int:
    from videogen import api

    progress = ConsoleProgress()
    try:
        if args.command == "models":
            rows = api.list_models()
            if args.json:
                print(json.dumps([r.to_json() for r in rows], indent=2))
            else:
                from videogen.units import download_gib

                table = [(r.spec.task, r.spec.id, "downloaded" if r.downloaded else f"~{download_gib(r.spec.download_gb)} "
                          "to download", r.spec.license, r.spec.repo_id) for r in rows]
                widths = [max(len(row[i]) for row in table) for i in range(4)]
                for row in table:  # columns as wide as their longest entry: long ids stay aligned
                    print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])
            return 0

        if args.command == "plan":
            result = api.plan(
                args.model, task=args.task, device=getattr(args, "device", None), gpu_memory_gib=args.gpu_memory,
                ram_gib=args.ram, frames=args.frames, height=args.height, width=args.width, steps=args.steps,
            )
            if args.json:
                print(json.dumps(result.to_json(), indent=2))
            else:
                print_plan(result)
            return 0

        if args.command == "eval":
            from videogen.training.evaluate import EvalConfig, format_table, run_eval

            cfg = EvalConfig(args.clips_per_class, args.prompts, args.images, args.seed, getattr(args, "device", None) or "cpu")
            report = run_eval(cfg)
            Path(args.json_out).write_text(json.dumps(vars(report), indent=2, ensure_ascii=False))
            print(format_table(report))
            print(f"full results: {args.json_out}")
            return 0

        if args.command == "bench":
            from videogen.bench import main as bench_main

            return bench_main(args)

        if args.command == "verify":
            from videogen.provenance.verify import summary_line, verify

            reports = [verify(path) for path in args.files]
            print(json.dumps(reports, ensure_ascii=False, indent=2) if args.json else
                  "\n".join(summary_line(r) for r in reports))
            return 0

        engine = api.Engine(device=getattr(args, "device", None))
        if args.command == "download":
            folder = engine.download(args.model, progress=progress)
            progress.close()
            print(folder)
        elif args.command == "t2v":
            results = []
            items = _batch(args, engine.policy.max_batch)
            prompts = [item.prompt for item in items]
            for item, path in zip(items, _outputs(prompts, args.output)):
                asked = replace(_generation_request(args, item.prompt, params.TEXT_TO_VIDEO), **item.settings)
                result = engine.text_to_video(asked, output=path, progress=progress, **_sound(args))
                progress.close()
                print_warnings(result)
                results.append(result)
                if not args.json:
                    print_video(result)
            if args.prompts_file:
                from videogen.generate.batch import batch_zip

                archive = batch_zip(results, Path(args.output) / "batch.zip")
                print(f"batch: {len(results)} clips, {archive}", file=sys.stderr if args.json else sys.stdout)
            if args.json:
                print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
        elif args.command == "i2v":
            result = engine.image_to_video(args.image, _generation_request(args, args.prompt, params.IMAGE_TO_VIDEO),
                                           output=args.output, progress=progress, **_sound(args))
            progress.close()
            print_warnings(result)
            if args.json:
                print(json.dumps([result.to_json()], ensure_ascii=False, indent=2))
            else:
                print_video(result)
        elif args.command == "edit":
            if args.list:
                print_edit_list()
                return 0
            if not args.inputs or not args.output:
                raise InvalidInputError("edit needs INPUT ... and -o OUT.mp4 (or --list)")
            result = engine.edit(args.inputs, output=args.output, **_settings(args, params.EDIT), progress=progress)
            progress.close()
            print_warnings(result)
            if args.json:
                print(json.dumps([result.to_json()], ensure_ascii=False, indent=2))
            else:
                done = ", ".join(op["name"] for op in result.operations) or "re-encoded"
                print(f"{result.path}  ({result.frames} frames, {result.width}x{result.height}, {result.fps:g} fps, "
                      f"{result.duration_s:g} s; {done})")
        elif args.command == "compose":
            values = _settings(args, params.COMPOSE)
            if args.narration_file:
                values["narration"] = _text(args.narration_file, "narration")
            if args.story_file:
                values["story"] = _text(args.story_file, "story")
            story, animate, model = values.pop("story"), values.pop("animate"), values.pop("model")
            if not args.inputs and not story:
                raise InvalidInputError("compose needs photos or clips (IMAGE_OR_CLIP ...), or a story (--story TEXT)")
            result = engine.compose(args.inputs, output=args.output, story=story, animate=animate, model=model,
                                    progress=progress, **values)
            progress.close()
            print_warnings(result)
            if args.json:
                print(json.dumps([result.to_json()], ensure_ascii=False, indent=2))
            else:
                print_composition(result)
        elif args.command == "classify":
            outputs = []
            for video in args.videos:
                result = engine.classify(video, **_settings(args, params.CLASSIFY), progress=progress)
                progress.close()
                print_warnings(result)
                outputs.append(result)
                if not args.json:
                    print(video)
                    for p in result.predictions:
                        print(f"  {p['score']:7.2%}  {p['label']}")
                    print(f"  (answer: {result.answer}, {result.answer_from})")
                    if result.timeline is not None:
                        print_timeline(result.timeline)
            if args.json:
                items = [r.to_json() for r in outputs]
                if args.timeline:
                    for item in items:
                        item.setdefault("timeline", None)  # a video no longer than one window
                print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    finally:
        progress.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    bars = not getattr(args, "quiet", False) and sys.stderr.isatty()
    with _progress_bars(bars):
        return _main(args, debug)


@contextmanager
def _progress_bars(shown: bool) -> Iterator[None]:
    """Progress bars are for a person at a terminal: in a log or a pipe they are lines of \\r-noise.
    TQDM_DISABLE reaches every tqdm bar (ours, the Hub's downloads, the libraries' loading bars);
    it is put back as it was afterwards (``main`` may run inside another program)."""
    before = os.environ.get("TQDM_DISABLE")
    if not shown:
        os.environ["TQDM_DISABLE"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = before


def _main(args: argparse.Namespace, debug: bool) -> int:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if getattr(args, "offline", False):
        from videogen.config import set_offline

        set_offline(True)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except VideogenError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # last resort: one line, not a traceback
        if debug:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1
