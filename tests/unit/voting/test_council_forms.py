"""The council's forms read into the voting module's arguments: every problem named by field,
percentages as shares, the agenda's `Text = vote` lines (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enlace.entrypoints.web import council_forms

VOTE = {"id": "p-1", "title": "Mesa", "kind": "ranked", "options": "Rosa\n\n Luis \nEva",
        "quorum": "40", "min_share": "67", "proxy_limit": "2", "body": "texto"}  # fmt: skip
ASSEMBLY = {"id": "a-1", "kind": "extraordinary", "title": "Asamblea", "place": "Oaxaca",
            "convened": "2026-11-02", "held": "2026-11-20T10:30", "quorum": "50",
            "notice_days": "15", "agenda": "Informe\n\nCuentas = p-1"}  # fmt: skip


def test_a_good_vote_form_becomes_the_domain_arguments() -> None:
    read, problems = council_forms.read_vote(VOTE)
    assert problems == {}
    assert council_forms.vote_arguments(read) == {
        "proposal_id": "p-1", "title": "Mesa", "kind": "ranked", "options": ["Rosa", "Luis", "Eva"],
        "body": "texto", "quorum_share": 0.4, "min_share": 0.67, "proxy_limit": 2,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("options", "Rosa", "council.need_options"),
        ("options", "Rosa\nRosa", "council.bad_options"),
        ("quorum", "101", "council.bad_percent"),
        ("quorum", "-1", "council.bad_percent"),
        ("quorum", "0.5", "council.bad_percent"),
        ("min_share", "", "council.bad_percent"),
        ("proxy_limit", "100", "council.bad_proxy_limit"),
        ("id", "Con espacios", "council.bad_id"),
        ("title", "   ", "council.need_title"),
        ("kind", "sorteo", "council.bad_kind"),
    ],
)
def test_each_bad_vote_field_is_named(field: str, value: str, message: str) -> None:
    _, problems = council_forms.read_vote({**VOTE, field: value})
    assert problems == {field: message}


def test_a_proposal_needs_no_options() -> None:
    _, problems = council_forms.read_vote({**VOTE, "kind": "proposal", "options": ""})
    assert problems == {}


def test_a_good_convocation_and_its_agenda() -> None:
    read, problems = council_forms.read_assembly(ASSEMBLY)
    assert problems == {}
    assert read.items == [("Informe", None), ("Cuentas", "p-1")]
    assert read.convened_at == datetime(2026, 11, 2, tzinfo=UTC)
    assert read.held_at == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert (read.quorum, read.notice_days, read.kind) == (0.5, 15, "extraordinary")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("agenda", "", "council.bad_agenda"),
        ("agenda", "Cuentas = No Es Clave", "council.bad_agenda"),
        ("agenda", "= p-1", "council.bad_agenda"),
        ("convened", "02/11/2026", "council.bad_date"),
        ("held", "mañana", "council.bad_datetime"),
        ("notice_days", "0", "council.bad_notice_days"),
        ("quorum", "150", "council.bad_percent"),
        ("kind", "secreta", "council.bad_assembly_kind"),
        ("place", "", "council.need_place"),
    ],
)
def test_each_bad_convocation_field_is_named(field: str, value: str, message: str) -> None:
    _, problems = council_forms.read_assembly({**ASSEMBLY, field: value})
    assert problems == {field: message}
