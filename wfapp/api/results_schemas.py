"""Bodies of the results' routes (also read by the OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictInt, StrictStr

from wfapp.api.schemas import Body


class CloseEvaluationIn(Body):
    force_reason: StrictStr | None = Field(default=None, max_length=2000)


class RescoreIn(Body):
    reason: StrictStr = Field(max_length=2000)


class PublishIn(Body):
    version: StrictInt | None = None


class FlagIn(Body):
    kind: Literal["downgrade", "veto"]
    reason: StrictStr = Field(max_length=2000)
    evidence_id: StrictInt | None = None


class CancelFlagIn(Body):
    reason: StrictStr = Field(max_length=2000)


BODIES = (CloseEvaluationIn, RescoreIn, PublishIn, FlagIn, CancelFlagIn)
