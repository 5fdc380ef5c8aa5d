"""The scoring engine: a scheme (YAML) and a group's inputs → totals, ranks, grades, and why.

Pure functions, no Flask, no database; every number is a Decimal. See docs/scoring.md.
"""

from __future__ import annotations

from wfapp.scoring.engine import evaluate
from wfapp.scoring.inputs import InputError, Inputs, load_inputs, parse_inputs
from wfapp.scoring.results import ComponentResult, GroupResult, Results, UnitResult
from wfapp.scoring.scheme import Scheme, SchemeError
from wfapp.scoring.schemefile import load_scheme

__all__ = [
    "ComponentResult",
    "GroupResult",
    "InputError",
    "Inputs",
    "Results",
    "Scheme",
    "SchemeError",
    "UnitResult",
    "evaluate",
    "load_inputs",
    "load_scheme",
    "parse_inputs",
]
