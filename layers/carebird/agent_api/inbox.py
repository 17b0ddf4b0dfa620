"""The agent inbox's web page, served by the agent API function: GET /inbox/ and the files under it.

The page is built by `make inbox` (Vite, from inbox/) into functions/reply/inbox/, beside the handler, so
`sam build` ships it with the function and `sam deploy` needs no upload step. API Gateway serves these
routes without the JWT authorizer (template.yaml: Auth: Authorizer: NONE): the page signs agents in
itself, with what GET /inbox/config.json says, and then calls the API at relative paths.

- Hashed build assets (assets/<name>-<hash>.<ext>) never change: cached for a year, immutable.
- index.html and config.json are revalidated on every load (no-cache), so a deploy shows at once.
- Only files inside the build folder, with a known text type, are served; anything else, and any path
  with `..`, a hidden segment, a backslash or a NUL, is a 404 JSON error like every other unknown route.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from carebird.agent_api.errors import error_response

PREFIX = "/inbox"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class SignInConfig:
    """What the page needs to sign an agent in: the user pool, its app client, and where Cognito is."""

    region: str
    user_pool_id: str
    client_id: str
    cognito_endpoint: str


class InboxSite:
    """Answers GET <prefix><rest> from the built page in `root`."""

    def __init__(self, root: Path, sign_in: SignInConfig) -> None:
        self._root = root.resolve()
        self._sign_in = sign_in

    @property
    def root(self) -> Path:
        return self._root

    def answer(self, path: str) -> Response[Any]:
        rest = path[len(PREFIX) :] if path.startswith(PREFIX) else path
        if rest == "":
            # /inbox -> /inbox/: the page's relative asset and API paths resolve from the folder.
            return Response(
                301, "text/plain; charset=utf-8", "moved to inbox/", headers={"Location": "inbox/"}
            )
        relative = rest.lstrip("/")
        if relative == "config.json":
            return self._config()
        return self._file(relative or "index.html")

    def _config(self) -> Response[Any]:
        return Response(
            200,
            "application/json",
            json.dumps(asdict(self._sign_in)),
            headers={"Cache-Control": REVALIDATE, "X-Content-Type-Options": "nosniff"},
        )

    def _file(self, relative: str) -> Response[Any]:
        found = self._resolve(relative)
        if found is None:
            return error_response(404, "not_found", f"the inbox has no file {relative!r}")
        content_type = CONTENT_TYPES[found.suffix]
        immutable = found.parent.name == "assets" and found.parent.parent == self._root
        headers = {
            "Cache-Control": IMMUTABLE if immutable else REVALIDATE,
            "X-Content-Type-Options": "nosniff",
        }
        if found.suffix == ".html":
            headers.update(self._page_headers())
        return Response(200, content_type, found.read_text(encoding="utf-8"), headers=headers)

    def _resolve(self, relative: str) -> Path | None:
        parts = relative.split("/")
        if any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
            return None
        candidate = (self._root / relative).resolve()
        if not candidate.is_relative_to(self._root) or candidate.suffix not in CONTENT_TYPES:
            return None
        return candidate if candidate.is_file() else None

    def _page_headers(self) -> dict[str, str]:
        # Defence in depth for a page that shows customers' text: only our own scripts and styles run,
        # and the page talks to nothing but its own origin (the API) and the user pool.
        cognito = self._sign_in.cognito_endpoint.rstrip("/")
        policy = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {cognito}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
        return {"Content-Security-Policy": policy, "Referrer-Policy": "no-referrer"}


InboxProvider = Callable[[], InboxSite]


def inbox_router(site: InboxProvider) -> APIGatewayHttpRouter:
    """GET /inbox and everything under it. Left out of the OpenAPI document: a page, not an API."""
    router = APIGatewayHttpRouter()

    @router.get(PREFIX, include_in_schema=False)
    def page() -> Response[Any]:
        return site().answer(router.current_event.path)

    # Powertools compiles a route to a regular expression: `.+` takes the rest of the path, slashes too.
    @router.get(f"{PREFIX}/.+", include_in_schema=False)
    def files() -> Response[Any]:
        return site().answer(router.current_event.path)

    return router
