"""Demo accounts: one login per role, bound to the simulated network so each finds its work —
the family doctor, nurse and community health worker of a clinic with patients under care, a
pharmacist at the pharmacy nearest to them, the IMSS as payer, one of the clinic's patients with
diabetes and a caregiver of two of them, and the care coordinator of the public hospital the demo
heart-failure patient's alert is referred to (its received-referrals worklist).

For demonstrations only: the passwords are random, new each time the accounts are made, and
shown once on the console; production refuses to make them (`DemoRefused`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import finance
from enlace.modules.monitoring.care_team import hospital_for
from enlace.security import users
from enlace.sim import network
from enlace.sim.actor import World
from enlace.sim.actors.care import Patient, under_care
from enlace.sim.devices.enrollment import demo_patient
from enlace.sim.staff import StaffMember, staff_of


class DemoRefused(ValueError):
    """Demo accounts are not made in production."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    organization: str | None = None
    fhir_user: str | None = None
    patients: tuple[str, ...] = ()


def plan_accounts(world: World, days_run: int) -> list[DemoAccount]:
    """The accounts for this scenario (pure: the same scenario gives the same bindings)."""
    cared = _patients_with_visits(world, days_run)
    first = cared[0]
    clinic, person = first.clinic, first.person
    same_clinic = [p for p in cared if p.clinic == clinic] or cared
    pharmacy = network.nearest(person, "pharmacy", "imss")
    staff = {m.role: m for m in reversed(staff_of(clinic))}  # first member of each role wins
    pharmacist = staff_of(pharmacy)[0]
    patient_id = world.patient_id(person.index)
    second = world.patient_id(same_clinic[min(1, len(same_clinic) - 1)].person.index)
    return [
        _staff_account("medico", "physician", first.doctor),
        _staff_account("enfermeria", "nurse", staff["nurse"]),
        _staff_account("promotor", "chw", staff["chw"]),
        _staff_account("farmacia", "pharmacist", pharmacist),
        DemoAccount("aseguradora", "payer", "IMSS (pagador)", "org-imss"),
        DemoAccount("analista", "analyst", "Analista de salud pública"),
        DemoAccount("regulador", "regulator", "Regulador sanitario"),
        DemoAccount("admin", "administrator", "Administración de la red"),
        DemoAccount(
            "coordinacion",
            "coordinator",
            "Coordinación de referencias",
            _referral_hospital(world) or f"org-{clinic.slug}",
        ),
        DemoAccount(
            "paciente",
            "patient",
            f"{person.given} {person.paternal} {person.maternal}",
            fhir_user=f"Patient/{patient_id}",
            patients=(patient_id,),
        ),
        DemoAccount("cuidador", "caregiver", "Cuidador familiar", patients=(patient_id, second)),
    ]


def _staff_account(username: str, role: str, member: StaffMember) -> DemoAccount:
    return DemoAccount(
        username,
        role,
        f"{member.given} {member.family}",
        member.organization,
        f"Practitioner/{member.id}",
    )


def _referral_hospital(world: World) -> str | None:
    """`org-<slug>` of the hospital the demo heart-failure patient's clinic refers to (the
    monitoring escalation's rule); None without that patient."""
    index = demo_patient(world.people, world.scenario.start)
    if index is None:
        return None
    clinic = network.clinic(world.people[index])
    hospital = hospital_for(f"Organization/org-{clinic.slug}")
    return hospital.removeprefix("Organization/") if hospital else None


def _patients_with_visits(world: World, days_run: int) -> list[Patient]:
    """People with diabetes seen at least twice in the days run (else anyone under care), most
    visits first, so the demo patient's page has a history to show."""
    horizon = max(days_run, 1)
    cared = [
        patient
        for person in world.people
        if (patient := under_care(world, person, horizon)) is not None and patient.visits
    ]
    if not cared:
        raise ValueError("nobody in this population is under care yet: run `enlace sim run` first")
    diabetic = [p for p in cared if "diabetes" in p.diagnosed and len(p.visits) >= 2]
    return sorted(diabetic or cared, key=lambda p: (-len(p.visits), p.person.index))


def make_accounts(
    services: Services, conn: Connection, planned: list[DemoAccount]
) -> list[tuple[DemoAccount, str]]:
    """Create the accounts, or reset the password of those that exist; returns the passwords."""
    if services.settings.production:
        raise DemoRefused("demo accounts are not made in production (ENLACE_ENV=production)")
    now = epoch_us(services.repo.clock())
    made = []
    for account in planned:
        password = f"demo-{secrets.token_urlsafe(9)}"
        if users.get_user(conn, account.username) is None:
            users.add_user(
                conn,
                username=account.username,
                password=password,
                role=account.role,
                organization=account.organization,
                fhir_user=account.fhir_user,
                patients=account.patients,
                display_name=account.display_name,
                now_us=now,
            )
        else:
            users.set_password(conn, account.username, password)
            users.unlock_user(conn, account.username)
        made.append((account, password))
    open_family_wallet(services, conn, planned)
    return made


def open_family_wallet(services: Services, conn: Connection, planned: list[DemoAccount]) -> str:
    """The demo patient's household wallet (the caregiver's two patients as members), funded
    with 2,000.00 MXN and one 85.50 copay paid at the demo pharmacy, so /my/wallet shows
    something real. Idempotency keys make a second run record nothing new."""
    patient = next(a for a in planned if a.role == "patient").patients[0]
    household = next(a for a in planned if a.role == "caregiver").patients
    pharmacy = next(a for a in planned if a.role == "pharmacist").organization
    wallet_id = f"familia-{patient}"
    ledger = finance.Ledger(clock=services.repo.clock)
    wallets = finance.Wallets(ledger)
    payee = f"pharmacy-payable:{pharmacy}"
    ledger.open_account(conn, "bank", "asset", owner="Organization/enlace")
    ledger.open_account(conn, payee, "liability", owner=f"Organization/{pharmacy}")
    wallets.open_wallet(conn, wallet_id, owner=f"Patient/{patient}")
    for member, cap in zip(dict.fromkeys(household), (100_000, 50_000), strict=False):
        wallets.set_member(conn, wallet_id, f"Patient/{member}", cap)
    key = f"demo-wallet:{wallet_id}"
    member = f"Patient/{patient}"
    wallets.deposit(
        conn, wallet_id, member, 200_000, source_account="bank", idempotency_key=f"{key}:deposit"
    )
    held = wallets.charge(
        conn,
        wallet_id,
        member,
        8_550,
        payee_account=payee,
        idempotency_key=f"{key}:copay",
        reference="demo copay",
    )
    wallets.settle(conn, held.hold_id)
    return wallet_id
