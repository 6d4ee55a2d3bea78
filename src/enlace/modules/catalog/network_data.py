"""Institutions, payers and facilities in three states, with coordinates inside each state.

Institutions are real (IMSS, ISSSTE, IMSS-Bienestar, state social-security institutes); private
insurers are fictitious. Facilities are synthetic: plausible names and kinds placed around the
real municipal seats (INEGI codes), not real units at real addresses (docs/catalogs.md).
"""

from __future__ import annotations

from enlace.modules.catalog.domain import Facility, Institution

INSTITUTIONS: tuple[Institution, ...] = (
    Institution("imss", "Instituto Mexicano del Seguro Social", "IMSS", ("govt", "prov", "pay")),
    Institution(
        "issste",
        "Instituto de Seguridad y Servicios Sociales de los Trabajadores del Estado",
        "ISSSTE",
        ("govt", "prov", "pay"),
    ),
    Institution(
        "imss-bienestar",
        "Servicios de Salud del Instituto Mexicano del Seguro Social para el Bienestar",
        "IMSS-Bienestar",
        ("govt", "prov", "pay"),
    ),
    Institution(
        "ipejal",
        "Instituto de Pensiones del Estado de Jalisco",
        "IPEJAL (ISES)",
        ("govt", "pay"),
        "14",
    ),
    Institution(
        "isssteleon",
        "Instituto de Seguridad y Servicios Sociales de los Trabajadores del Estado de Nuevo León",
        "ISSSTELEÓN (ISES)",
        ("govt", "prov", "pay"),
        "19",
    ),
    Institution(
        "ises-cdmx",
        "Instituto de seguridad social estatal de la Ciudad de México (sintético)",
        "ISES CDMX",
        ("govt", "pay"),
        "09",
    ),
    # Fictitious private insurers: gastos médicos mayores (GMM) policies, individual and group.
    Institution(
        "aseguradora-sgmm-a", "Seguros Médicos Alianza (sintética)", "SGMM Alianza", ("ins", "pay")
    ),
    Institution(
        "aseguradora-gmm-b", "Protección GMM Horizonte (sintética)", "GMM Horizonte", ("ins", "pay")
    ),
    # Private providers: a pharmacy chain and a laboratory network, also fictitious.
    Institution(
        "farmacias-enlace", "Farmacias Red Enlace (sintética)", "Farmacias Enlace", ("prov",)
    ),
    Institution(
        "laboratorios-enlace", "Laboratorios Red Enlace (sintética)", "Lab Enlace", ("prov",)
    ),
)

# INEGI state code -> (state name, bounding box (south, west, north, east))
STATES: dict[str, tuple[str, tuple[float, float, float, float]]] = {
    "09": ("Ciudad de México", (19.05, -99.36, 19.59, -98.95)),
    "14": ("Jalisco", (18.93, -105.70, 22.75, -101.51)),
    "19": ("Nuevo León", (23.16, -101.20, 27.80, -98.42)),
}

# (INEGI municipality code, name, latitude, longitude of the municipal seat)
MUNICIPALITIES: dict[str, tuple[tuple[str, str, float, float], ...]] = {
    "09": (
        ("09015", "Cuauhtémoc", 19.4326, -99.1480),
        ("09003", "Coyoacán", 19.3467, -99.1617),
        ("09007", "Iztapalapa", 19.3574, -99.0926),
        ("09005", "Gustavo A. Madero", 19.4821, -99.1127),
    ),
    "14": (
        ("14039", "Guadalajara", 20.6597, -103.3496),
        ("14120", "Zapopan", 20.7236, -103.3848),
        ("14098", "San Pedro Tlaquepaque", 20.6409, -103.2933),
        ("14067", "Puerto Vallarta", 20.6534, -105.2253),
    ),
    "19": (
        ("19039", "Monterrey", 25.6866, -100.3161),
        ("19046", "San Nicolás de los Garza", 25.7417, -100.3022),
        ("19026", "Guadalupe", 25.6775, -100.2597),
        ("19006", "Apodaca", 25.7817, -100.1886),
    ),
}

_STATE_ISES = {"09": "ises-cdmx", "14": "ipejal", "19": "isssteleon"}

# (kind, institution, Spanish name pattern, which municipalities by index) — one row per kind of
# unit; offsets below keep units of one municipality a few hundred metres apart.
_LAYOUT: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("clinic-l1", "imss", "IMSS Unidad de Medicina Familiar {m}", (0, 1, 2, 3)),
    ("clinic-l1", "imss-bienestar", "IMSS-Bienestar Centro de Salud {m}", (0, 1, 2, 3)),
    ("clinic-l1", "issste", "ISSSTE Clínica de Medicina Familiar {m}", (0, 2)),
    ("hospital-l2", "imss", "IMSS Hospital General de Zona {m}", (0, 1)),
    ("hospital-l2", "issste", "ISSSTE Hospital General {m}", (0,)),
    ("hospital-l3", "imss", "IMSS Unidad Médica de Alta Especialidad {m}", (0,)),
    ("pharmacy", "imss", "IMSS Farmacia UMF {m}", (0, 1, 2, 3)),
    ("pharmacy", "farmacias-enlace", "Farmacia Enlace {m}", (0, 1, 2, 3)),
    ("laboratory", "laboratorios-enlace", "Laboratorio Enlace {m}", (0, 1)),
    ("laboratory", "imss-bienestar", "IMSS-Bienestar Laboratorio Regional {m}", (2,)),
)
# The one distribution center supplies the three states from the Guadalajara metropolitan area.
_DISTRIBUTION = ("14", 1, "imss-bienestar", "Centro de Distribución Occidente (Zapopan)")


def _place(state: str, index: int, slot: int) -> tuple[str, str, float, float]:
    code, name, lat, lon = MUNICIPALITIES[state][index]
    # A small deterministic spiral (about 0.5-3 km) around the municipal seat.
    step = 0.004 * (1 + slot // 4)
    dlat, dlon = ((step, 0.0), (0.0, step), (-step, 0.0), (0.0, -step))[slot % 4]
    return code, name, round(lat + dlat, 5), round(lon + dlon, 5)


def build_facilities() -> tuple[Facility, ...]:
    out: list[Facility] = []
    for state in STATES:
        slots = [0] * len(MUNICIPALITIES[state])
        ises = next(i for i in INSTITUTIONS if i.slug == _STATE_ISES[state])
        # A state institute that runs its own units gets a hospital; the others buy services.
        own = (
            (("hospital-l2", ises.slug, "Hospital {a} {m}", (0,)),) if "prov" in ises.kinds else ()
        )
        rows = [*_LAYOUT, *own]
        for kind, institution, pattern, where in rows:
            alias = next(i.alias for i in INSTITUTIONS if i.slug == institution).split(" (")[0]
            for index in where:
                code, muni, lat, lon = _place(state, index, slots[index])
                slots[index] += 1
                name = pattern.format(m=muni, a=alias)
                slug = f"{kind}-{institution}-{code}"  # unique: one unit per row and place
                out.append(Facility(slug, name, kind, institution, state, code, muni, lat, lon))
        if state == _DISTRIBUTION[0]:
            code, muni, lat, lon = _place(state, _DISTRIBUTION[1], slots[_DISTRIBUTION[1]])
            name = _DISTRIBUTION[3]
            out.append(
                Facility(
                    f"distribution-center-{_DISTRIBUTION[2]}-{code}",
                    name,
                    "distribution-center",
                    _DISTRIBUTION[2],
                    state,
                    code,
                    muni,
                    lat,
                    lon,
                )
            )
    return tuple(out)


FACILITIES: tuple[Facility, ...] = build_facilities()
