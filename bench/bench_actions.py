"""What an action costs, against PostgreSQL itself and a naive action, measured in one run.

    python bench/bench_actions.py --plans 200 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--json]

Creates its own databases beside the one named (and drops them at the end), then:
  1. wfapp in-process: N plans through the chain (submit, two peer sign-offs, leader, office)
     with `services.plans.fire`, one thread, a fresh session and actor per action;
  2. a naive action in the same process: row lock, version check, a `transitions` Machine,
     an audit row, commit — on a two-table database of its own;
  3. wfapp over HTTP: gunicorn -w 4, the API's action endpoint, 1 and 16 clients, each
     client on plans of its own;
  4. pgbench -N (the simple-update script) at the same client counts;
  5. with --reminders M: M plans whose reminders fall due at the same instant, one scan.
Prints actions/s, p50 and p99 of each and the ratios; --json prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import JSON, DateTime, ForeignKey, String, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHAIN = ["submit", "peer_approve", "peer_approve", "leader_approve", "office_approve"]
GROUP = 10  # units per group: peers are the next two of the group, one leader per group


def table() -> list[dict]:
    """A small valid target table (the tests' factory table)."""

    def row(code, parent, category, content, weight, dept="", person=""):
        return {
            "code": code,
            "parent": parent,
            "category": category,
            "content": content,
            "weight": str(weight),
            "responsible_leaders": [],
            "responsible_departments": [dept] if dept else [],
            "responsible_persons": [person] if person else [],
            "note": "",
        }

    return [
        row("1", None, "key", "重点工作目标", 60),
        row("1-1", "1", "key", "完成重点项目投资", 30, dept="规划科", person="张三"),
        row("1-2", "1", "key", "优化营商环境", 30),
        row("1-2-1", "1-2", "key", "压缩审批时限", 15, dept="审批科", person="李四"),
        row("1-2-2", "1-2", "key", "推行一网通办", 15, dept="审批科"),
        row("2", None, "capacity", "依法行政", 40),
        row("2-1", "2", "capacity", "规范行政执法", 40, dept="法规科", person="王五"),
    ]


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(latencies: list[float], wall: float) -> dict:
    return {
        "actions": len(latencies),
        "actions_per_s": len(latencies) / wall if wall else 0.0,
        "p50_ms": pct(latencies, 0.5) * 1000,
        "p99_ms": pct(latencies, 0.99) * 1000,
    }


# --- databases -----------------------------------------------------------------------------


class Databases:
    def __init__(self, url: str):
        self.base = make_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def create(self, suffix: str) -> str:
        name = f"bench_actions_{os.getpid()}_{suffix}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


# --- wfapp: seed ---------------------------------------------------------------------------


def seed(url: str, sets: int, n: int, reminders: int = 0):
    """One program; `sets` sets of n plans in draft (one per phase), each unit with a
    liaison, peers the next two units of its group, a leader per group, one office."""
    from wfapp import create_app
    from wfapp.database import db
    from wfapp.models import (
        Group,
        PeerAssignment,
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

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DEMO": True})
    with app.app_context():
        db.create_all()
        program = Program(year=2026, title="压测考评", total_points=Decimal(100))
        program.deadlines = [
            StageDeadline(stage=s, due_date=date(2026, 12, 31))
            for s in ("draft", "peer_review", "leader_review", "office_review")
        ]
        db.session.add(program)
        db.session.flush()
        password = auth.hash_password("bench-password-1")
        office = User(
            username="office",
            display_name="绩效办",
            email="office@example.com",
            password_hash=password,
            token_nonce=auth.new_nonce(),
        )
        office.grants.append(RoleGrant(role=Role.OFFICE, program_id=program.id))
        db.session.add(office)
        check = check_table(table(), program.total_points)
        phases = []
        for phase in range(sets):
            phase_plans = []
            for g in range(0, n, GROUP):
                group = Group(program=program, name=f"第{phase}-{g // GROUP}组")
                leader = User(
                    username=f"leader-{phase}-{g}",
                    display_name="分管领导",
                    email="l@example.com",
                    password_hash=password,
                    token_nonce=auth.new_nonce(),
                )
                units, liaisons = [], []
                for k in range(g, min(n, g + GROUP)):
                    unit = Unit(name=f"单位{phase}-{k}", short_name=f"U{phase}-{k}")
                    units.append(unit)
                db.session.add_all([group, leader, *units])
                db.session.flush()
                for unit in units:
                    leader.grants.append(RoleGrant(role=Role.LEADER, unit_id=unit.id))
                    user = User(
                        username=f"liaison-{unit.id}",
                        display_name="联络员",
                        email="u@example.com",
                        password_hash=password,
                        token_nonce=auth.new_nonce(),
                    )
                    user.grants.append(RoleGrant(role=Role.LIAISON, unit_id=unit.id))
                    liaisons.append(user)
                db.session.add_all(liaisons)
                for i, unit in enumerate(units):
                    plan = Plan(program=program, group=group, unit=unit)
                    db.session.add(plan)
                    write_table(plan, check)
                    m = len(units)
                    peers = [(i + 1) % m, (i + 2) % m] if m >= 3 else []
                    for p in peers:
                        plan.peer_assignments.append(PeerAssignment(reviewer_unit_id=units[p].id))
                    db.session.flush()
                    phase_plans.append(
                        (
                            plan.id,
                            [
                                liaisons[i].id,
                                *(liaisons[p].id for p in peers),
                                leader.id,
                                office.id,
                            ],
                        )
                    )
            phases.append(phase_plans)
            db.session.commit()  # the task rows of the drafts are written here
        tokens = {}
        for user in db.session.scalars(db.select(User)):
            tokens[user.id] = auth.issue_token(user)
        db.session.commit()
    return app, phases, tokens


# --- wfapp: in-process and HTTP ------------------------------------------------------------


def run_inprocess(app, plans_actors) -> dict:
    from wfapp.database import db
    from wfapp.models import User
    from wfapp.services import plans

    latencies = []
    with app.app_context():
        start = time.perf_counter()
        for plan_id, actors in plans_actors:
            for action, user_id in zip(CHAIN, actors, strict=True):
                t0 = time.perf_counter()
                db.session.remove()  # each action: a fresh session, as a request has
                user = db.session.get(User, user_id)
                plans.fire(user, plan_id, action, comment="同意")
                latencies.append(time.perf_counter() - t0)
        wall = time.perf_counter() - start
        db.session.remove()
    return summary(latencies, wall)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, workers: int = 4):
    port = free_port()
    env = {**os.environ, "WFAPP_DATABASE_URL": url, "WFAPP_SECRET_KEY": "bench"}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    proc = subprocess.Popen(
        [
            gunicorn,
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wfapp:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline, last = time.time() + 180, "no answer"
    while time.time() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/workflows/plan")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return proc, port
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"gunicorn did not start ({last}): " + proc.stderr.read().decode()[-2000:])


def run_http(port: int, plans_actors, tokens, clients: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(share):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for plan_id, actors in share:
            version = 1
            for action, user_id in zip(CHAIN, actors, strict=True):
                body = json.dumps({"comment": "同意", "version": version})
                headers = {
                    "Authorization": f"Bearer {tokens[user_id]}",
                    "Content-Type": "application/json",
                }
                t0 = time.perf_counter()
                conn.request("POST", f"/api/v1/plans/{plan_id}/actions/{action}", body, headers)
                r = conn.getresponse()
                data = r.read()
                mine.append(time.perf_counter() - t0)
                if r.status != 200:
                    with lock:
                        errors.append(f"{action} {plan_id}: {r.status} {data[:200]!r}")
                    break
                version = json.loads(data)["version"]
        conn.close()
        with lock:
            latencies.extend(mine)

    shares = [plans_actors[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    out = summary(latencies, wall)
    out["errors"] = len(errors)
    if errors:
        out["first_error"] = errors[0]
    return out


# --- the naive action ------------------------------------------------------------------------


class NaiveBase(DeclarativeBase):
    pass


class NaivePlan(NaiveBase):
    __tablename__ = "naive_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(40), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class NaiveAudit(NaiveBase):
    __tablename__ = "naive_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("naive_plan.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def run_naive(url: str, n: int) -> dict:
    """Row lock + version + transitions + audit, nothing else: the floor of an action."""
    from transitions import Machine

    class Subject:
        state = "draft"

    machine = Machine(
        model=None,
        states=["draft", "peer_review", "leader_review", "office_review", "published"],
        transitions=[
            {"trigger": "submit", "source": "draft", "dest": "peer_review"},
            {
                "trigger": "peer_approve",
                "source": "peer_review",
                "dest": "leader_review",
                "conditions": lambda event: event.kwargs["signed"] >= 2,
            },
            {"trigger": "peer_approve", "source": "peer_review", "dest": None},
            {"trigger": "leader_approve", "source": "leader_review", "dest": "office_review"},
            {"trigger": "office_approve", "source": "office_review", "dest": "published"},
        ],
        initial="draft",
        auto_transitions=False,
        send_event=True,
    )
    engine = create_engine(url)
    NaiveBase.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([NaivePlan() for _ in range(n)])
        s.commit()
    latencies = []
    start = time.perf_counter()
    for plan_id in range(1, n + 1):
        signed = 0
        version = 1
        for action in CHAIN:
            t0 = time.perf_counter()
            with Session(engine) as s, s.begin():
                plan = s.scalars(
                    select(NaivePlan).where(NaivePlan.id == plan_id).with_for_update()
                ).one()
                assert plan.version == version
                subject = Subject()
                machine.add_model(subject, initial=plan.state)
                try:
                    if action == "peer_approve":
                        signed += 1
                    subject.trigger(action, signed=signed)
                finally:
                    machine.remove_model(subject)
                s.add(
                    NaiveAudit(
                        plan_id=plan.id,
                        action=action,
                        from_state=plan.state,
                        to_state=subject.state,
                        at=datetime.now().astimezone(),
                    )
                )
                plan.state = subject.state
                s.flush()
                version = plan.version
            latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    engine.dispose()
    return summary(latencies, wall)


# --- pgbench ---------------------------------------------------------------------------------


def pgbench_bin() -> str:
    return shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"


def run_pgbench(url: str, clients: int, seconds: int) -> float:
    u = make_url(url)
    conn = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    env = {**os.environ, **({"PGPASSWORD": u.password} if u.password else {})}
    subprocess.run(
        [pgbench_bin(), *conn, "-i", "-q", "-s", "1", u.database],
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [
            pgbench_bin(),
            *conn,
            "-N",
            "-c",
            str(clients),
            "-j",
            str(min(clients, 2)),
            "-T",
            str(seconds),
            u.database,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding)", out)
    return float(match.group(1)) if match else 0.0


# --- reminders -------------------------------------------------------------------------------


def run_reminders(app) -> dict:
    """Every draft's reminders fall due at the same instant: one scan sends them all."""
    from wfapp.database import db
    from wfapp.models import OutboxMessage, Plan, StageDeadline
    from wfapp.services import reminders
    from wfapp.timeutil import SHANGHAI

    with app.app_context():
        due = db.session.scalars(db.select(StageDeadline).where(StageDeadline.stage == "draft"))
        for entry in due:
            entry.due_date = date(2026, 6, 30)
        db.session.commit()
        drafts = db.session.scalar(db.select(db.func.count(Plan.id)).where(Plan.state == "draft"))
        t0 = time.perf_counter()
        armed = reminders.reconcile(datetime(2026, 6, 1, tzinfo=SHANGHAI))
        arm_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = reminders.scan(datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI))  # 1 day overdue
        scan_s = time.perf_counter() - t0
        messages = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))
        db.session.remove()
    return {
        "plans": drafts,
        "armed": armed,
        "arm_s": arm_s,
        "fired": report.fired,
        "messages": messages,
        "scan_s": scan_s,
    }


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument(
        "--database-url",
        required=True,
        help="a PostgreSQL URL; its server gets the bench's own databases",
    )
    parser.add_argument("--seconds", type=int, default=10, help="pgbench run length")
    parser.add_argument(
        "--reminders",
        type=int,
        default=0,
        help="also: this many plans whose reminders fall due at once",
    )
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.plans = -(-args.plans // GROUP) * GROUP  # whole groups: every plan has two peers
    dbs = Databases(args.database_url)
    result: dict = {"plans": args.plans, "date": date.today().isoformat()}
    proc = None
    try:
        wf_url = dbs.create("wfapp")
        app, phases, tokens = seed(wf_url, 1 if args.no_http else 3, args.plans)
        naive = run_naive(dbs.create("naive"), args.plans)
        inproc = run_inprocess(app, phases[0])
        result |= {
            "inprocess": inproc,
            "naive": naive,
            "inprocess_actions_per_s": inproc["actions_per_s"],
            "naive_actions_per_s": naive["actions_per_s"],
        }
        pg_url = dbs.create("pgbench")
        for c in (1, 16):
            result[f"pgbench_c{c}_tps"] = run_pgbench(pg_url, c, args.seconds)
        if not args.no_http:
            proc, port = start_gunicorn(wf_url)
            for c, phase in ((1, phases[1]), (16, phases[2])):
                http_run = run_http(port, phase, tokens, c)
                result[f"http_c{c}"] = http_run
                result[f"http_c{c}_actions_per_s"] = http_run["actions_per_s"]
                result[f"http_c{c}_p99_ms"] = http_run["p99_ms"]
        if args.reminders:
            rem_url = dbs.create("reminders")
            rem_app, _, _ = seed(rem_url, 1, args.reminders)
            result["reminders"] = run_reminders(rem_app)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        dbs.drop_all()
    result["ratios"] = {
        "inprocess_vs_naive": result["inprocess_actions_per_s"] / result["naive_actions_per_s"],
        "inprocess_vs_pgbench_c1": result["inprocess_actions_per_s"] / result["pgbench_c1_tps"],
    }
    if "http_c16_actions_per_s" in result:
        result["ratios"]["http_c16_vs_pgbench_c16"] = (
            result["http_c16_actions_per_s"] / result["pgbench_c16_tps"]
        )
        result["ratios"]["http_c1_vs_pgbench_c1"] = (
            result["http_c1_actions_per_s"] / result["pgbench_c1_tps"]
        )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"bench_actions {result['date']}: {args.plans} plans, chain {' → '.join(CHAIN)}")
    rows = [
        ("wfapp in-process (1 thread)", result["inprocess"]),
        ("naive action (1 thread)", result["naive"]),
    ]
    for c in (1, 16):
        if f"http_c{c}" in result:
            rows.append((f"wfapp HTTP gunicorn -w 4, {c} clients", result[f"http_c{c}"]))
    for name, r in rows:
        print(
            f"  {name:42s} {r['actions_per_s']:8.1f} actions/s  p50 {r['p50_ms']:6.1f} ms"
            f"  p99 {r['p99_ms']:6.1f} ms" + (f"  errors {r['errors']}" if r.get("errors") else "")
        )
    for c in (1, 16):
        print(
            f"  {'pgbench -N, ' + str(c) + ' clients':42s} {result[f'pgbench_c{c}_tps']:8.1f} tps"
        )
    for k, v in result["ratios"].items():
        print(f"  ratio {k:30s} {v:6.3f}")
    if "reminders" in result:
        r = result["reminders"]
        print(
            f"  reminders: {r['fired']} fell due at once over {r['plans']} plans, "
            f"{r['messages']} messages written in {r['scan_s']:.2f} s (arming took {r['arm_s']:.2f} s)"
        )


if __name__ == "__main__":
    main()
