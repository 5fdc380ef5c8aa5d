"""The words the office's pages count and grade with, defined once: the board, the 整改
board, the dashboard and the results read their labels from here, and the glossary
(docs/glossary.md) gives the same definitions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    label: str  # as pages show it
    definition: str  # what is counted, as the glossary says it


# Two different things are late; they are never both called just "逾期".
OVERDUE_PLANS = Term(
    "逾期方案",
    "当前环节的截止日期（绩效办批准延期的，以延期后的日期为准）已过、仍停留在该环节的方案，"
    "按方案计数。",
)
OVERDUE_ITEMS = Term(
    "逾期整改事项",
    "未销号且已过整改期限的整改事项，按事项计数（一份方案可有多项）；项目归档时已转入下一年度的"
    "事项在原项目中不再计入。",
)
# The result of grading is the 等次 (优秀 / 良好 / 一般 / 差); "定等" is not used on pages.
GRADE = Term("等次", "按考评方案在考评组内确定的结果：优秀、良好、一般、差。")
GRADE_BEFORE_FLAGS = Term(
    "按得分确定的等次", "未计降档、一票否决之前，按综合得分和排名确定的等次。"
)

TERMS = {
    "overdue_plans": OVERDUE_PLANS,
    "overdue_items": OVERDUE_ITEMS,
    "grade": GRADE,
    "grade_before_flags": GRADE_BEFORE_FLAGS,
}
