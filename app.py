"""videogen's web app: parse flags, build the Blocks, launch. (The UI lives in videogen/ui/.)"""

from __future__ import annotations

import argparse
import logging
import os
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from videogen.config import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(description="videogen: text to video, image to video and action recognition in the browser.")
    parser.add_argument("--host", default=settings.host, help=f"address to bind (default {settings.host}; 0.0.0.0 for your network)")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    parser.add_argument("--share", action="store_true", help="also make a temporary public gradio.live link")
    parser.add_argument("--device", default=settings.device, help="auto (default), cpu, cuda or cuda:N")
    parser.add_argument("--offline", action="store_true", help="never use the network: cached and embedded models only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not every request Gradio makes to itself
    if args.offline:
        from videogen.config import set_offline

        set_offline(True)

    from videogen.config import load_settings
    from videogen.ui.app import build_demo
    from videogen.ui.handlers import Handlers

    demo = build_demo(Handlers(device=args.device), max_queue=load_settings().max_queue)
    _app, local_url, share_url = demo.launch(
        server_name=args.host, server_port=args.port, share=args.share, prevent_thread_lock=True,
        theme="soft", footer_links=["api", "settings"], quiet=True,  # our own lines below, with our flags
    )
    print(f"videogen is running at {local_url}")
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
