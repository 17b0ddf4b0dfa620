"""`python -m carebird_ops.xemu --port N`: the X API emulator on its own, until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from carebird_ops.xemu.credentials import DEFAULT_APP, app_credentials


def serve(host: str, port: int, seed: int | None) -> int:
    from carebird_ops.xemu.server import PortInUse, start

    try:
        handle = start(host=host, port=port, seed=seed)
    except PortInUse as exc:
        print(exc.strerror or str(exc), file=sys.stderr)
        return 1
    app = app_credentials(DEFAULT_APP)
    print(f"X API emulator listening on {handle.url}")
    print(f"  control API      {handle.url}/_emulator/")
    print(f"  app {app.name!r}: consumer key {app.consumer_key}, bearer token {app.bearer_token}")
    print("  user tokens: carebird_ops.xemu.credentials.user_tokens(USERNAME) (create the user first)")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carebird_ops.xemu", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--seed", type=int, default=None, help="seed for fault injection")
    args = parser.parse_args(argv)
    return serve(args.host, args.port, args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
