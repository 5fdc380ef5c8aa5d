"""What every database wfapp runs on must keep exactly: every Chinese character (four-byte
ones too), JSON with Chinese in it, two-place decimals and their sums, names that differ
only in case. The suite runs this on SQLite, PostgreSQL and MariaDB alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import SERVER_DIALECT, SERVER_URL, _config
from tests.databases import beside, drop_database
from tests.factories import make_unit, make_user
from wfapp import create_app
from wfapp.database import db, is_mysql
from wfapp.models import AuditEvent, Indicator, Unit, User

# 𠮷 (U+20BB7) and 𡈼 are four bytes in UTF-8: MySQL's "utf8" (utf8mb3) cannot hold them.
RARE = "𠮷𡈼"


def test_four_byte_chinese_characters_are_kept_in_names_text_and_json(app, world):
    """Are a unit named with a rare character, a comment and JSON data read back exactly?"""
    unit = make_unit(f"{RARE}镇人民政府")
    event = AuditEvent(
        object_type="plan",
        object_id=world.plan.id,
        action="comment",
        comment=f"意见：{RARE}，请修改",
        data={"说明": RARE, "列表": ["甲", RARE]},
    )
    db.session.add(event)
    db.session.commit()
    unit_id, event_id = unit.id, event.id
    db.session.expire_all()
    assert db.session.get(Unit, unit_id).name == f"{RARE}镇人民政府"
    stored = db.session.get(AuditEvent, event_id)
    assert stored.comment == f"意见：{RARE}，请修改"
    assert stored.data == {"说明": RARE, "列表": ["甲", RARE]}
    assert db.session.scalar(select(Unit.id).where(Unit.name == f"{RARE}镇人民政府")) == unit_id


def test_two_place_decimals_and_their_sums_are_exact(app, world):
    """Do weights of 33.33 read back as Decimal 33.33, and sum to 99.99 in SQL? Yes."""
    plan_id = world.plan.id
    codes = [f"T{i}" for i in range(3)]
    for code in codes:
        db.session.add(
            Indicator(
                plan_id=plan_id,
                code=code,
                category="目标",
                level=1,
                weight=Decimal("33.33"),
            )
        )
    db.session.commit()
    db.session.expire_all()
    ours = (Indicator.plan_id == plan_id) & Indicator.code.in_(codes)
    assert list(db.session.scalars(select(Indicator.weight).where(ours))) == [Decimal("33.33")] * 3
    total = db.session.scalar(select(func.sum(Indicator.weight)).where(ours))
    assert Decimal(total).quantize(Decimal("0.01")) == Decimal("99.99")
    assert Decimal(str(total)) == Decimal("99.99")  # no float on the way


def test_usernames_that_differ_only_in_case_are_different_users(app, world):
    """Names compare exactly on every database (utf8mb4_bin on MariaDB), as on PostgreSQL."""
    make_user("Wang")
    make_user("wang")
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(User.username).where(User.username == "Wang")) == "Wang"
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "wang")) == 1


@pytest.mark.skipif(not is_mysql(SERVER_DIALECT), reason="a MariaDB/MySQL database setting")
def test_init_db_refuses_a_mysql_database_that_cannot_hold_every_chinese_character(app):
    """A database created with MySQL's three-byte "utf8": init-db says what to change and
    creates no table."""
    assert SERVER_URL
    url = beside(SERVER_URL, "utf8mb3")
    drop_database(url)
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{make_url(url).database}` CHARACTER SET utf8mb3")
    try:
        other = create_app(_config(url))
        with other.app_context():  # the CLI runs in the current app context: this one
            result = other.test_cli_runner().invoke(args=["init-db"])
            tables = db.session.execute(text("SHOW TABLES")).all()
            db.session.remove()
            db.engine.dispose()
        assert result.exit_code != 0
        assert "须为 utf8mb4" in result.output
        assert tables == []
    finally:
        drop_database(url)
