"""Errors a service raises; pages and the API turn each into its status and message."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    code: str  # the row code or field name the problem belongs to
    message: str
    # Which cell of a table row is wrong ("weight", "parent" …), so a page can put the message
    # at that field; not part of a problem's identity.
    column: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def as_dict(self) -> dict:
        problems = self.problems or [Problem("error", self.message)]
        return {"message": self.message, "errors": [p.as_dict() for p in problems]}


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403

    def __init__(self, message: str = "无权执行此操作", problems: list[Problem] | None = None):
        super().__init__(message, problems)


class NotFound(ServiceError):
    status = 404

    def __init__(self, message: str = "未找到", problems: list[Problem] | None = None):
        super().__init__(message, problems)


class Conflict(ServiceError):
    """Someone acted first, or the object is no longer in the state the user saw."""

    status = 409

    def __init__(
        self, message: str = "页面已过期，请刷新后重试", problems: list[Problem] | None = None
    ):
        super().__init__(message, problems)


class Invalid(ServiceError):
    status = 422


class Throttled(ServiceError):
    status = 429
