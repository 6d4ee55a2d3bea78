"""One realistic plan per payer type. Figures are assumptions, written down in docs/coverage.md.

Public institutions (IMSS, ISSSTE, IMSS-Bienestar) dispense their basic formulary free at the
point of care, in their own units only; state social-security institutes (IPEJAL, ISSSTELEÓN)
buy part of it from private pharmacies; the private major-medical (SGMM) plan has deductibles,
10% co-insurance and a sum insured; the minor-medical (GMM) plan has copays, a family deductible
and low ceilings. Private insurers are the catalog's fictitious ones.
"""

from __future__ import annotations

from .domain import (
    Ceiling,
    CostShare,
    Deductible,
    FrequencyLimit,
    Network,
    Plan,
    QuantityLimit,
    Scope,
    Selector,
    Setting,
    Tier,
    WaitingPeriod,
)

CHRONIC = ("diabetes", "hypertension", "dyslipidemia", "heart-failure", "copd", "ckd", "obesity")
EVERY_GROUP = (*CHRONIC, "hiv", "rheumatoid-arthritis", "cancer")
ALL = Selector(groups=EVERY_GROUP)
BIOLOGICS = Selector(("L04AB", "L04AC", "L01FA"))  # TNF and IL-6 inhibitors, anti-CD20
ORAL_ONCOLOGY = Selector(("L01B", "L01E", "L01AX", "L02"))
# Newer, costlier diabetes and hypertension drugs: DPP-4, SGLT2, GLP-1, analogue insulins.
NEWER_ANTIDIABETICS = ("A10BH", "A10BD07", "A10BK", "A10BJ", "A10AE04", "A10AB04")
# Not in the public basic formulary here (an assumption): each has a covered sibling in the same
# ATC level 4, which eligibility offers as the formulary alternative.
PUBLIC_NOT_LISTED = ("A10BB12", "C09CA07", "C09CA03", "C10AA07", "A10BJ")
ORAL_DAILY = Selector(("A10B", "C03", "C07", "C08", "C09", "C10"))
FREE = CostShare()
MONTHLY_FILL = FrequencyLimit(ALL, fills=1, days=30)  # one dispense of a substance a month
ORAL_UNITS = QuantityLimit(ORAL_DAILY, units=180, days=30)  # at most six tablets a day
BIOLOGIC_UNITS = QuantityLimit(BIOLOGICS, units=4, days=30)  # e.g. adalimumab every 2 weeks
MXN = 100  # centavos per peso


def _public(
    slug: str,
    payer: str,
    name: str,
    network: tuple[str, ...],
    not_listed: tuple[str, ...],
    dependents: int,
    assumptions: str,
) -> Plan:
    return Plan(
        id=f"plan-{slug}",
        name=name,
        payer=payer,
        kind="public",
        tiers=(Tier("cuadro-basico", ALL, FREE),),
        network=Network(network),
        exclusions=(Selector(not_listed),),
        quantity_limits=(ORAL_UNITS, BIOLOGIC_UNITS),
        frequency_limits=(MONTHLY_FILL,),
        prior_authorization=(BIOLOGICS, ORAL_ONCOLOGY),
        max_dependents=dependents,
        assumptions=assumptions,
    )


IMSS = _public(
    "imss",
    "imss",
    "IMSS, Seguro de Enfermedades y Maternidad: medicamentos del cuadro básico",
    ("imss",),
    PUBLIC_NOT_LISTED,
    5,
    "Free at the point of care in IMSS units; one monthly dispense per substance; biologics "
    "and oral oncology need a committee's authorization; the worker's spouse, children and "
    "parents are beneficiaries (up to 5 here).",
)
ISSSTE = _public(
    "issste",
    "issste",
    "ISSSTE, seguro de salud: medicamentos del cuadro básico",
    ("issste",),
    PUBLIC_NOT_LISTED,
    5,
    "As IMSS, in ISSSTE units.",
)
IMSS_BIENESTAR = _public(
    "imss-bienestar",
    "imss-bienestar",
    "IMSS-Bienestar: atención gratuita a personas sin seguridad social",
    ("imss-bienestar",),
    (*PUBLIC_NOT_LISTED, "A10BH", "A10BD07", "A10BK", "A10AE04", "A10AB04"),
    0,
    "Free for people without social security, in IMSS-Bienestar units; first-level formulary "
    "without DPP-4, SGLT2, GLP-1 or analogue insulins (human insulins are listed); each person "
    "is covered individually (no subscriber).",
)


