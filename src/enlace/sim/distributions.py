"""Distribution tables of the synthetic population, as data.

Sources (figures as remembered from the publications; where a figure is an assumption it says so):
- Age pyramid and sex ratio: INEGI, Censo de Población y Vivienda 2020 (126.0 M people; 94.8 men
  per 100 women; five-year groups, rounded to 0.1 point).
- State populations: INEGI Censo 2020 (thousands). Municipal points: the capital and the largest
  city of each state, approximate coordinates (assumption: the population of a state is split
  between them, 60/40 when there are two).
- Affiliation (derechohabiencia): Censo 2020 gave ≈26% with none, IMSS the largest scheme (about half
  of the affiliated), then INSABI/Seguro Popular (now IMSS-Bienestar), ISSSTE ≈9% of the
  affiliated, private ≈3%. The per-state shares below are an approximation of that pattern (IMSS
  high in the industrial north, IMSS-Bienestar high in the south); they are an assumption to be
  checked against the census tables, not measured values.
- Adult prevalences by age band: ENSANUT 2022 (total diabetes 18.3% of adults ≥20, diagnosed and
  not; hypertension ≈30%; obesity ≈36%); COPD from the issue's ≈5 M (≈5.5% of adults, concentrated
  after 40, as PLATINO found in Mexico City); HIV ≈220k people (≈0.25% of adults, ≈80% men,
  CENSIDA); rheumatoid arthritis ≈180k (≈0.2%, ≈80% women). The split by age band is an
  assumption chosen so that the adult total, weighted by the census pyramid, meets the target.
- Comorbidity: obesity multiplies the risk of type 2 diabetes (x2.5) and hypertension (x2.0), order
  of the relative risks in the literature (assumption); the band prevalence is preserved.
"""

from __future__ import annotations

from dataclasses import dataclass

# (lower age, upper age inclusive, % of total population), Censo 2020 (rounded).
AGE_PYRAMID: tuple[tuple[int, int, float], ...] = (
    (0, 4, 8.0), (5, 9, 8.5), (10, 14, 8.6), (15, 19, 8.5), (20, 24, 8.3), (25, 29, 7.9),
    (30, 34, 7.5), (35, 39, 7.1), (40, 44, 6.8), (45, 49, 6.3), (50, 54, 5.6), (55, 59, 4.6),
    (60, 64, 3.8), (65, 69, 2.9), (70, 74, 2.1), (75, 79, 1.4), (80, 84, 0.9), (85, 99, 0.8),
)  # fmt: skip

MALE_SHARE = 94.8 / 194.8  # Censo 2020: 94.8 men per 100 women
ADULT_AGE = 20  # ENSANUT reports adult prevalences from 20 years


@dataclass(frozen=True)
class Condition:
    key: str
    icd10: str
    display: str
    # % prevalence in the adult bands 20-39, 40-59, 60+
    bands: tuple[float, float, float]
    obesity_rr: float = 1.0  # relative risk if obese (band prevalence preserved)
    male_share: float = 0.5  # share of cases in men (sex split, adult prevalence preserved)
    min_onset_age: int = ADULT_AGE


OBESITY = Condition("obesity", "E66.9", "Obesidad, no especificada", (32.0, 43.0, 33.0))
CONDITIONS: tuple[Condition, ...] = (
    OBESITY,
    Condition(
        "diabetes", "E11.9", "Diabetes mellitus tipo 2 sin complicaciones", (6.0, 25.0, 35.0), 2.5
    ),
    Condition("hypertension", "I10", "Hipertensión esencial (primaria)", (13.0, 38.0, 60.0), 2.0),
    Condition(
        "copd", "J44.9", "Enfermedad pulmonar obstructiva crónica", (1.0, 6.0, 16.0), 1.0, 0.55, 40
    ),
    Condition("hiv", "B24", "Enfermedad por VIH", (0.25, 0.25, 0.08), 1.0, 0.8),
    Condition("ra", "M06.9", "Artritis reumatoide, no especificada", (0.1, 0.3, 0.35), 1.0, 0.2),
)

