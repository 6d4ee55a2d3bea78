"""Property: whatever a patient's token asks — ids of others, includes, :iterate, chains, _has,
compartments, $everything — nothing outside their own compartment comes back."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enlace.interactions.context import Services
from enlace.security.access import Access
from enlace.security.scopes import parse_scopes
from tests.integration.test_authorization import call, ids, put

PATIENTS = ("p1", "p2", "p3")
ME = Access("me", "user", parse_scopes("patient/*.rs"), role="patient", patients=("p1",))
CODE = {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]}


def build_world(services: Services, seed: int = 7) -> dict[str, str]:
    """Resources of three patients that point at each other's; returns id -> owner patient."""
    rng = random.Random(seed)
    owner: dict[str, str] = {}
    for pid in PATIENTS:
        link = [{"other": {"reference": f"Patient/{rng.choice(PATIENTS)}"}, "type": "seealso"}]
        put(
            services,
            {"resourceType": "Patient", "id": pid, "name": [{"family": pid}], "link": link},
        )
        owner[f"Patient/{pid}"] = pid
    for n in range(12):
        pid = rng.choice(PATIENTS)
        enc = f"e{n}"
        put(
            services,
            {
                "resourceType": "Encounter",
                "id": enc,
                "status": "finished",
                "class": {"code": "AMB"},
                "subject": {"reference": f"Patient/{pid}"},
            },
        )
        owner[f"Encounter/{enc}"] = pid
        other_enc = f"e{rng.randrange(n + 1)}"  # may be another patient's encounter
        put(
            services,
            {
                "resourceType": "Observation",
                "id": f"o{n}",
                "status": "final",
                "code": CODE,
                "subject": {"reference": f"Patient/{pid}"},
                "encounter": {"reference": f"Encounter/{other_enc}"},
                "hasMember": [{"reference": f"Observation/o{rng.randrange(n + 1)}"}],
            },
        )
        owner[f"Observation/o{n}"] = pid
    return owner


QUERIES = st.one_of(
    st.tuples(
        st.sampled_from(["Observation", "Encounter", "Patient"]),
        st.lists(
            st.sampled_from(
                [
                    "_include=Observation:encounter",
                    "_include=Observation:has-member",
                    "_include:iterate=Observation:has-member",
                    "_include=Observation:subject",
                    "_revinclude=Observation:subject",
                    "_revinclude=Encounter:subject",
                    "_include=Patient:link",
                    "_include:iterate=Encounter:subject",
                    "_revinclude:iterate=Observation:encounter",
                ]
            ),
            max_size=3,
        ),
        st.sampled_from(
            [
                "",
                "_id=o{n}",
                "_id=e{n}",
                "_id=p2",
                "subject=Patient/p{m}",
                "subject:Patient.family=p{m}",
                "encounter.subject=Patient/p{m}",
                "_has:Observation:subject:code=4548-4",
                "link=Patient/p{m}",
            ]
        ),
        st.integers(0, 11),
        st.integers(1, 3),
    ).map(lambda t: f"{t[0]}?" + "&".join([*t[1], t[2].format(n=t[3], m=t[4])]).strip("&")),
    st.tuples(st.sampled_from(PATIENTS), st.sampled_from(["Observation", "Encounter"])).map(
        lambda t: f"Patient/{t[0]}/{t[1]}"
    ),
    st.sampled_from(PATIENTS).map(lambda p: f"Patient/{p}/$everything"),
    st.integers(0, 11).map(lambda n: f"Observation/o{n}"),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=QUERIES)
def test_a_patient_never_sees_outside_their_compartment(services: Services, url: str) -> None:
    owner = _world(services)
    response = call(services, ME, "GET", url)
    if response.status in (400, 403, 404):
        return  # refused or not found: nothing leaked, nothing said about others
    if url.startswith("Observation/"):  # a read by id
        assert owner[url] == "p1", f"{url} was readable"
        return
    leaked = {key for key in ids(response) if owner.get(key, "p1") != "p1"}
    assert not leaked, f"{url} returned {sorted(leaked)}"


def test_the_world_gives_the_property_something_to_leak(services: Services) -> None:
    """Guard against a vacuous pass: unrestricted, the same queries do reach other patients."""
    owner = _world(services)
    everyone = ids(
        call(services, Access.internal(), "GET", "Observation?_include=Observation:encounter")
    )
    assert {owner[key] for key in everyone} == set(PATIENTS)
    mine = ids(call(services, ME, "GET", "Observation?_include=Observation:encounter"))
    assert mine and {owner[key] for key in mine} == {"p1"}


def _world(services: Services) -> dict[str, str]:
    """Built once per services fixture (hypothesis reuses it across examples)."""
    world: dict[str, str] | None = getattr(services, "test_world", None)
    if world is None:
        world = build_world(services)
        services.test_world = world  # type: ignore[attr-defined]
    return world
