"""`scheme check FILE` and `scheme eval FILE INPUTS.json`: try a scheme without the app.

The group needs no Flask app; wfapp's own CLI registers it as `wfapp scheme …`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wfapp.scoring.engine import evaluate
from wfapp.scoring.inputs import InputError, load_inputs
from wfapp.scoring.scheme import Scheme, SchemeError
from wfapp.scoring.schemefile import load_scheme

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("scheme", help="计分方案：检查方案文件，或用一份输入试算。")
def scheme() -> None:
    pass


def _load(file: Path, stream_err: bool) -> Scheme:
    try:
        return load_scheme(file, name=str(file))
    except SchemeError as exc:
        for line in exc.lines():
            click.echo(line, err=stream_err)
        sys.exit(1)


@scheme.command("check", help="检查方案文件；有问题时逐条输出 文件:行号: 说明，退出码 1。")
@click.argument("file", type=_FILE)
def check(file: Path) -> None:
    loaded = _load(file, stream_err=False)
    click.echo(f"ok: {loaded.summary()}")


@scheme.command("eval", help="按方案计算输入文件（JSON）中各单位的得分、排名与等次，输出 JSON。")
@click.argument("file", type=_FILE)
@click.argument("inputs", type=_FILE)
def eval_(file: Path, inputs: Path) -> None:
    loaded = _load(file, stream_err=True)
    try:
        data = load_inputs(inputs, loaded)
    except OSError as exc:
        click.echo(f"{inputs}: 无法读取文件：{exc.strerror or exc}", err=True)
        sys.exit(1)
    except InputError as exc:
        for line in exc.lines(str(inputs)):
            click.echo(line, err=True)
        sys.exit(1)
    click.echo(evaluate(loaded, data).to_json(indent=2))
