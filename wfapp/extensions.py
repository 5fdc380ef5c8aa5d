"""Unbound extensions; create_app binds them with init_app."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from wfapp.database import db

__all__ = ["csrf", "db", "login_manager", "migrate"]

migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