def _state_institute(slug: str, name: str, network: tuple[str, ...], assumptions: str) -> Plan:
    return Plan(
        id=f"plan-{slug}",
        name=name,
        payer=slug,
        kind="state-institute",
        tiers=(
            Tier("cuadro-basico", ALL, FREE),
            Tier("marca", Selector(NEWER_ANTIDIABETICS), CostShare(coinsurance_bp=1_000)),
        ),
        network=Network(network),
        frequency_limits=(MONTHLY_FILL,),
        quantity_limits=(ORAL_UNITS, BIOLOGIC_UNITS),
        prior_authorization=(BIOLOGICS, ORAL_ONCOLOGY),
        max_dependents=5,
        assumptions=assumptions,
    )


IPEJAL = _state_institute(
    "ipejal",
    "IPEJAL, servicios médicos: medicamentos subrogados",
    ("farmacias-enlace", "imss-bienestar"),
    "IPEJAL runs no units of its own in the catalog: it buys dispensing from the private "
    "pharmacy chain and IMSS-Bienestar. Basic formulary free; newer antidiabetics at 10% "
    "co-insurance.",
)
ISSSTELEON = _state_institute(
    "isssteleon",
    "ISSSTELEÓN, servicios médicos",
    ("isssteleon", "farmacias-enlace"),
    "ISSSTELEÓN dispenses in its own hospital and in the private chain; otherwise as IPEJAL.",
)

SGMM = Plan(
    id="plan-sgmm-alianza",
    name="Seguros Médicos Alianza, gastos médicos mayores individual/familiar",
    payer="aseguradora-sgmm-a",
    kind="sgmm",
    tiers=(Tier("medicamentos", ALL, CostShare(coinsurance_bp=1_000)),),
    network=Network(("farmacias-enlace", "laboratorios-enlace"), CostShare(coinsurance_bp=2_000)),
    deductibles=(
        Deductible(Scope.TREATMENT, 20_000 * MXN, Setting.INPATIENT),
        Deductible(Scope.INSUREE, 1_500 * MXN, Setting.OUTPATIENT),
    ),
    ceilings=(
        Ceiling(Scope.INSUREE, 5_000_000 * MXN),
        Ceiling(Scope.INSUREE, 300_000 * MXN, "rheumatoid-arthritis"),
    ),
    waiting_periods=(
        WaitingPeriod(ALL, 30),
        WaitingPeriod(Selector(groups=EVERY_GROUP), 730, pre_existing_only=True),
    ),
    quantity_limits=(BIOLOGIC_UNITS,),
    prior_authorization=(BIOLOGICS, ORAL_ONCOLOGY),
    max_dependents=6,
    assumptions="Sum insured 5 M MXN a year per person, 300 k MXN sub-limit for rheumatoid "
    "arthritis; deductible 20 k MXN per hospital treatment and 1.5 k MXN a year for "
    "outpatient medicines; 10% co-insurance (20% out of network); 30-day initial waiting "
    "period, 2 years for conditions declared pre-existing at enrollment.",
)

GMM = Plan(
    id="plan-gmm-horizonte",
    name="Protección GMM Horizonte, gastos médicos menores familiar",
    payer="aseguradora-gmm-b",
    kind="gmm",
    tiers=(
        Tier("generico", Selector(groups=CHRONIC), CostShare(copay_centavos=50 * MXN)),
        Tier("marca", Selector(NEWER_ANTIDIABETICS), CostShare(coinsurance_bp=3_000)),
    ),
    network=Network(("farmacias-enlace", "laboratorios-enlace")),
    exclusions=(BIOLOGICS, Selector(groups=("cancer", "hiv"))),
    deductibles=(Deductible(Scope.POLICY, 2_000 * MXN),),
    ceilings=(
        Ceiling(Scope.POLICY, 60_000 * MXN),
        Ceiling(Scope.POLICY, 25_000 * MXN, "diabetes"),
        Ceiling(Scope.POLICY, 10_000 * MXN, "hypertension"),
    ),
    waiting_periods=(
        WaitingPeriod(ALL, 30),
        WaitingPeriod(Selector(groups=CHRONIC), 365, pre_existing_only=True),
    ),
    quantity_limits=(ORAL_UNITS,),
    frequency_limits=(MONTHLY_FILL,),
    max_dependents=4,
    assumptions="Outpatient chronic medicines in the network only: 50 MXN copay for generics, "
    "30% co-insurance for newer antidiabetics; a 2 k MXN family deductible; 60 k MXN a year "
    "per family, 25 k for diabetes and 10 k for hypertension; high-cost therapy (cancer, HIV, "
    "biologics) is left to major medical or the public system.",
)

PLANS: tuple[Plan, ...] = (IMSS, ISSSTE, IMSS_BIENESTAR, IPEJAL, ISSSTELEON, SGMM, GMM)
