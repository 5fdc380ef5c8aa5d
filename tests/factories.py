"""Factories: small, explicit builders instead of long fixtures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import inspect

from wfapp.database import db
from wfapp.models import (
    Group,
    PeerAssignment,
    PeerSignoff,
    Plan,
    Program,
    Role,
    RoleGrant,
    StageDeadline,
    Unit,
    User,
)
from wfapp.services import auth
from wfapp.services.plans import write_table
from wfapp.services.targets import check_table

M = TypeVar("M")

PASSWORD = "correct horse battery"
_HASH_CACHE: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is slow on purpose; tests hash each distinct password once.
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = auth.hash_password(password)
    return _HASH_CACHE[password]


def table(total: int = 100) -> list[dict[str, Any]]:
    """A small valid target table: two categories, a three-level branch, a leaf with no person."""
    key = Decimal(total) * Decimal("0.6")
    cap = Decimal(total) - key
    half = key / 2
    return [
        row("1", None, "key", "重点工作目标", key),
        row("1-1", "1", "key", "完成重点项目投资", half, dept="规划科", person="张三"),
        row("1-2", "1", "key", "优化营商环境", half),
        row("1-2-1", "1-2", "key", "压缩审批时限", half / 2, dept="审批科", person="李四"),
        row("1-2-2", "1-2", "key", "推行一网通办", half / 2, dept="审批科"),
        row("2", None, "capacity", "依法行政", cap),
        row("2-1", "2", "capacity", "规范行政执法", cap, dept="法规科", person="王五"),
    ]


def row(code, parent, category, content, weight, dept="", person="", leader=""):
    return {
        "code": code,
        "parent": parent,
        "category": category,
        "content": content,
        "weight": str(weight),
        "responsible_leaders": [leader] if leader else [],
        "responsible_departments": [dept] if dept else [],
        "responsible_persons": [person] if person else [],
        "note": "",
    }


def make_program(**kw) -> Program:
    program = Program(
        year=kw.pop("year", 2024),
        title=kw.pop("title", "2024年度测试考评"),
        total_points=kw.pop("total_points", Decimal(100)),
        countersign_policy=kw.pop("countersign_policy", "all"),
        **kw,
    )
    program.deadlines = [
        StageDeadline(stage="draft", due_date=date(2024, 7, 10)),
        StageDeadline(stage="peer_review", due_date=date(2024, 7, 19)),
        StageDeadline(stage="leader_review", due_date=date(2024, 7, 26)),
        StageDeadline(stage="office_review", due_date=date(2024, 8, 15)),
    ]
    db.session.add(program)
    db.session.flush()
    return program


def make_unit(name: str) -> Unit:
    unit = Unit(name=name, short_name=name)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(
    username: str, *grants: tuple[str, Unit | Program], password: str = PASSWORD, flush: bool = True
) -> User:
    """A user with role grants; flush=False leaves the INSERT to the caller's next flush
    (build_world adds its twelve users with one)."""
    user = User(
        username=username,
        display_name=username,
        email=f"{username}@example.com",
        password_hash=_hash(password),
        token_nonce=auth.new_nonce(),
    )
    for role, scope in grants:
        if isinstance(scope, Unit):
            user.grants.append(RoleGrant(role=role, unit_id=scope.id))
        else:
            user.grants.append(RoleGrant(role=role, program_id=scope.id))
    db.session.add(user)
    if flush:
        db.session.flush()
    return user


def make_plan(
    program: Program,
    group: Group,
    unit: Unit,
    *,
    peers: list[Unit] = (),
    state: str = "draft",
    rows: list[dict[str, Any]] | None = None,
    signed_by: list[tuple[Unit, User]] = (),
    round_: int = 1,
) -> Plan:
    plan = Plan(program=program, group=group, unit=unit, state=state, round=round_)
    db.session.add(plan)
    check = check_table(
        rows if rows is not None else table(int(program.total_points)), program.total_points
    )
    write_table(plan, check)
    for peer in peers:
        plan.peer_assignments.append(PeerAssignment(reviewer_unit_id=peer.id))
    db.session.flush()
    for unit_, user in signed_by:
        db.session.add(
            PeerSignoff(plan_id=plan.id, round=round_, reviewer_unit_id=unit_.id, user_id=user.id)
        )
    db.session.commit()
    return plan


@dataclass
class World:
    program: Program
    group: Group
    units: dict[str, Unit]
    users: dict[str, User]
    plan: Plan
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name.replace("_", "-") in users:
            return users[name.replace("_", "-")]
        raise AttributeError(name)


def build_world(state: str = "draft", suffix: str = "", **plan_kw) -> World:
    """Users are keyed by role name; with a suffix, several worlds live in one database."""
    program = make_program()
    group = Group(program=program, name="第一组")
    db.session.add(group)
    units = {k: make_unit(f"单位{k}{suffix}") for k in "ABCD"}
    A, B, C, D = (units[k] for k in "ABCD")
    grants = {
        "a-liaison": [(Role.LIAISON, A)],
        "a-head": [(Role.UNIT_HEAD, A)],
        "b-liaison": [(Role.LIAISON, B)],
        "b-head": [(Role.UNIT_HEAD, B)],
        "c-head": [(Role.UNIT_HEAD, C)],
        "d-liaison": [(Role.LIAISON, D)],
        "leader": [(Role.LEADER, A), (Role.LEADER, B)],
        "leader2": [(Role.LEADER, A)],
        "office": [(Role.OFFICE, program)],
        "office2": [(Role.OFFICE, program)],
        "evaluator": [(Role.EVALUATOR, program)],
        "admin": [(Role.ADMIN, program)],
    }
    users = {key: make_user(f"{key}{suffix}", *g, flush=False) for key, g in grants.items()}
    db.session.flush()
    plan = make_plan(program, group, A, peers=[B, C], state=state, **plan_kw)
    return World(program, group, units, users, plan)


class ApiClient:
    """JSON requests as one user, with a bearer token issued directly (no login round trip)."""

    def __init__(self, client, user: User):
        self.client = client
        self.headers = {"Authorization": f"Bearer {auth.issue_token(user)}"}

    def get(self, url: str, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, json: Any = None, **kw):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def put(self, url: str, json: Any = None, **kw):
        return self.client.put(url, json=json, headers=self.headers, **kw)

    def delete(self, url: str, **kw):
        return self.client.delete(url, headers=self.headers, **kw)

    def act(
        self, plan_id: int, action: str, comment: str = "", version: int | None = None, **extra
    ):
        if version is None:
            version = self.get(f"/api/v1/plans/{plan_id}").get_json()["version"]
        body = {"comment": comment, "version": version, **extra}
        return self.post(f"/api/v1/plans/{plan_id}/actions/{action}", json=body)


# Reading what the requests committed. Each request runs with its own database session
# (tests/client.py); the test's session still remembers the rows as the test last saw them.


def forget() -> None:
    """Drop everything the test's session holds (ending its transaction, discarding anything
    not committed), so that the next read comes from the database."""
    db.session.rollback()


def reload(model: type[M], ident: Any) -> M:
    """The row `ident` of `model` as committed now (AssertionError when there is none)."""
    forget()
    found = db.session.get(model, ident)
    assert found is not None, f"no committed {model.__name__} {ident!r}"
    return found


def fresh(obj: M) -> M:
    """`obj` as committed now: what the requests saved, not what the test's session saw."""
    identity = inspect(obj).identity
    assert identity is not None, f"{obj!r} was never saved"
    return reload(type(obj), identity[0] if len(identity) == 1 else identity)
