"""Pure pieces of the care module: SLA clock settings, what each network level offers, the
referral state machine, the test video provider."""

from __future__ import annotations

import pytest

from enlace.kernel import errors
from enlace.modules.care import referrals, services
from enlace.modules.care.sla import HOUR_US, SlaClocks
from enlace.modules.care.teleconsult import TestVideoProvider


def test_default_clocks() -> None:
    clocks = SlaClocks()
    assert clocks.within("stat") == 4 * HOUR_US
    assert clocks.within("asap") == 24 * HOUR_US
    assert clocks.within("urgent") == 7 * 24 * HOUR_US
    assert clocks.within("routine") == 30 * 24 * HOUR_US


def test_clocks_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENLACE_CARE_SLA_HOURS", "asap=12, routine=480")
    clocks = SlaClocks.from_env()
    assert clocks.hours == {"stat": 4, "asap": 12, "urgent": 168, "routine": 480}
    monkeypatch.setenv("ENLACE_CARE_SLA_HOURS", "soon=3")
    with pytest.raises(errors.FhirError) as caught:
        SlaClocks.from_env()
    assert caught.value.status == 400 and "soon=3" in caught.value.message


def test_services_by_level() -> None:
    assert services.offered_by("Organization/org-clinic-l1-imss-09015") == ("family-medicine",)
    assert "oncology" not in services.offered_by("Organization/org-hospital-l2-imss-09015")
    assert "oncology" in services.offered_by("Organization/org-hospital-l3-imss-09015")
    assert services.offered_by("Organization/org-pharmacy-imss-09015") == ()
    assert services.offered_by("Organization/unknown") == ()


def test_state_machine_is_one_way() -> None:
    reachable = {"requested"}
    frontier = ["requested"]
    while frontier:
        for target in referrals.TRANSITIONS[frontier.pop()]:
            assert target not in reachable  # no cycles, no going back
            reachable.add(target)
            frontier.append(target)
    assert reachable == set(referrals.TRANSITIONS)


def test_video_link_is_stable_per_appointment() -> None:
    provider = TestVideoProvider()
    assert provider.room_for("a1") == provider.room_for("a1")
    assert provider.room_for("a1") != provider.room_for("a2")