AFFILIATIONS = ("imss", "issste", "imss-bienestar", "private", "none")
AFFILIATION_DISPLAY = {
    "imss": "Instituto Mexicano del Seguro Social",
    "issste": "Instituto de Seguridad y Servicios Sociales de los Trabajadores del Estado",
    "imss-bienestar": "IMSS-Bienestar",
    "private": "Seguro privado",
    "none": "Sin afiliación",
}


@dataclass(frozen=True)
class Municipality:
    inegi: str  # 5-digit INEGI key (state + municipality)
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class State:
    iso: str  # ISO 3166-2:MX suffix, the CLI's --states value
    inegi: str  # 2-digit INEGI key
    name: str
    renapo: str  # the CURP's two-letter code
    population_k: int
    shares: tuple[float, float, float, float, float]  # % in AFFILIATIONS order
    municipalities: tuple[Municipality, ...]


def _state(
    iso: str,
    inegi: str,
    name: str,
    renapo: str,
    population_k: int,
    imss: float,
    issste: float,
    private: float,
    none: float,
    *points: tuple[str, str, float, float],
) -> State:
    bienestar = round(100.0 - imss - issste - private - none, 1)
    municipalities = tuple(Municipality(inegi + m, n, la, lo) for m, n, la, lo in points)
    return State(
        iso, inegi, name, renapo, population_k, (imss, issste, bienestar, private, none),
        municipalities,
    )  # fmt: skip


