"""Conditions (ICD-10 as Mexico reports them), observations (LOINC), units (UCUM), dose forms.

Mexico reports morbidity and mortality in ICD-10 (CIE-10) through the SINBA/SINAVE systems, with
Spanish displays; the codes below are those the network's priority programmes count. LOINC codes and
units are ../shared/REFERENCE.md §1.
"""

from __future__ import annotations

# group code -> (Spanish title, ((ICD-10 code, Spanish display), ...))
CONDITION_GROUPS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "diabetes": (
        "Diabetes mellitus tipo 2",
        (
            ("E11", "Diabetes mellitus no insulinodependiente (tipo 2)"),
            ("E11.2", "Diabetes mellitus no insulinodependiente con complicaciones renales"),
            ("E11.3", "Diabetes mellitus no insulinodependiente con complicaciones oftálmicas"),
            ("E11.4", "Diabetes mellitus no insulinodependiente con complicaciones neurológicas"),
            (
                "E11.5",
                "Diabetes mellitus no insulinodependiente con complicaciones circulatorias periféricas",
            ),
            ("E11.9", "Diabetes mellitus no insulinodependiente sin mención de complicación"),
        ),
    ),
    "hypertension": (
        "Hipertensión arterial",
        (
            ("I10", "Hipertensión esencial (primaria)"),
            ("I11", "Enfermedad cardiaca hipertensiva"),
            ("I12", "Enfermedad renal hipertensiva"),
        ),
    ),
    "hiv": (
        "Infección por VIH",
        (
            ("B20", "Enfermedad por VIH, resultante en enfermedades infecciosas y parasitarias"),
            ("B21", "Enfermedad por VIH, resultante en tumores malignos"),
            ("B22", "Enfermedad por VIH, resultante en otras enfermedades especificadas"),
            ("B23", "Enfermedad por VIH, resultante en otras afecciones"),
            (
                "B24",
                "Enfermedad por virus de la inmunodeficiencia humana [VIH], sin otra especificación",
            ),
            ("Z21", "Estado de infección asintomática por VIH"),
        ),
    ),
    "rheumatoid-arthritis": (
        "Artritis reumatoide",
        (
            ("M05", "Artritis reumatoide seropositiva"),
            ("M05.9", "Artritis reumatoide seropositiva, sin otra especificación"),
            ("M06", "Otras artritis reumatoides"),
            ("M06.9", "Artritis reumatoide, no especificada"),
        ),
    ),
    "copd": (
        "Enfermedad pulmonar obstructiva crónica",
        (
            ("J44", "Otras enfermedades pulmonares obstructivas crónicas"),
            ("J44.1", "EPOC con exacerbación aguda, no especificada"),
            ("J44.9", "Enfermedad pulmonar obstructiva crónica, no especificada"),
        ),
    ),
    "heart-failure": (
        "Insuficiencia cardiaca",
        (
            ("I50", "Insuficiencia cardiaca"),
            ("I50.0", "Insuficiencia cardiaca congestiva"),
            ("I50.9", "Insuficiencia cardiaca, no especificada"),
        ),
    ),
    "obesity": (
        "Obesidad",
        (
            ("E66", "Obesidad"),
            ("E66.9", "Obesidad, no especificada"),
        ),
    ),
    "ckd": (
        "Enfermedad renal crónica",
        (
            ("N18", "Enfermedad renal crónica"),
            ("N18.3", "Enfermedad renal crónica, etapa 3"),
            ("N18.4", "Enfermedad renal crónica, etapa 4"),
            ("N18.5", "Enfermedad renal crónica, etapa 5"),
        ),
    ),
    "dyslipidemia": (
        "Dislipidemia",
        (("E78", "Trastornos del metabolismo de las lipoproteínas y otras lipidemias"),),
    ),
    "cancer": (
        "Cáncer con tratamiento oral",
        (
            ("C50", "Tumor maligno de la mama"),
            ("C61", "Tumor maligno de la próstata"),
            ("C18", "Tumor maligno del colon"),
            ("C16", "Tumor maligno del estómago"),
            ("C34", "Tumor maligno de los bronquios y del pulmón"),
            ("C71", "Tumor maligno del encéfalo"),
            ("C92.1", "Leucemia mieloide crónica"),
        ),
    ),
}

# The conditions the issue names as the network's priorities; every one must be in the catalog.
PRIORITY_CODES = ("E11", "I10", "B20", "B24", "M05", "M06", "J44", "I50", "E66", "N18")

