"""A small HTTP client on the standard library for talking to real nodes (cookies kept per
client, so one "browser" can be sent to either node)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from email.message import Message


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, method, url, *, json_body=None, form=None, file=None, headers=None):
        headers = dict(headers or {})
        data = None
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif file is not None:  # (field, file name, bytes, content type)
            data, headers["Content-Type"] = multipart(form or {}, *file)
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as r:
                return Answer(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.headers, e.read())

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, **kw):
        return self.request("POST", url, **kw)


def multipart(fields: dict, field: str, name: str, data: bytes, content_type: str):
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(  # the raw UTF-8 name, as browsers send it
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(answer: Answer) -> str:
    match = _TOKEN.search(answer.text)
    assert match, answer.text[:500]
    return match.group(1)


_tokens: dict[tuple[str, str], str] = {}


def token(base: str, username: str, password: str = "wfapp-demo") -> str:
    """A bearer token issued by the node at `base` (kept: a token works on every node)."""
    if (base, username) in _tokens:
        return _tokens[(base, username)]
    r = Client().post(
        f"{base}/api/v1/auth/token", json_body={"username": username, "password": password}
    )
    assert r.status == 200, r.text
    _tokens[(base, username)] = r.json()["token"]
    return _tokens[(base, username)]


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}
