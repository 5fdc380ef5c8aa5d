"""Unbound extensions; create_app binds them with init_app."""

from flask import Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from wfapp.database import db

__all__ = ["csrf", "db", "limiter", "login_ceiling", "login_manager", "migrate"]

migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# The client address is request.remote_addr: ProxyFix (wfapp.bounds) has already put the
# address our trusted proxy saw there, never a header the client wrote itself.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _login_limit() -> str:
    return str(current_app.config["LOGIN_ADDRESS_LIMIT"])


def _failed(response: Response) -> bool:
    return response.status_code == 401


# The per-address ceiling over every account, shared by the login page and the API's token
# endpoint; only failed logins count, so an office logging in at nine is never slowed.
login_ceiling = limiter.shared_limit(
    _login_limit, scope="login", methods=["POST"], deduct_when=_failed
)
