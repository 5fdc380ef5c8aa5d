"""wfapp: the annual performance-evaluation cycle (绩效评估), from 初稿 to 归档."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory: load configuration, bind each subsystem, nothing else."""
    from wfapp import api, bounds, cli, web
    from wfapp.config import load_config
    from wfapp.database import setup_engine_events
    from wfapp.extensions import csrf, db, limiter, login_manager, migrate
    from wfapp.services import notices, rectification, reminders, tasks

    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    bounds.init_app(app)  # before any route: the id converter, body and JSON bounds
    db.init_app(app)
    setup_engine_events(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"])
    csrf.init_app(app)
    login_manager.init_app(app)
    tasks.init_app(app)  # every change brings the open work (task rows) in line
    limiter.init_app(app)
    reminders.init_app(app)  # arm and cancel reminders on plan_changed
    notices.init_app(app)  # tell people what an action means for them
    rectification.init_app(app)  # findings become items when a plan enters 整改
    web.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    return app
