"""The floor for the CPU benchmark: a Bolt app with one command listener that acks fixed text, served
exactly as `csp-bot serve` serves csp-bot (the same gunicorn settings and the same guard in front of Bolt).

    python bench/minimal_app.py --port 8100 --workers 1 --threads 8

Needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, and SLACK_API_URL for Bolt's one `auth.test` (the
benchmark points it at a local stand-in). `GET /healthz` answers 200.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import Ack, App

from bot.runtime.app import web_client
from bot.runtime.server import WsgiApp, serve_http, wsgi_app

REPLY = "ok"


def build() -> WsgiApp:
    secret = os.environ["SLACK_SIGNING_SECRET"]
    client = web_client(
        os.environ["SLACK_BOT_TOKEN"], os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    )
    app = App(name="csp-bench-minimal", client=client, signing_secret=secret, process_before_response=True)

    @app.command("/csp")
    def csp(ack: Ack) -> None:
        ack(REPLY)

    return wsgi_app(app, signing_secret=secret)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    serve_http(build, args.host, args.port, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    main()