# (LOINC, Spanish display, UCUM unit)
OBSERVATIONS: tuple[tuple[str, str, str], ...] = (
    ("85354-9", "Panel de presión arterial", "mm[Hg]"),
    ("8480-6", "Presión arterial sistólica", "mm[Hg]"),
    ("8462-4", "Presión arterial diastólica", "mm[Hg]"),
    ("8867-4", "Frecuencia cardiaca", "/min"),
    ("9279-1", "Frecuencia respiratoria", "/min"),
    ("59408-5", "Saturación de oxígeno por oximetría de pulso", "%"),
    ("2708-6", "Saturación de oxígeno en sangre arterial", "%"),
    ("8310-5", "Temperatura corporal", "Cel"),
    ("29463-7", "Peso corporal", "kg"),
    ("8302-2", "Talla", "cm"),
    ("39156-5", "Índice de masa corporal", "kg/m2"),
    ("8280-0", "Circunferencia de cintura", "cm"),
    ("41653-7", "Glucosa capilar", "mg/dL"),
    ("14743-9", "Glucosa capilar (mmol/L)", "mmol/L"),
    ("1558-6", "Glucosa en ayuno", "mg/dL"),
    ("2345-7", "Glucosa sérica o plasmática", "mg/dL"),
    ("99504-3", "Glucosa por monitoreo continuo", "mg/dL"),
    ("105272-9", "Glucosa por monitoreo continuo (mmol/L)", "mmol/L"),
    ("4548-4", "Hemoglobina glucosilada (HbA1c)", "%"),
    ("59261-8", "Hemoglobina glucosilada (HbA1c, mmol/mol)", "mmol/mol"),
    ("2093-3", "Colesterol total", "mg/dL"),
    ("13457-7", "Colesterol LDL calculado", "mg/dL"),
    ("18262-6", "Colesterol LDL directo", "mg/dL"),
    ("2085-9", "Colesterol HDL", "mg/dL"),
    ("2571-8", "Triglicéridos", "mg/dL"),
    ("97507-8", "Glucosa media (MCG)", "mg/dL"),
    ("97506-0", "Indicador de manejo de glucosa (GMI)", "%"),
    ("104638-2", "Coeficiente de variación de glucosa", "%"),
    ("106793-3", "Panel de tiempo en rangos (MCG)", "%"),
    ("104642-4", "Tiempo en rango muy bajo", "%"),
    ("104641-6", "Tiempo en rango bajo", "%"),
    ("97510-2", "Tiempo en rango objetivo", "%"),
    ("104640-8", "Tiempo en rango alto", "%"),
    ("104639-0", "Tiempo en rango muy alto", "%"),
    ("104636-6", "Días de uso del sensor", "d"),
    ("104637-4", "Porcentaje de tiempo con sensor activo", "%"),
)

# UCUM code -> Spanish display (units of the observations and of medicine strengths)
UNITS: dict[str, str] = {
    "mm[Hg]": "milímetros de mercurio",
    "/min": "por minuto",
    "%": "por ciento",
    "Cel": "grados Celsius",
    "kg": "kilogramo",
    "cm": "centímetro",
    "kg/m2": "kilogramo por metro cuadrado",
    "mg/dL": "miligramos por decilitro",
    "mmol/L": "milimoles por litro",
    "mmol/mol": "milimoles por mol",
    "d": "día",
    "mg": "miligramo",
    "ug": "microgramo",
    "[iU]": "unidad internacional",
    "mL": "mililitro",
}

# code -> Spanish display: Enlace's own dose forms (a small, stable list the formulary uses)
DOSE_FORMS: dict[str, str] = {
    "tab": "Tableta",
    "tab-lp": "Tableta de liberación prolongada",
    "cap": "Cápsula",
    "inh-cap": "Cápsula con polvo para inhalar",
    "inh-aer": "Suspensión en aerosol para inhalación",
    "inh-pow": "Polvo para inhalación",
    "iny-frasco": "Solución inyectable en frasco ámpula",
    "iny-pluma": "Solución inyectable en pluma precargada",
    "iny-jeringa": "Solución inyectable en jeringa prellenada",
}

# code -> Spanish display: kinds of facility in the network
FACILITY_TYPES: dict[str, str] = {
    "clinic-l1": "Unidad de primer nivel (consulta externa)",
    "hospital-l2": "Hospital de segundo nivel",
    "hospital-l3": "Hospital de tercer nivel (alta especialidad)",
    "pharmacy": "Farmacia",
    "laboratory": "Laboratorio clínico",
    "distribution-center": "Centro de distribución",
}
