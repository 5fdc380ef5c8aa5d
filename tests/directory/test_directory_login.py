"""Directory login (LDAP / AD) against a real slapd, as the people who log in meet it: on
the login page and at the API's token endpoint."""

from __future__ import annotations

import pytest
from ldap3 import MODIFY_ADD, MODIFY_DELETE
from sqlalchemy import select

from tests.directory.conftest import SUFFIX, free_port, group_dn, user_dn
from tests.factories import PASSWORD
from tests.pages import text
from wfapp.database import db
from wfapp.models import LoginAttempt, Role, RoleGrant, User
from wfapp.services import auth


def page_login(browser, username: str, password: str):
    return browser.submit("/login", "/login", {"username": username, "password": password})


def token_login(client, username: str, password: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def user_named(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.username == username)).first()


def roles_of(user: User) -> set[tuple[str, int | None, int | None, bool]]:
    db.session.expire_all()
    grants = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id))
    return {(g.role, g.unit_id, g.program_id, g.from_directory) for g in grants}


class TestANewDirectoryUser:
    def test_first_login_on_the_page_creates_the_user_with_the_roles_of_its_groups(
        self, directory, world, browser
    ):
        """May a clerk who has only a directory account log in? Yes: the first login creates
        the local user named, titled and mailed as the directory says, liaison of unit A as
        its group is mapped, with no local password; the inbox shows unit A's plan."""
        r = page_login(browser, "wang", "wang-pass")
        assert r.status_code == 302 and r.location.endswith("/inbox")
        user = user_named("wang")
        assert user is not None
        assert (user.display_name, user.email) == ("王芳", "wang@example.org")
        assert user.directory_dn == user_dn("wang")
        assert roles_of(user) == {(Role.LIAISON, world.units["A"].id, None, True)}
        assert auth._verify(user.password_hash, "wang-pass") is False  # no local password
        inbox = text(browser.get("/inbox"))
        assert "王芳" in inbox
        assert text(browser.get(f"/plans/{world.plan.id}")).count(world.units["A"].name)

    def test_the_api_token_endpoint_logs_in_against_the_directory_too(
        self, directory, world, client
    ):
        """Does a directory user get an API token? Yes, and it lists the office's view."""
        r = token_login(client, "li", "li-pass")
        assert r.status_code == 200, r.get_json()
        token = r.get_json()["token"]
        plans = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {token}"})
        assert plans.status_code == 200
        assert [p["id"] for p in plans.get_json()["items"]] == [world.plan.id]
        assert roles_of(user_named("li")) == {(Role.OFFICE, None, world.program.id, True)}

    def test_each_login_takes_the_groups_again_and_keeps_what_the_office_granted(
        self, directory, world, client
    ):
        """When the directory moves a user to another group, does the next login follow?
        Yes: the directory's roles are replaced; a role the office gave by hand stays, and
        logging in again creates no second user."""
        assert token_login(client, "wang", "wang-pass").status_code == 200
        wang = user_named("wang")
        db.session.add(RoleGrant(user_id=wang.id, role=Role.EVALUATOR, program_id=world.program.id))
        db.session.commit()
        admin = directory.admin()
        try:
            admin.modify(
                group_dn("unit-a-liaison"), {"member": [(MODIFY_DELETE, [user_dn("wang")])]}
            )
            admin.modify(group_dn("office"), {"member": [(MODIFY_ADD, [user_dn("wang")])]})
            assert token_login(client, "wang", "wang-pass").status_code == 200
        finally:
            admin.modify(group_dn("office"), {"member": [(MODIFY_DELETE, [user_dn("wang")])]})
            admin.modify(group_dn("unit-a-liaison"), {"member": [(MODIFY_ADD, [user_dn("wang")])]})
            admin.unbind()
        db.session.expire_all()
        assert db.session.query(User).filter_by(username="wang").count() == 1
        assert roles_of(wang) == {
            (Role.OFFICE, None, world.program.id, True),
            (Role.EVALUATOR, None, world.program.id, False),
        }

    def test_a_bind_dn_template_works_without_a_service_account(self, directory, app, client):
        """A site whose directory lets users bind by DN needs no service account."""
        app.config.update(
            DIRECTORY_BIND_DN_TEMPLATE="uid={username},ou=people," + SUFFIX,
            DIRECTORY_SERVICE_DN="",
            DIRECTORY_SERVICE_PASSWORD="",
        )
        assert token_login(client, "wang", "wrong").status_code == 401
        assert token_login(client, "wang", "wang-pass").status_code == 200
        assert user_named("wang").directory_dn == user_dn("wang")

    def test_start_tls_verifies_the_server_against_the_configured_ca(self, directory, app, client):
        """With StartTLS and the site's CA file the login works; a certificate the host does
        not trust (no CA file: the system's CAs) is an unreachable directory, never a
        plain-text fallback."""
        app.config.update(DIRECTORY_START_TLS=True, DIRECTORY_CA_FILE="")
        r = token_login(client, "wang", "wang-pass")
        assert r.status_code == 503 and user_named("wang") is None
        app.config.update(DIRECTORY_CA_FILE=directory.ca_file)
        assert token_login(client, "wang", "wang-pass").status_code == 200


