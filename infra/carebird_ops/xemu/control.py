"""The control API under /_emulator/ (not part of X): set the scene, move time, inject faults, read stats."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from carebird_ops.xemu.credentials import DEFAULT_APP
from carebird_ops.xemu.faults import FaultRule
from carebird_ops.xemu.model import App, DmEvent, Post, User
from carebird_ops.xemu.operations import BY_NAME
from carebird_ops.xemu.params import rfc3339
from carebird_ops.xemu.render import Renderer
from carebird_ops.xemu.state import VERIFIED_TYPES, Conflict, EmulatorState, Missing, Settings

Json = dict[str, Any]


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _respond(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


def _when(value: object, what: str) -> float:
    """An instant given as epoch seconds or an ISO 8601 / RFC 3339 string with a zone."""
    if isinstance(value, bool):
        raise ControlError(400, f"{what}: expected epoch seconds or an ISO 8601 time")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ControlError(400, f"{what}: {value!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise ControlError(400, f"{what}: {value!r} needs a time zone (e.g. a trailing Z)")
        return moment.timestamp()
    raise ControlError(400, f"{what}: expected epoch seconds or an ISO 8601 time")


def _post_id(value: object, what: str) -> int | None:
    if value is None:
        return None
    text = str(value)
    if not text.isdigit():
        raise ControlError(400, f"{what}: {value!r} is not a post id")
    return int(text)


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ControlError(400, f"{what}: expected true or false")
    return value


def _verified_type(value: object) -> str:
    if value not in VERIFIED_TYPES:
        raise ControlError(400, f"verified_type: one of {list(VERIFIED_TYPES)}")
    return str(value)


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ControlError(400, f"{what}: expected a non-negative integer")
    return value


class ControlApi:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("/_emulator/health", "GET", self.health),
            ("/_emulator/reset", "POST", self.reset),
            ("/_emulator/apps", "GET", self.list_apps),
            ("/_emulator/apps", "POST", self.create_app),
            ("/_emulator/users", "GET", self.list_users),
            ("/_emulator/users", "POST", self.create_user),
            ("/_emulator/users/<username>", "GET", self.get_user),
            ("/_emulator/users/<username>", "PATCH", self.update_user),
            ("/_emulator/users/<username>/following", "GET", self.get_following),
            ("/_emulator/users/<username>/following", "POST", self.follow),
            ("/_emulator/credentials", "GET", self.credentials),
            ("/_emulator/posts", "GET", self.list_posts),
            ("/_emulator/posts", "POST", self.create_post),
            ("/_emulator/posts/bulk", "POST", self.bulk_posts),
            ("/_emulator/posts/<post_id>", "GET", self.get_post),
            ("/_emulator/posts/<post_id>", "DELETE", self.delete_post),
            ("/_emulator/posts/<post_id>/metrics", "PUT", self.set_metrics),
            ("/_emulator/dms", "GET", self.list_dms),
            ("/_emulator/dms", "POST", self.send_dm),
            ("/_emulator/faults", "GET", self.get_faults),
            ("/_emulator/faults", "PUT", self.set_faults),
            ("/_emulator/faults", "DELETE", self.clear_faults),
            ("/_emulator/clock", "GET", self.get_clock),
            ("/_emulator/clock", "POST", self.move_clock),
            ("/_emulator/rate-limits", "GET", self.get_rate_limits),
            ("/_emulator/rate-limits", "PUT", self.set_rate_limit),
            ("/_emulator/rate-limits/reset", "POST", self.reset_rate_limits),
            ("/_emulator/stats", "GET", self.get_stats),
            ("/_emulator/stats/reset", "POST", self.reset_stats),
            ("/_emulator/stats/requests", "GET", self.get_requests),
            ("/_emulator/settings", "GET", self.get_settings),
            ("/_emulator/settings", "PUT", self.set_settings),
        ]
        self._views: dict[str, Callable[..., Any]] = {}
        rules = []
        for i, (path, method, view) in enumerate(routes):
            rules.append(Rule(path, endpoint=str(i), methods=[method]))
            self._views[str(i)] = view
        self.url_map = Map(rules)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return _respond(404, {"error": f"no control route {request.method} {request.path}"})
        except MethodNotAllowed as exc:
            return _respond(
                405, {"error": f"{request.method} not allowed here", "allowed": exc.valid_methods}
            )
        except HTTPException as exc:  # werkzeug's trailing-slash redirects and the like
            return _respond(exc.code or 400, {"error": exc.description})
        body: Json = {}
        if request.method in ("POST", "PUT", "PATCH") and request.get_data():
            try:
                parsed = json.loads(request.get_data(as_text=True))
            except ValueError:
                return _respond(400, {"error": "request body is not valid JSON"})
            if not isinstance(parsed, dict):
                return _respond(400, {"error": "request body must be a JSON object"})
            body = parsed
        try:
            with self.state.lock:
                status, result = self._views[str(endpoint)](request=request, body=body, **args)
        except ControlError as exc:
            return _respond(exc.status, {"error": str(exc)})
        except Missing as exc:
            return _respond(404, {"error": str(exc)})
        except Conflict as exc:
            return _respond(409, {"error": str(exc)})
        except ValueError as exc:
            return _respond(400, {"error": str(exc)})
        return _respond(status, result)

    # Rendering for the control API: everything, including what X hides (source, deleted).

    def app_json(self, app: App) -> Json:
        return asdict(app)

    def user_json(self, user: User) -> Json:
        out = asdict(user)
        out["created_at"] = rfc3339(user.created_at)
        return out

    def post_json(self, post: Post) -> Json:
        author = self.state.users[post.author_id]
        refs = Renderer(self.state, None, {}).referenced(post)
        return {
            "id": str(post.id),
            "author_id": post.author_id,
            "author": author.username,
            "text": post.text,
            "display_text": self.state.display_text(post),
            "created_at": rfc3339(post.created_at),
            "lang": post.lang,
            "conversation_id": str(post.conversation_id),
            "in_reply_to_tweet_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
            "in_reply_to_user_id": post.in_reply_to_user_id,
            "quote_of": str(post.quoted_id) if post.quoted_id else None,
            "retweet_of": str(post.retweeted_id) if post.retweeted_id else None,
            "referenced_tweets": refs,
            "mentions": sorted(post.mentioned),
            "public_metrics": self.state.public_metrics(post),
            "possibly_sensitive": post.possibly_sensitive,
            "long": self.state.is_long(post),
            "deleted": post.deleted,
            "source": post.source,
        }

    def dm_json(self, event: DmEvent) -> Json:
        conv = self.state.conversations[event.conversation_id]
        return {
            "id": str(event.id),
            "dm_conversation_id": event.conversation_id,
            "sender_id": event.sender_id,
            "sender": self.state.users[event.sender_id].username,
            "participants": [self.state.users[p].username for p in conv.participant_ids],
            "text": event.text,
            "created_at": rfc3339(event.created_at),
            "event_type": event.event_type,
            "source": event.source,
        }

    # Views: each returns (status, JSON body).

    def health(self, **_: Any) -> tuple[int, Json]:
        return 200, {"ok": True, "now": self.state.now()}

    def reset(self, body: Json, **_: Any) -> tuple[int, Json]:
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ControlError(400, "seed: expected an integer")
        self.state.reset(seed)
        return 200, {"reset": True, "seed": self.state.faults.seed}

    def list_apps(self, **_: Any) -> tuple[int, Any]:
        return 200, [self.app_json(a) for a in self.state.apps.values()]

    def create_app(self, body: Json, **_: Any) -> tuple[int, Json]:
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise ControlError(400, "name: required")
        app = self.state.create_app(name, enterprise=_flag(body.get("enterprise", False), "enterprise"))
        return 201, self.app_json(app)

    def list_users(self, **_: Any) -> tuple[int, Any]:
        return 200, [self.user_json(u) for u in self.state.users.values()]

    _USER_FIELDS = (
        "username", "name", "followers", "following", "listed", "verified", "verified_type", "protected",
        "accepts_dms", "description", "location", "url", "created_at",
    )  # fmt: skip

    def create_user(self, body: Json, **_: Any) -> tuple[int, Json]:
        unknown = set(body) - set(self._USER_FIELDS)
        if unknown:
            raise ControlError(
                400, f"unknown user fields {sorted(unknown)}; known: {list(self._USER_FIELDS)}"
            )
        username = body.get("username")
        if not isinstance(username, str):
            raise ControlError(400, "username: required")
        user = self.state.create_user(
            username,
            name=body.get("name"),
            followers=_count(body.get("followers", 0), "followers"),
            following=_count(body.get("following", 0), "following"),
            listed=_count(body.get("listed", 0), "listed"),
            verified=_flag(body.get("verified", False), "verified"),
            verified_type=body.get("verified_type"),
            protected=_flag(body.get("protected", False), "protected"),
            accepts_dms=_flag(body.get("accepts_dms", True), "accepts_dms"),
            description=str(body.get("description", "")),
            location=str(body.get("location", "")),
            url=str(body.get("url", "")),
            created_at=_when(body["created_at"], "created_at") if "created_at" in body else None,
        )
        return 201, self.user_json(user)

    def get_user(self, username: str, **_: Any) -> tuple[int, Json]:
        return 200, self.user_json(self.state.require_user(username))

    def get_following(self, username: str, **_: Any) -> tuple[int, Json]:
        """The usernames `username` follows (a person's follows, or the brand's through the API)."""
        user = self.state.require_user(username)
        followed = sorted(self.state.users[b].username for a, b in self.state.following if a == user.id)
        return 200, {"following": followed}

    def follow(self, username: str, body: Json, **_: Any) -> tuple[int, Json]:
        """A person follows another account: {"username": "AcmeHelp"}."""
        user = self.state.require_user(username)
        target = self.state.require_user(str(body.get("username", "")).lstrip("@"))
        if target.id == user.id:
            raise ControlError(400, "a user cannot follow themselves")
        self.state.follow(user, target)
        return 200, {"following": True}

    def update_user(self, username: str, body: Json, **_: Any) -> tuple[int, Json]:
        user = self.state.require_user(username)
        setters: dict[str, Callable[[object], None]] = {
            "name": lambda v: setattr(user, "name", str(v)),
            "followers": lambda v: setattr(user, "followers_count", _count(v, "followers")),
            "following": lambda v: setattr(user, "following_count", _count(v, "following")),
            "listed": lambda v: setattr(user, "listed_count", _count(v, "listed")),
            "verified": lambda v: setattr(user, "verified", _flag(v, "verified")),
            "verified_type": lambda v: setattr(user, "verified_type", _verified_type(v)),
            "protected": lambda v: setattr(user, "protected", _flag(v, "protected")),
            "accepts_dms": lambda v: setattr(user, "accepts_dms", _flag(v, "accepts_dms")),
            "description": lambda v: setattr(user, "description", str(v)),
            "location": lambda v: setattr(user, "location", str(v)),
            "url": lambda v: setattr(user, "url", str(v)),
        }
        unknown = set(body) - set(setters)
        if unknown:
            raise ControlError(400, f"cannot change {sorted(unknown)}; changeable: {sorted(setters)}")
        for key, value in body.items():
            setters[key](value)
        if "verified" in body and "verified_type" not in body:
            user.verified_type = "blue" if user.verified else "none"
        return 200, self.user_json(user)

    def credentials(self, request: Request, **_: Any) -> tuple[int, Json]:
        app_name = request.args.get("app", DEFAULT_APP)
        app = self.state.apps.get(app_name)
        if app is None:
            raise Missing(f"no app {app_name!r}")
        out: Json = {
            "app": app.name,
            "consumer_key": app.consumer_key,
            "consumer_secret": app.consumer_secret,
            "bearer_token": app.bearer_token,
        }
        if "user" in request.args:
            user = self.state.require_user(request.args["user"])
            out.update(
                user_id=user.id,
                username=user.username,
                access_token=user.access_token,
                access_token_secret=user.access_token_secret,
            )
        return 200, out

    def list_posts(self, request: Request, **_: Any) -> tuple[int, Any]:
        args = request.args
        posts = sorted(self.state.posts.values(), key=lambda p: p.id)
        if "author" in args:
            author = self.state.require_user(args["author"])
            posts = [p for p in posts if p.author_id == author.id]
        if "mentions" in args:
            target = self.state.require_user(args["mentions"])
            posts = [p for p in posts if self.state.is_mention_of(p, target) and p.author_id != target.id]
        if "conversation_id" in args:
            posts = [p for p in posts if str(p.conversation_id) == args["conversation_id"]]
        if "in_reply_to" in args:
            posts = [p for p in posts if str(p.in_reply_to_id) == args["in_reply_to"]]
        if "source" in args:
            posts = [
                p for p in posts if p.source == args["source"] or p.source.startswith(args["source"] + ":")
            ]
        if "since_id" in args:
            since = _post_id(args["since_id"], "since_id") or 0
            posts = [p for p in posts if p.id > since]
        if args.get("include_deleted", "false").lower() not in ("1", "true", "yes"):
            posts = [p for p in posts if not p.deleted]
        if "limit" in args:
            posts = posts[-int(args["limit"]) :]
        return 200, [self.post_json(p) for p in posts]

    _POST_FIELDS = (
        "author", "text", "in_reply_to", "quote_of", "retweet_of", "lang", "created_at", "possibly_sensitive",
        "public_metrics",
    )  # fmt: skip

    def _create_post(self, spec: Json, *, create_users: bool) -> Post:
        unknown = set(spec) - set(self._POST_FIELDS)
        if unknown:
            raise ControlError(
                400, f"unknown post fields {sorted(unknown)}; known: {list(self._POST_FIELDS)}"
            )
        author_name = spec.get("author")
        if not isinstance(author_name, str):
            raise ControlError(400, "author: required (a username)")
        author = self.state.user_by_username(author_name.lstrip("@"))
        if author is None:
            if not create_users:
                raise Missing(f"no user @{author_name.lstrip('@')}")
            author = self.state.create_user(author_name.lstrip("@"))
        text = spec.get("text", "")
        if not isinstance(text, str):
            raise ControlError(400, "text: expected a string")
        retweet_of = _post_id(spec.get("retweet_of"), "retweet_of")
        if not text and retweet_of is None:
            raise ControlError(400, "text: required (unless retweet_of is given)")
        metrics = spec.get("public_metrics") or {}
        if not isinstance(metrics, dict):
            raise ControlError(400, "public_metrics: expected an object")
        post = self.state.create_post(
            author,
            text,
            in_reply_to=_post_id(spec.get("in_reply_to"), "in_reply_to"),
            quote_of=_post_id(spec.get("quote_of"), "quote_of"),
            retweet_of=retweet_of,
            lang=spec.get("lang"),
            created_at=_when(spec["created_at"], "created_at")
            if spec.get("created_at") is not None
            else None,
            possibly_sensitive=_flag(spec.get("possibly_sensitive", False), "possibly_sensitive"),
        )
        if metrics:
            self.state.set_metrics(post.id, metrics)
        return post

    def create_post(self, body: Json, **_: Any) -> tuple[int, Json]:
        create_users = _flag(body.pop("create_users", True), "create_users")
        return 201, self.post_json(self._create_post(body, create_users=create_users))

    def bulk_posts(self, body: Json, **_: Any) -> tuple[int, Json]:
        specs = body.get("posts")
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise ControlError(400, "posts: expected a list of post objects")
        create_users = _flag(body.get("create_users", True), "create_users")
        ids = []
        for index, spec in enumerate(specs):
            try:
                ids.append(str(self._create_post(spec, create_users=create_users).id))
            except (ControlError, Missing, ValueError) as exc:
                # Posts before the bad one stay created; say which one failed so the caller can fix it.
                raise ControlError(400, f"posts[{index}]: {exc} ({len(ids)} created before it)") from None
        return 201, {"count": len(ids), "ids": ids}

    def get_post(self, post_id: str, **_: Any) -> tuple[int, Json]:
        post = self.state.posts.get(_post_id(post_id, "post_id") or 0)
        if post is None:
            raise Missing(f"no post {post_id}")
        return 200, self.post_json(post)

    def delete_post(self, post_id: str, **_: Any) -> tuple[int, Json]:
        post = self.state.posts.get(_post_id(post_id, "post_id") or 0)
        if post is None:
            raise Missing(f"no post {post_id}")
        post.deleted = True
        return 200, self.post_json(post)

    def set_metrics(self, post_id: str, body: Json, **_: Any) -> tuple[int, Json]:
        metrics = {k: _count(v, k) for k, v in body.items()}
        post = self.state.set_metrics(_post_id(post_id, "post_id") or 0, metrics)
        return 200, self.post_json(post)

    def list_dms(self, request: Request, **_: Any) -> tuple[int, Any]:
        events = sorted(self.state.dm_events.values(), key=lambda e: e.id)
        if "user" in request.args:
            user = self.state.require_user(request.args["user"])
            events = [
                e for e in events if user.id in self.state.conversations[e.conversation_id].participant_ids
            ]
        if "conversation_id" in request.args:
            events = [e for e in events if e.conversation_id == request.args["conversation_id"]]
        return 200, [self.dm_json(e) for e in events]

    def send_dm(self, body: Json, **_: Any) -> tuple[int, Json]:
        unknown = set(body) - {"sender", "recipient", "text", "created_at"}
        if unknown:
            raise ControlError(400, f"unknown DM fields {sorted(unknown)}")
        sender = self.state.require_user(str(body.get("sender", "")))
        recipient = self.state.require_user(str(body.get("recipient", "")))
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise ControlError(400, "text: required")
        if sender.id == recipient.id:
            raise ControlError(400, "sender and recipient must differ")
        conv = self.state.conversation_between(sender, recipient)
        assert conv is not None
        created_at = _when(body["created_at"], "created_at") if body.get("created_at") is not None else None
        event = self.state.send_dm(sender, conv, text, created_at=created_at)
        return 201, self.dm_json(event)

    def get_faults(self, **_: Any) -> tuple[int, Json]:
        return 200, self.state.faults.as_json()

    def set_faults(self, body: Json, **_: Any) -> tuple[int, Json]:
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ControlError(400, "seed: expected an integer")
        rules_raw = body.get("rules", [])
        if not isinstance(rules_raw, list) or not all(isinstance(r, dict) for r in rules_raw):
            raise ControlError(400, "rules: expected a list of rule objects")
        try:
            rules = [FaultRule.from_json(r) for r in rules_raw]
        except TypeError as exc:
            raise ControlError(400, f"rules: {exc}") from None
        self.state.faults.configure(seed, rules)
        return 200, self.state.faults.as_json()

    def clear_faults(self, **_: Any) -> tuple[int, Json]:
        self.state.faults.configure(None, [])
        return 200, self.state.faults.as_json()

    def _clock_json(self) -> Json:
        now = self.state.now()
        return {"now": now, "iso": rfc3339(now), "frozen": self.state.clock.frozen}

    def get_clock(self, **_: Any) -> tuple[int, Json]:
        return 200, self._clock_json()

    def move_clock(self, body: Json, **_: Any) -> tuple[int, Json]:
        unknown = set(body) - {"set", "advance", "freeze"}
        if unknown:
            raise ControlError(400, f"unknown clock fields {sorted(unknown)}; known: set, advance, freeze")
        freeze = _flag(body["freeze"], "freeze") if "freeze" in body else None
        clock = self.state.clock
        if "set" in body:
            clock.set(_when(body["set"], "set"), freeze=freeze)
        elif freeze is True:
            clock.freeze()
        elif freeze is False:
            clock.unfreeze()
        if "advance" in body:
            step = body["advance"]
            if isinstance(step, bool) or not isinstance(step, int | float) or step < 0:
                raise ControlError(
                    400, "advance: expected non-negative seconds (time does not run backwards)"
                )
            clock.advance(float(step))
        return 200, self._clock_json()

    def get_rate_limits(self, **_: Any) -> tuple[int, Json]:
        return 200, self.state.limiter.table(BY_NAME)

    def set_rate_limit(self, body: Json, **_: Any) -> tuple[int, Json]:
        endpoint = body.get("endpoint")
        if endpoint not in BY_NAME:
            raise ControlError(400, f"endpoint: one of {sorted(BY_NAME)}")
        auth = body.get("auth", "user")
        if auth not in ("user", "app"):
            raise ControlError(400, "auth: 'user' or 'app'")
        limit = _count(body.get("limit"), "limit")
        window = body.get("window_seconds")
        if window is not None:
            window = _count(window, "window_seconds") or None
        header = str(body.get("header", "x-rate-limit"))
        new = self.state.limiter.override(str(endpoint), auth, limit, window, header)
        return 200, {"endpoint": endpoint, **new.as_json()}

    def reset_rate_limits(self, **_: Any) -> tuple[int, Json]:
        self.state.limiter.reset_counters()
        return 200, {"reset": True}

    def get_stats(self, **_: Any) -> tuple[int, Json]:
        return 200, self.state.stats.as_json(self.state.faults.injected)

    def get_requests(self, request: Request, **_: Any) -> tuple[int, Json]:
        since = request.args.get("since", "0")
        if not since.isdigit():
            return 400, {"error": "since: a position in the request log (0 or more) expected"}
        return 200, self.state.stats.requests(int(since))

    def reset_stats(self, **_: Any) -> tuple[int, Json]:
        self.state.stats.reset()
        return 200, {"reset": True}

    def get_settings(self, **_: Any) -> tuple[int, Json]:
        return 200, asdict(self.state.settings)

    def set_settings(self, body: Json, **_: Any) -> tuple[int, Json]:
        known = set(Settings.__dataclass_fields__)
        unknown = set(body) - known
        if unknown:
            raise ControlError(400, f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        for key, value in body.items():
            setattr(self.state.settings, key, _count(value, key))
        return 200, asdict(self.state.settings)
