"""videogen's web app: parse flags, build the Blocks, launch. (The UI lives in videogen/ui/.)"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from dataclasses import replace


def _caps_text() -> str:
    """``--help``'s closing text: public mode, and the caps of both modes (with this environment's overrides)."""
    from videogen.serving.caps import Policy, cap_table

    return "\n".join([
        "public mode: on with --public or --share, or on a Hugging Face Space (SPACE_ID; VIDEOGEN_PUBLIC=0 turns",
        "it off, for a private Space). Then only the listed models run (no Hub ids, no folders), every request is",
        "held to the caps below whatever it asks, uploads are capped, and each session's files are deleted after",
        "a while. Each cap is set with VIDEOGEN_<NAME> (e.g. VIDEOGEN_MAX_FRAMES=81; see README, Public mode).",
        "",
        *cap_table(Policy.public(), Policy.local()),
    ])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from videogen.config import load_settings
    from videogen.errors import VideogenError

    try:
        settings = load_settings()
    except VideogenError as exc:  # a VIDEOGEN_* variable that is not a number
        sys.exit(f"videogen: {exc}")
    parser = argparse.ArgumentParser(
        description="videogen: text to video, image to video and action recognition in the browser.",
        epilog=_caps_text(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=settings.host, help=f"address to bind (default {settings.host}; 0.0.0.0 for your network)")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    parser.add_argument("--share", action="store_true",
                        help="also make a temporary public gradio.live link (turns public mode on)")
    parser.add_argument("--device", default=settings.device, help="auto (default), cpu, cuda or cuda:N")
    parser.add_argument("--offline", action="store_true", help="never use the network: cached and embedded models only")
    parser.add_argument("--public", action="store_true",
                        help="public mode: for an app that strangers can open (on with --share and on a Space); see below")
    parser.add_argument("--allow-custom-models", action="store_true",
                        help="public mode: also take Hub repo ids and local folders (and download any Hub repo asked for)")
    parser.add_argument("--max-file-size", type=float, metavar="MB",
                        help="the largest upload, in MB (public mode's default: 100; VIDEOGEN_MAX_UPLOAD_MB)")
    parser.add_argument("--delete-after", type=int, metavar="SECONDS",
                        help="delete uploads and the clips served this long after they were made (public mode's "
                             "default: 3600, the sessions' own clips too; VIDEOGEN_DELETE_AFTER_S)")
    parser.add_argument("--mcp", action="store_true",
                        help="also serve the endpoints as MCP tools at /gradio_api/mcp/ (on by default on a Space; "
                             "VIDEOGEN_MCP=0 turns it off)")
    args = parser.parse_args(argv)
    for flag, value in (("--max-file-size", args.max_file_size), ("--delete-after", args.delete_after)):
        if value is not None and value <= 0:
            parser.error(f"{flag} must be above 0, got {value:g}")
    return args


def app_policy(args: argparse.Namespace):  # -> videogen.serving.caps.Policy
    """The policy the flags and the environment ask for."""
    from videogen.config import load_settings
    from videogen.serving.caps import Policy, is_public

    settings = load_settings()
    public = is_public(settings, flag=args.public, share=args.share)
    policy = Policy.public() if public else Policy.local()
    changes = {}
    if args.allow_custom_models:
        changes["allow_custom_models"] = True
    if args.max_file_size is not None:
        changes["max_upload_mb"] = args.max_file_size
    if args.delete_after is not None:
        changes["delete_after_s"] = args.delete_after
    return replace(policy, **changes)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not every request Gradio makes to itself
    if args.offline:
        from videogen.config import set_offline

        set_offline(True)
    from videogen.serving.files import private_temp_dir

    private_temp_dir()  # the app's own upload and cache folder, set before Gradio is imported
    # Stopped by a supervisor (SIGTERM, as on a Space): exit as for Ctrl+C, so that the folder and
    # Gradio's files are removed (atexit), which a plain SIGTERM would skip.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    from videogen.config import load_settings
    from videogen.ui.app import build_demo
    from videogen.ui.handlers import Handlers

    from videogen.serving.mcp import mcp_wanted

    policy = app_policy(args)
    mcp = mcp_wanted(args.mcp)
    demo = build_demo(Handlers(device=args.device, policy=policy), max_queue=load_settings().max_queue)
    _app, local_url, share_url = demo.launch(
        server_name=args.host, server_port=args.port, share=args.share, prevent_thread_lock=True, mcp_server=mcp,
        theme="soft", footer_links=["api", "settings"], quiet=True,  # our own lines below, with our flags
    )
    print(f"videogen is running at {local_url}")
    if mcp:
        print(f"MCP tools (text_to_video, image_to_video, classify, edit, compose) at {local_url}gradio_api/mcp/")
    if policy.public:
        models = "listed models, Hub ids and folders" if policy.allow_custom_models else "listed models only"
        upload = f"up to {policy.max_upload_mb:g} MB" if policy.max_upload_mb else "of any size"
        kept = f"deleted after {policy.delete_after_s} s" if policy.delete_after_s else "kept"
        print(f"Public mode: {models}; every request held to the caps (python app.py --help lists them); uploads "
              f"{upload}; outputs and uploads {kept}.")
    if share_url:
        print(f"Public link (temporary, anyone with it can use the app): {share_url}")
    elif args.share:
        print("Could not create a public share link (it needs gradio.live, which is unreachable from here). "
              f"The app is running locally at {local_url}.", file=sys.stderr)
    elif not os.environ.get("SPACE_ID"):
        print("Add --share for a temporary public link.")
    print("Press Ctrl+C to stop.", flush=True)
    demo.block_thread()


if __name__ == "__main__":
    main()