# What each refusal says, on the page and in the API; none creates a local user.
BAD = "用户名或密码错误"
REFUSALS = [
    pytest.param("wang", "wrong-pass", 401, BAD, id="wrong password"),
    pytest.param("nobody", "nobody-pass", 401, BAD, id="unknown user"),
    pytest.param("wang", "", 422, "", id="empty password (never an anonymous bind)"),
    pytest.param("w*", "wang-pass", 401, BAD, id="a filter in the username"),
    pytest.param("locked", "locked-pass", 403, "停用", id="locked by ppolicy"),
    pytest.param("ad-disabled", "ad-disabled-pass", 403, "停用", id="AD userAccountControl"),
    pytest.param("left", "left-pass", 403, "停用", id="the site's disabled filter"),
    pytest.param("banned", "banned-pass", 403, "停用", id="in the disabled group"),
    pytest.param("zhao", "zhao-pass", 403, "未获准", id="in no mapped group"),
]


class TestARefusedLogin:
    @pytest.mark.parametrize(("username", "password", "status", "message"), REFUSALS)
    def test_the_page_says_why_and_creates_no_user(
        self, directory, browser, username, password, status, message
    ):
        """Is each refusal told in Chinese on the login page, without signing in or creating
        a local account? Yes."""
        r = page_login(browser, username, password)
        assert r.status_code == status
        assert message in text(r)
        assert browser.get("/inbox").status_code == 302
        assert user_named(username) is None

    @pytest.mark.parametrize(("username", "password", "status", "message"), REFUSALS)
    def test_the_api_says_why_and_creates_no_user(
        self, directory, client, username, password, status, message
    ):
        """The token endpoint answers the same refusals with their status and message."""
        r = token_login(client, username, password)
        assert r.status_code == status
        body = r.get_json()
        assert "token" not in body
        assert message in body["message"]
        assert user_named(username) is None

    def test_an_unreachable_directory_is_told_as_such(self, directory, app, browser, client):
        """With the directory down, does the clerk learn it is not their password? Yes: the
        page and the API say the directory cannot be reached (503); no user is created and
        the attempt does not count as a failed password."""
        app.config.update(
            DIRECTORY_URL=f"ldap://127.0.0.1:{free_port()}", DIRECTORY_CONNECT_TIMEOUT=2
        )
        r = page_login(browser, "wang", "wang-pass")
        assert r.status_code == 503 and "无法连接统一身份目录" in text(r)
        r = token_login(client, "wang", "wang-pass")
        assert r.status_code == 503 and "无法连接统一身份目录" in r.get_json()["message"]
        assert user_named("wang") is None
        assert db.session.query(LoginAttempt).filter_by(username="wang").count() == 0

    def test_a_filter_that_finds_two_entries_logs_nobody_in(self, directory, app, client):
        """A user filter that matches more than one entry is never guessed between."""
        app.config.update(DIRECTORY_USER_FILTER="(|(uid={username})(uid=li))")
        assert token_login(client, "wang", "wang-pass").status_code == 401
        assert user_named("wang") is None and user_named("li") is None

    def test_a_user_disabled_after_provisioning_loses_its_directory_roles(self, directory, client):
        """A clerk who has logged in before and is then disabled in the directory: the next
        login is refused and the roles the directory gave are taken away at once."""
        assert token_login(client, "wang", "wang-pass").status_code == 200
        admin = directory.admin()
        try:
            admin.modify(
                group_dn("disabled-accounts"), {"member": [(MODIFY_ADD, [user_dn("wang")])]}
            )
            r = token_login(client, "wang", "wang-pass")
        finally:
            admin.modify(
                group_dn("disabled-accounts"), {"member": [(MODIFY_DELETE, [user_dn("wang")])]}
            )
            admin.unbind()
        assert r.status_code == 403 and "停用" in r.get_json()["message"]
        assert roles_of(user_named("wang")) == set()

    def test_five_wrong_directory_passwords_make_the_next_attempt_wait(self, directory, client):
        """Throttling counts directory failures: after five, even the right password waits."""
        for _ in range(5):
            assert token_login(client, "wang", "wrong").status_code == 401
        r = token_login(client, "wang", "wang-pass")
        assert r.status_code == 429 and "登录失败次数过多" in r.get_json()["message"]
        assert user_named("wang") is None


class TestALocalAccount:
    def test_the_admin_logs_in_with_the_local_password_while_the_directory_is_down(
        self, directory, app, world, client
    ):
        """Can the admin still log in when the directory is unreachable? Yes: local accounts
        never ask the directory."""
        app.config.update(DIRECTORY_URL=f"ldap://127.0.0.1:{free_port()}")
        assert token_login(client, "admin", PASSWORD).status_code == 200

    def test_a_directory_entry_of_the_same_name_does_not_take_the_local_account_over(
        self, directory, world, client
    ):
        """The directory has a 'uid=admin' too: its password opens nothing, the local one
        still works, and the local admin keeps its roles and gains none."""
        before = roles_of(world.admin)
        assert token_login(client, "admin", "admin-pass").status_code == 401
        assert token_login(client, "admin", PASSWORD).status_code == 200
        admin = user_named("admin")
        assert admin.directory_dn is None and roles_of(admin) == before

    def test_without_a_directory_configured_only_local_passwords_count(self, app, world, client):
        """With DIRECTORY_URL empty (the default) nothing asks a directory."""
        assert app.config["DIRECTORY_URL"] == ""
        assert token_login(client, "wang", "wang-pass").status_code == 401
        assert token_login(client, "a-liaison", PASSWORD).status_code == 200
