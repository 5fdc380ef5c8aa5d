"""The year's work by clicking: a unit reports progress with a file, the office opens
self-assessment, the unit self-assesses, evaluators are assigned and one signs a sheet."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wfapp.database import db
from wfapp.models import AuditEvent, EvaluationSheet, Plan, ProgressReport, Unit, User
from wfapp.services import plans

pytestmark = pytest.mark.browser

# A small but real PDF: the upload is checked by its content, not its name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _publish_unit_3(app) -> tuple[int, list[tuple[str, Decimal]]]:
    """Unit 3's plan through the approval chain (the pages of that are tested elsewhere)."""
    with app.app_context():
        unit = db.session.query(Unit).filter_by(short_name="市国资委").one()
        plan = db.session.query(Plan).filter_by(unit_id=unit.id).one()
        user = lambda name: db.session.query(User).filter_by(username=name).one()  # noqa: E731
        for name, action in [
            ("u3-liaison", "submit"),
            ("u4-liaison", "peer_approve"),
            ("u1-liaison", "peer_approve"),
            ("leader1", "leader_approve"),
            ("office", "office_approve"),
        ]:
            plans.fire(user(name), plan.id, action, comment="同意")
        leaves = [(leaf.code, leaf.weight) for leaf in plan.leaves]
        db.session.remove()
        return plan.id, leaves


def test_progress_self_assessment_and_a_signed_sheet(session_factory, live_app, tmp_path):
    plan_id, leaves = _publish_unit_3(live_app)
    evidence = tmp_path / "三季度进展情况.pdf"
    evidence.write_bytes(PDF)
    s = session_factory("year")

    # 1. The liaison reports Q3 progress on the first leaf, with a PDF.
    s.login("u3-liaison")
    s.goto(f"/plans/{plan_id}/progress")
    form = s.page.locator("#form-progress")
    form.locator('[name="indicator"]').select_option(leaves[0][0])
    form.locator('[name="period"]').select_option("Q3")
    form.locator('[name="status"]').select_option("on_track")
    form.locator('[name="text"]').fill("市属国企营业收入同比增长9.2%，超过年度目标。")
    form.locator('[name="file"]').set_input_files(str(evidence))
    s.page.click("#do-report")
    s.page.wait_for_load_state()
    assert "三季度进展情况.pdf" in s.page.content()
    s.shot("progress-reported")
    s.logout()

    # 2. The office opens self-assessment from the plan page.
    s.login("office")
    s.goto(f"/plans/{plan_id}")
    assert "open_self_assessment" in s.buttons()
    form = s.page.locator('form[data-action-form="open_self_assessment"]')
    form.locator('textarea[name="comment"]').fill("请于12月31日前完成自评")
    form.locator('button[data-action="open_self_assessment"]').click()
    s.page.wait_for_load_state()
    s.shot("self-assessment-opened")
    s.logout()

    # 3. The unit fills every leaf, saves a draft, then submits.
    s.login("u3-liaison")
    s.goto(f"/plans/{plan_id}/self-assessment")
    for code, weight in leaves:
        s.page.fill(f"#score-{code}", str(weight - Decimal("0.5")))
        s.page.fill(f"#explanation-{code}", f"{code} 已按计划完成，台账齐全。")
    s.page.click("#do-save-self-assessment")
    s.page.wait_for_load_state()
    s.shot("self-assessment-saved")
    s.page.click("#do-submit_self_assessment")
    s.page.wait_for_load_state()
    s.shot("self-assessment-submitted")
    s.logout()

    # 4. The office assigns evaluator1 and evaluator2 to the plan.
    s.login("office")
    with live_app.app_context():
        program_id = db.session.get(Plan, plan_id).program_id
        unit_name = db.session.get(Plan, plan_id).unit.name
    for evaluator in ("考评专家 李明", "考评专家 周洁"):  # evaluator1, evaluator2
        s.goto(f"/programs/{program_id}/evaluation/assignments")
        form = s.page.locator("#form-assign")
        option = form.locator('[name="evaluator"] option', has_text=evaluator).first
        form.locator('[name="evaluator"]').select_option(option.get_attribute("value"))
        target = form.locator('[name="target"] option', has_text=unit_name).first
        form.locator('[name="target"]').select_option(target.get_attribute("value"))
        s.page.click("#do-assign")
        s.page.wait_for_load_state()
    s.shot("evaluators-assigned")
    s.logout()

    # 5. evaluator1 scores every leaf, marks one as a finding, and signs.
    s.login("evaluator1")
    s.goto(f"/plans/{plan_id}/sheet")
    for code, weight in leaves:
        s.page.fill(f"#score-{code}", str(weight - 1))
    s.page.fill(f"#comment-{leaves[0][0]}", "投资计划完成率偏低")
    s.page.check(f"#finding-{leaves[0][0]}")
    s.page.click("#do-save-sheet")
    s.page.wait_for_load_state()
    s.page.click("#do-sign")
    s.page.wait_for_load_state()
    s.shot("sheet-signed")
    assert s.errors == []

    with live_app.app_context():
        plan = db.session.get(Plan, plan_id)
        assert plan.state == "central_evaluation"
        report = db.session.query(ProgressReport).filter_by(plan_id=plan_id).one()
        assert report.period == "Q3" and report.evidence
        sheet = db.session.query(EvaluationSheet).filter_by(plan_id=plan_id).one()
        assert sheet.state == "signed"
        actions = {e.action for e in db.session.query(AuditEvent).filter_by(plan_id=plan_id)}
        assert {"open_self_assessment", "submit_self_assessment"} <= actions
        db.session.remove()