# iso, INEGI, name, RENAPO, thousands (Censo 2020), % IMSS, ISSSTE, private, none (assumption,
# see above; IMSS-Bienestar is the rest), then (municipality key, name, lat, lon).
STATES: dict[str, State] = {s.iso: s for s in (
    _state("AGU", "01", "Aguascalientes", "AS", 1426, 55, 7, 3, 20, ("001", "Aguascalientes", 21.882, -102.291)),
    _state("BCN", "02", "Baja California", "BC", 3769, 50, 6, 3, 25, ("004", "Tijuana", 32.515, -117.038), ("002", "Mexicali", 32.624, -115.453)),
    _state("BCS", "03", "Baja California Sur", "BS", 798, 48, 11, 3, 20, ("003", "La Paz", 24.142, -110.313), ("008", "Los Cabos", 22.890, -109.912)),
    _state("CAM", "04", "Campeche", "CC", 928, 30, 9, 1, 20, ("002", "Campeche", 19.845, -90.524), ("003", "Carmen", 18.649, -91.822)),
    _state("COA", "05", "Coahuila de Zaragoza", "CL", 3147, 60, 7, 3, 18, ("030", "Saltillo", 25.423, -101.005), ("035", "Torreón", 25.544, -103.406)),
    _state("COL", "06", "Colima", "CM", 731, 45, 9, 2, 18, ("002", "Colima", 19.243, -103.725), ("007", "Manzanillo", 19.052, -104.316)),
    _state("CHP", "07", "Chiapas", "CS", 5544, 15, 7, 1, 27, ("101", "Tuxtla Gutiérrez", 16.753, -93.116), ("089", "Tapachula", 14.906, -92.263)),
    _state("CHH", "08", "Chihuahua", "CH", 3742, 55, 7, 3, 18, ("037", "Juárez", 31.690, -106.424), ("019", "Chihuahua", 28.632, -106.069)),
    _state("CMX", "09", "Ciudad de México", "DF", 9210, 38, 12, 6, 27, ("007", "Iztapalapa", 19.358, -99.093), ("005", "Gustavo A. Madero", 19.482, -99.113)),
    _state("DUR", "10", "Durango", "DG", 1833, 45, 9, 2, 20, ("005", "Durango", 24.027, -104.653), ("007", "Gómez Palacio", 25.565, -103.497)),
    _state("GUA", "11", "Guanajuato", "GT", 6167, 43, 5, 2, 22, ("020", "León", 21.125, -101.686), ("007", "Celaya", 20.523, -100.815)),
    _state("GRO", "12", "Guerrero", "GR", 3541, 17, 9, 1, 26, ("001", "Acapulco de Juárez", 16.853, -99.823), ("029", "Chilpancingo de los Bravo", 17.551, -99.501)),
    _state("HID", "13", "Hidalgo", "HG", 3082, 30, 7, 1, 24, ("048", "Pachuca de Soto", 20.101, -98.759), ("077", "Tulancingo de Bravo", 20.083, -98.363)),
    _state("JAL", "14", "Jalisco", "JC", 8348, 48, 5, 3, 27, ("039", "Guadalajara", 20.676, -103.347), ("120", "Zapopan", 20.721, -103.391)),
    _state("MEX", "15", "México", "MC", 16992, 38, 7, 2, 30, ("033", "Ecatepec de Morelos", 19.601, -99.050), ("106", "Toluca", 19.282, -99.655)),
    _state("MIC", "16", "Michoacán de Ocampo", "MN", 4749, 25, 7, 2, 32, ("053", "Morelia", 19.706, -101.195), ("102", "Uruapan", 19.411, -102.056)),
    _state("MOR", "17", "Morelos", "MS", 1971, 30, 8, 2, 27, ("007", "Cuernavaca", 18.922, -99.234), ("018", "Jiutepec", 18.882, -99.178)),
    _state("NAY", "18", "Nayarit", "NT", 1235, 33, 10, 2, 20, ("017", "Tepic", 21.504, -104.895), ("020", "Bahía de Banderas", 20.803, -105.247)),
    _state("NLE", "19", "Nuevo León", "NL", 5784, 60, 4, 5, 20, ("039", "Monterrey", 25.686, -100.316), ("026", "Guadalupe", 25.677, -100.259)),
    _state("OAX", "20", "Oaxaca", "OC", 4132, 18, 8, 1, 27, ("067", "Oaxaca de Juárez", 17.073, -96.726), ("184", "San Juan Bautista Tuxtepec", 18.088, -96.123)),
    _state("PUE", "21", "Puebla", "PL", 6584, 27, 6, 2, 32, ("114", "Puebla", 19.041, -98.206), ("156", "Tehuacán", 18.462, -97.393)),
    _state("QUE", "22", "Querétaro", "QT", 2368, 50, 5, 4, 20, ("014", "Querétaro", 20.588, -100.389), ("016", "San Juan del Río", 20.389, -99.996)),
    _state("ROO", "23", "Quintana Roo", "QR", 1858, 48, 7, 2, 25, ("005", "Benito Juárez", 21.161, -86.851), ("004", "Othón P. Blanco", 18.500, -88.296)),
    _state("SLP", "24", "San Luis Potosí", "SP", 2822, 40, 7, 2, 18, ("028", "San Luis Potosí", 22.156, -100.985), ("013", "Ciudad Valles", 21.986, -99.011)),
    _state("SIN", "25", "Sinaloa", "SL", 3027, 48, 9, 2, 18, ("006", "Culiacán", 24.809, -107.394), ("012", "Mazatlán", 23.249, -106.411)),
    _state("SON", "26", "Sonora", "SR", 2944, 52, 8, 3, 17, ("030", "Hermosillo", 29.073, -110.956), ("018", "Cajeme", 27.486, -109.941)),
    _state("TAB", "27", "Tabasco", "TC", 2402, 25, 8, 1, 20, ("004", "Centro", 17.989, -92.947), ("002", "Cárdenas", 18.001, -93.375)),
    _state("TAM", "28", "Tamaulipas", "TS", 3527, 50, 8, 3, 18, ("032", "Reynosa", 26.051, -98.298), ("041", "Victoria", 23.736, -99.146)),
    _state("TLA", "29", "Tlaxcala", "TL", 1343, 27, 7, 1, 25, ("033", "Tlaxcala", 19.318, -98.238), ("013", "Huamantla", 19.313, -97.923)),
    _state("VER", "30", "Veracruz de Ignacio de la Llave", "VZ", 8062, 28, 7, 2, 28, ("193", "Veracruz", 19.173, -96.134), ("087", "Xalapa", 19.544, -96.927)),
    _state("YUC", "31", "Yucatán", "YN", 2321, 45, 7, 2, 18, ("050", "Mérida", 20.967, -89.624), ("102", "Valladolid", 20.689, -88.202)),
    _state("ZAC", "32", "Zacatecas", "ZS", 1622, 35, 9, 1, 20, ("056", "Zacatecas", 22.771, -102.583), ("017", "Guadalupe", 22.747, -102.518)),
)}  # fmt: skip

# The spread of homes around a municipal point, in degrees (≈ 5 km; assumption).
HOME_SPREAD_DEG = 0.05
