"""Every request bounded before it is read: body size (larger only where a view takes an
upload), JSON depth and size, path ids within the database's integer range, control
characters refused in every text input, the client address from trusted proxies only.

Why here and not in each view: a view that forgets a check is a 500 or a worker grown to a
gigabyte for any anonymous caller; these bounds hold for every route, present and future."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any, TypeVar

from flask import Flask, Request, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from wfapp.services.errors import Invalid, Problem

# PostgreSQL's INTEGER (the primary keys' type): a larger id names nothing.
MAX_ID = 2**31 - 1
# Room for the form's other fields and the multipart framing around the largest file.
FORM_ROOM = 1_048_576
# C0 controls but tab, line feed, carriage return; DEL; C1 controls. Excel cannot store them
# (openpyxl refuses to write them) and no one types them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")

V = TypeVar("V", bound=Callable[..., Any])


def accepts_upload(limit_key: str) -> Callable[[V], V]:
    """Marks a view that receives a file: its body may be as large as config[limit_key]
    plus the form around it; every other request keeps MAX_CONTENT_LENGTH."""

    def mark(view: V) -> V:
        view.upload_limit_key = limit_key  # type: ignore[attr-defined]  # read by BoundedRequest
        return view

    return mark


def _at_most(limit: int) -> str:
    """A regex for the decimal numbers 0..limit (leading zeros allowed up to its length):
    fewer digits, or the same digits as `limit` up to one that is smaller, or `limit`."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):
        if d != "0":
            rest = len(digits) - i - 1
            options.append(f"{digits[:i]}[0-{int(d) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a non-negative integer within the database's range, so an
    id of 2**31 or 2**63 is a 404 like any other id that names nothing, never a 500. The
    range is in the regex itself: a value that only failed conversion would let Werkzeug
    answer 405 for another method's rule on the same path."""

    regex = _at_most(MAX_ID)

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class BoundedRequest(Request):
    """Flask's request with the body limit of the matched view: MAX_CONTENT_LENGTH, or more
    for a view marked with accepts_upload. Known at routing time, before any byte is read
    (CSRF protection reads the form in before_request already)."""

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self._max_content_length is not None or not current_app:
            return super().max_content_length
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        rule = self.url_rule
        view = current_app.view_functions.get(rule.endpoint) if rule is not None else None
        key = getattr(view, "upload_limit_key", None)
        if key:
            limit = max(int(limit), int(current_app.config[key]) + FORM_ROOM)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadRequest(f"请求体不是合法的 JSON：{e}" if e else "请求体不是合法的 JSON")


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON bodies: at most JSON_MAX_DEPTH levels, checked on the text before parsing (a
    body nested 100,000 deep would otherwise end in RecursionError)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8") if isinstance(s, bytes | bytearray) else s
        limit = int(self._app.config["JSON_MAX_DEPTH"])
        depth = json_depth(text)
        if depth > limit:
            raise ValueError(f"JSON 嵌套层数超过上限 {limit}")
        return json.loads(text, **kwargs)


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (strings skipped): regexes in C, then
    one pass over the brackets alone."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    steps = (1 if c in "[{" else -1 for c in brackets)
    return max(accumulate(steps), default=0)


def control_problems(values: Iterator[tuple[str, str]]) -> list[Problem]:
    problems = []
    for field, value in values:
        found = CONTROL.search(value) if isinstance(value, str) else None
        if found:
            char = f"U+{ord(found.group()):04X}"
            problems.append(Problem(field, f"“{field}”含有不可见的控制字符 {char}，请删除后重试"))
    return problems


def _json_strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where or "body", value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield (f"{where}.{key}" if where else str(key)), str(key)
                stack.append((f"{where}.{key}" if where else str(key), item))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}.{i}" if where else str(i), item) for i, item in enumerate(value)
            )


def _inputs() -> Iterator[tuple[str, str]]:
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            yield key, key
            if isinstance(value, str):
                yield key, value
    if request.is_json:
        yield from _json_strings(request.get_json(silent=True))


def init_app(app: Flask) -> None:
    """Before any blueprint registers: the converter applies to routes as they are added."""
    app.request_class = BoundedRequest
    app.json = BoundedJSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    # Flask's own default (None) is already in app.config, so load_config's value must win.
    app.config.setdefault("JSON_MAX_DEPTH", 32)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Only the hops we run: X-Forwarded-For beyond them is whatever a client wrote.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    @app.before_request
    def _refuse_control_characters():
        problems = control_problems(_inputs())
        if not problems:
            return None
        error = Invalid("输入中含有不可见的控制字符", problems)
        if request.path.startswith("/api/"):
            return jsonify(error.as_dict()), error.status
        raise error
