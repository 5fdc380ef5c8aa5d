"""The `wfapp` command (and `python -m wfapp`): Flask's command group over the app factory.

Apart from wfapp/cli.py, which holds the commands and is wired by the factory, so that the
factory and its commands do not import each other."""

from __future__ import annotations

from flask.cli import FlaskGroup

from wfapp import create_app


def main() -> None:
    cli = FlaskGroup(create_app=create_app, add_default_commands=False, set_debug_flag=False)
    cli.help = "wfapp：绩效评估工作平台的命令行。"
    cli(prog_name="wfapp")


if __name__ == "__main__":
    main()
