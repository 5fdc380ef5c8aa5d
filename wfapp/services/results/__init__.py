"""Results (考评结果): the office closes a group's evaluation, the engine scores it, the result
is stored as a version; 降档 and 一票否决 flags, reruns with the difference, publication.

    scheme    the program's scoring scheme: uploads, the one in force
    compute   the engine's input document from the stored sheets, entries and flags (a
              handful of queries per group, whatever its size), the run, the stored version
    versions  close_evaluation (every sheet signed, or forced with a reason → version 1; each
              plan moves on through the plan workflow), rescore, publish (the latest version,
              if nothing changed since it was scored)
    flags     降档 / 一票否决 with reason and evidence, until the group is published
    reading   a group's results with what changed, a unit's own result, the overview, Excel
    groups    looking up and locking a program's group

The engine (wfapp.scoring) stays pure. Callers use this package's names, not its modules."""

from __future__ import annotations

from wfapp.services.results.compute import assemble, inputs_for, ranks_across_groups, score, store
from wfapp.services.results.flags import add_flag, cancel_flag, flags_of_group
from wfapp.services.results.groups import is_published
from wfapp.services.results.reading import (
    XLSX_MIME,
    Change,
    GroupResults,
    OwnResult,
    export_excel,
    group_results,
    overview,
    unit_result,
)
from wfapp.services.results.scheme import (
    MAX_SCHEME_CHARS,
    SchemeInForce,
    latest_upload,
    scheme_in_force,
    upload_scheme,
    uploads,
)
from wfapp.services.results.versions import (
    Readiness,
    close_evaluation,
    latest_version,
    publish,
    readiness,
    rescore,
)

__all__ = [
    "MAX_SCHEME_CHARS",
    "XLSX_MIME",
    "Change",
    "GroupResults",
    "OwnResult",
    "Readiness",
    "SchemeInForce",
    "add_flag",
    "assemble",
    "cancel_flag",
    "close_evaluation",
    "export_excel",
    "flags_of_group",
    "group_results",
    "inputs_for",
    "is_published",
    "latest_upload",
    "latest_version",
    "overview",
    "publish",
    "ranks_across_groups",
    "readiness",
    "rescore",
    "scheme_in_force",
    "score",
    "store",
    "unit_result",
    "upload_scheme",
    "uploads",
]
