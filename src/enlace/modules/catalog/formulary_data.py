"""The formulary: real WHO ATC codes, synthetic GTINs and synthetic reference prices.

Prices are plausible pack prices in MXN centavos, not quotes from any supplier. Compendio Nacional de
Insumos (CNIS) keys are given only for six first-level medicines, written from memory of the CNIS
and not yet checked against its current edition; the others are left empty rather than guessed
(docs/catalogs.md).
"""

from __future__ import annotations

from dataclasses import replace

from enlace.modules.catalog.domain import ColdChain, Ingredient, Medicine

FRIDGE = ColdChain(2.0, 8.0)  # WHO/label range for biologics and insulins before opening


def _i(
    name: str, amount: float, unit: str = "mg", per: float = 1, per_unit: str = "{tbl}"
) -> Ingredient:
    return Ingredient(name, amount, unit, per, per_unit)


def _cap(name: str, amount: float, unit: str = "mg") -> Ingredient:
    return Ingredient(name, amount, unit, 1, "{cap}")


def _ml(name: str, amount: float, unit: str = "mg", per: float = 1) -> Ingredient:
    return Ingredient(name, amount, unit, per, "mL")


def _puff(name: str, amount: float) -> Ingredient:
    return Ingredient(name, amount, "ug", 1, "{puff}")


M = Medicine
# One medicine per line reads as a table; the formatter would spread each over ten lines.
# fmt: off
_ENTRIES: tuple[Medicine, ...] = (
    # -- type 2 diabetes -------------------------------------------------------------------
    M("metformin-850-tab", "A10BA02", "Metformina 850 mg tableta", "tab", (_i("metformina", 850),), 30, "tabletas", 4_500, "diabetes", cnis="010.000.5165.00"),
    M("metformin-500-tab", "A10BA02", "Metformina 500 mg tableta", "tab", (_i("metformina", 500),), 30, "tabletas", 3_200, "diabetes"),
    M("glibenclamide-5-tab", "A10BB01", "Glibenclamida 5 mg tableta", "tab", (_i("glibenclamida", 5),), 50, "tabletas", 3_800, "diabetes", cnis="010.000.1042.00"),
    M("glimepiride-2-tab", "A10BB12", "Glimepirida 2 mg tableta", "tab", (_i("glimepirida", 2),), 30, "tabletas", 9_500, "diabetes"),
    M("pioglitazone-30-tab", "A10BG03", "Pioglitazona 30 mg tableta", "tab", (_i("pioglitazona", 30),), 28, "tabletas", 18_000, "diabetes"),
    M("acarbose-50-tab", "A10BF01", "Acarbosa 50 mg tableta", "tab", (_i("acarbosa", 50),), 30, "tabletas", 21_000, "diabetes"),
    M("sitagliptin-100-tab", "A10BH01", "Sitagliptina 100 mg tableta", "tab", (_i("sitagliptina", 100),), 28, "tabletas", 62_000, "diabetes"),
    M("linagliptin-5-tab", "A10BH05", "Linagliptina 5 mg tableta", "tab", (_i("linagliptina", 5),), 30, "tabletas", 68_000, "diabetes"),
    M("sitagliptin-metformin-50-850-tab", "A10BD07", "Sitagliptina/metformina 50 mg/850 mg tableta", "tab", (_i("sitagliptina", 50), _i("metformina", 850)), 56, "tabletas", 74_000, "diabetes"),
    M("dapagliflozin-10-tab", "A10BK01", "Dapagliflozina 10 mg tableta", "tab", (_i("dapagliflozina", 10),), 28, "tabletas", 71_000, "diabetes"),
    M("empagliflozin-25-tab", "A10BK03", "Empagliflozina 25 mg tableta", "tab", (_i("empagliflozina", 25),), 30, "tabletas", 79_000, "diabetes"),
    M("insulin-nph-100-vial", "A10AC01", "Insulina humana isófana (NPH) 100 UI/mL frasco ámpula 10 mL", "iny-frasco", (_ml("insulina humana isófana", 100, "[iU]"),), 1, "frasco ámpula", 19_500, "diabetes", FRIDGE, "010.000.1050.00"),
    M("insulin-regular-100-vial", "A10AB01", "Insulina humana regular 100 UI/mL frasco ámpula 10 mL", "iny-frasco", (_ml("insulina humana", 100, "[iU]"),), 1, "frasco ámpula", 19_000, "diabetes", FRIDGE, "010.000.1051.00"),
    M("insulin-glargine-100-pen", "A10AE04", "Insulina glargina 100 UI/mL pluma precargada 3 mL", "iny-pluma", (_ml("insulina glargina", 100, "[iU]"),), 5, "plumas", 145_000, "diabetes", FRIDGE),
    M("insulin-lispro-100-pen", "A10AB04", "Insulina lispro 100 UI/mL pluma precargada 3 mL", "iny-pluma", (_ml("insulina lispro", 100, "[iU]"),), 5, "plumas", 132_000, "diabetes", FRIDGE),
    M("liraglutide-6-pen", "A10BJ02", "Liraglutida 6 mg/mL pluma precargada 3 mL", "iny-pluma", (_ml("liraglutida", 6),), 2, "plumas", 298_000, "diabetes", FRIDGE),
    M("dulaglutide-1.5-pen", "A10BJ05", "Dulaglutida 1.5 mg/0.5 mL pluma precargada", "iny-pluma", (_ml("dulaglutida", 1.5, per=0.5),), 4, "plumas", 285_000, "diabetes", FRIDGE),
    # -- hypertension ----------------------------------------------------------------------
    M("losartan-50-tab", "C09CA01", "Losartán 50 mg tableta", "tab", (_i("losartán", 50),), 30, "tabletas", 5_200, "hypertension", cnis="010.000.2520.00"),
    M("losartan-hctz-50-12.5-tab", "C09DA01", "Losartán/hidroclorotiazida 50 mg/12.5 mg tableta", "tab", (_i("losartán", 50), _i("hidroclorotiazida", 12.5)), 30, "tabletas", 9_800, "hypertension"),
    M("enalapril-10-tab", "C09AA02", "Enalapril 10 mg tableta", "tab", (_i("enalapril", 10),), 30, "tabletas", 2_900, "hypertension", cnis="010.000.2501.00"),
    M("captopril-25-tab", "C09AA01", "Captopril 25 mg tableta", "tab", (_i("captopril", 25),), 30, "tabletas", 2_600, "hypertension"),
    M("amlodipine-5-tab", "C08CA01", "Amlodipino 5 mg tableta", "tab", (_i("amlodipino", 5),), 30, "tabletas", 3_900, "hypertension"),
    M("nifedipine-30-tab-pr", "C08CA05", "Nifedipino 30 mg tableta de liberación prolongada", "tab-lp", (_i("nifedipino", 30),), 30, "tabletas", 12_500, "hypertension"),
    M("chlorthalidone-50-tab", "C03BA04", "Clortalidona 50 mg tableta", "tab", (_i("clortalidona", 50),), 20, "tabletas", 4_100, "hypertension"),
    M("hydrochlorothiazide-25-tab", "C03AA03", "Hidroclorotiazida 25 mg tableta", "tab", (_i("hidroclorotiazida", 25),), 20, "tabletas", 2_200, "hypertension"),
    M("telmisartan-40-tab", "C09CA07", "Telmisartán 40 mg tableta", "tab", (_i("telmisartán", 40),), 30, "tabletas", 14_500, "hypertension"),
    M("valsartan-160-tab", "C09CA03", "Valsartán 160 mg tableta", "tab", (_i("valsartán", 160),), 30, "tabletas", 16_000, "hypertension"),
    M("metoprolol-100-tab", "C07AB02", "Metoprolol 100 mg tableta", "tab", (_i("metoprolol tartrato", 100),), 20, "tabletas", 3_500, "hypertension"),
    # -- HIV antiretrovirals ---------------------------------------------------------------
    M("bic-ftc-taf-tab", "J05AR20", "Bictegravir/emtricitabina/tenofovir alafenamida 50/200/25 mg tableta", "tab", (_i("bictegravir", 50), _i("emtricitabina", 200), _i("tenofovir alafenamida", 25)), 30, "tabletas", 780_000, "hiv"),
    M("dolutegravir-50-tab", "J05AJ03", "Dolutegravir 50 mg tableta", "tab", (_i("dolutegravir", 50),), 30, "tabletas", 310_000, "hiv"),
    M("dtg-3tc-tab", "J05AR25", "Dolutegravir/lamivudina 50 mg/300 mg tableta", "tab", (_i("dolutegravir", 50), _i("lamivudina", 300)), 30, "tabletas", 520_000, "hiv"),
    M("abc-3tc-dtg-tab", "J05AR13", "Abacavir/lamivudina/dolutegravir 600/300/50 mg tableta", "tab", (_i("abacavir", 600), _i("lamivudina", 300), _i("dolutegravir", 50)), 30, "tabletas", 560_000, "hiv"),
    M("tdf-ftc-tab", "J05AR03", "Tenofovir disoproxilo/emtricitabina 300 mg/200 mg tableta", "tab", (_i("tenofovir disoproxilo", 300), _i("emtricitabina", 200)), 30, "tabletas", 95_000, "hiv"),
    M("efv-ftc-tdf-tab", "J05AR06", "Efavirenz/emtricitabina/tenofovir disoproxilo 600/200/300 mg tableta", "tab", (_i("efavirenz", 600), _i("emtricitabina", 200), _i("tenofovir disoproxilo", 300)), 30, "tabletas", 120_000, "hiv"),
    M("drv-cobi-tab", "J05AR14", "Darunavir/cobicistat 800 mg/150 mg tableta", "tab", (_i("darunavir", 800), _i("cobicistat", 150)), 30, "tabletas", 410_000, "hiv"),
    M("raltegravir-400-tab", "J05AJ01", "Raltegravir 400 mg tableta", "tab", (_i("raltegravir", 400),), 60, "tabletas", 360_000, "hiv"),
    M("cotrimoxazole-160-800-tab", "J01EE01", "Trimetoprima/sulfametoxazol 160 mg/800 mg tableta", "tab", (_i("trimetoprima", 160), _i("sulfametoxazol", 800)), 20, "tabletas", 4_800, "hiv"),
    # -- rheumatoid arthritis --------------------------------------------------------------
    M("adalimumab-40-syringe", "L04AB04", "Adalimumab 40 mg/0.4 mL jeringa prellenada", "iny-jeringa", (_ml("adalimumab", 40, per=0.4),), 2, "jeringas", 1_450_000, "rheumatoid-arthritis", FRIDGE),
    M("etanercept-50-syringe", "L04AB01", "Etanercept 50 mg/mL jeringa prellenada", "iny-jeringa", (_ml("etanercept", 50),), 4, "jeringas", 1_320_000, "rheumatoid-arthritis", FRIDGE),
    M("tocilizumab-162-syringe", "L04AC07", "Tocilizumab 162 mg/0.9 mL jeringa prellenada", "iny-jeringa", (_ml("tocilizumab", 162, per=0.9),), 4, "jeringas", 1_180_000, "rheumatoid-arthritis", FRIDGE),
    M("tocilizumab-80-vial", "L04AC07", "Tocilizumab 80 mg/4 mL solución para infusión frasco ámpula", "iny-frasco", (_ml("tocilizumab", 80, per=4),), 1, "frasco ámpula", 310_000, "rheumatoid-arthritis", FRIDGE),
    M("certolizumab-200-syringe", "L04AB05", "Certolizumab pegol 200 mg/mL jeringa prellenada", "iny-jeringa", (_ml("certolizumab pegol", 200),), 2, "jeringas", 1_050_000, "rheumatoid-arthritis", FRIDGE),
    M("rituximab-500-vial", "L01FA01", "Rituximab 500 mg/50 mL solución para infusión frasco ámpula", "iny-frasco", (_ml("rituximab", 500, per=50),), 1, "frasco ámpula", 2_150_000, "rheumatoid-arthritis", FRIDGE),
    M("methotrexate-2.5-tab", "L04AX03", "Metotrexato 2.5 mg tableta", "tab", (_i("metotrexato", 2.5),), 50, "tabletas", 9_000, "rheumatoid-arthritis"),
    M("hydroxychloroquine-200-tab", "P01BA02", "Hidroxicloroquina 200 mg tableta", "tab", (_i("hidroxicloroquina", 200),), 20, "tabletas", 27_000, "rheumatoid-arthritis"),
    M("sulfasalazine-500-tab", "A07EC01", "Sulfasalazina 500 mg tableta", "tab", (_i("sulfasalazina", 500),), 60, "tabletas", 23_000, "rheumatoid-arthritis"),
    M("folic-acid-5-tab", "B03BB01", "Ácido fólico 5 mg tableta", "tab", (_i("ácido fólico", 5),), 20, "tabletas", 1_500, "rheumatoid-arthritis"),
    M("prednisone-5-tab", "H02AB07", "Prednisona 5 mg tableta", "tab", (_i("prednisona", 5),), 20, "tabletas", 2_400, "rheumatoid-arthritis"),
    # -- oral oncology ---------------------------------------------------------------------
    M("capecitabine-500-tab", "L01BC06", "Capecitabina 500 mg tableta", "tab", (_i("capecitabina", 500),), 120, "tabletas", 890_000, "cancer"),
    M("imatinib-400-tab", "L01EA01", "Imatinib 400 mg tableta", "tab", (_i("imatinib", 400),), 30, "tabletas", 1_650_000, "cancer"),
    M("abiraterone-250-tab", "L02BX03", "Abiraterona 250 mg tableta", "tab", (_i("acetato de abiraterona", 250),), 120, "tabletas", 1_980_000, "cancer"),
    M("enzalutamide-40-cap", "L02BB04", "Enzalutamida 40 mg cápsula", "cap", (_cap("enzalutamida", 40),), 112, "cápsulas", 4_200_000, "cancer"),
    M("bicalutamide-50-tab", "L02BB03", "Bicalutamida 50 mg tableta", "tab", (_i("bicalutamida", 50),), 28, "tabletas", 98_000, "cancer"),
    M("tamoxifen-20-tab", "L02BA01", "Tamoxifeno 20 mg tableta", "tab", (_i("tamoxifeno", 20),), 30, "tabletas", 14_000, "cancer"),
    M("anastrozole-1-tab", "L02BG03", "Anastrozol 1 mg tableta", "tab", (_i("anastrozol", 1),), 28, "tabletas", 38_000, "cancer"),
    M("letrozole-2.5-tab", "L02BG04", "Letrozol 2.5 mg tableta", "tab", (_i("letrozol", 2.5),), 30, "tabletas", 42_000, "cancer"),
    M("temozolomide-100-cap", "L01AX03", "Temozolomida 100 mg cápsula", "cap", (_cap("temozolomida", 100),), 5, "cápsulas", 520_000, "cancer"),
    M("erlotinib-150-tab", "L01EB02", "Erlotinib 150 mg tableta", "tab", (_i("erlotinib", 150),), 30, "tabletas", 2_400_000, "cancer"),
    M("ondansetron-8-tab", "A04AA01", "Ondansetrón 8 mg tableta", "tab", (_i("ondansetrón", 8),), 10, "tabletas", 11_000, "cancer"),
    # -- COPD ------------------------------------------------------------------------------
    M("tiotropium-18-inhcap", "R03BB04", "Tiotropio 18 µg cápsula con polvo para inhalar", "inh-cap", (_cap("tiotropio", 18, "ug"),), 30, "cápsulas", 98_000, "copd"),
    M("salbutamol-100-inhaler", "R03AC02", "Salbutamol 100 µg/dosis suspensión en aerosol 200 dosis", "inh-aer", (_puff("salbutamol", 100),), 1, "inhalador", 9_500, "copd"),
    M("ipratropium-20-inhaler", "R03BB01", "Ipratropio 20 µg/dosis suspensión en aerosol 200 dosis", "inh-aer", (_puff("bromuro de ipratropio", 20),), 1, "inhalador", 21_000, "copd"),
    M("budesonide-formoterol-160-4.5-inh", "R03AK07", "Budesonida/formoterol 160/4.5 µg/dosis polvo para inhalar 120 dosis", "inh-pow", (_puff("budesonida", 160), _puff("formoterol", 4.5)), 1, "inhalador", 64_000, "copd"),
    M("fluticasone-salmeterol-250-50-inh", "R03AK06", "Fluticasona/salmeterol 250/50 µg/dosis polvo para inhalar 60 dosis", "inh-pow", (_puff("fluticasona", 250), _puff("salmeterol", 50)), 1, "inhalador", 72_000, "copd"),
    # -- heart failure ---------------------------------------------------------------------
    M("furosemide-40-tab", "C03CA01", "Furosemida 40 mg tableta", "tab", (_i("furosemida", 40),), 20, "tabletas", 2_300, "heart-failure"),
    M("spironolactone-25-tab", "C03DA01", "Espironolactona 25 mg tableta", "tab", (_i("espironolactona", 25),), 20, "tabletas", 4_200, "heart-failure"),
    M("sacubitril-valsartan-97-103-tab", "C09DX04", "Sacubitrilo/valsartán 97 mg/103 mg tableta", "tab", (_i("sacubitrilo", 97), _i("valsartán", 103)), 56, "tabletas", 235_000, "heart-failure"),
    M("carvedilol-25-tab", "C07AG02", "Carvedilol 25 mg tableta", "tab", (_i("carvedilol", 25),), 30, "tabletas", 8_900, "heart-failure"),
    M("bisoprolol-5-tab", "C07AB07", "Bisoprolol 5 mg tableta", "tab", (_i("bisoprolol", 5),), 30, "tabletas", 11_500, "heart-failure"),
    M("digoxin-0.25-tab", "C01AA05", "Digoxina 0.25 mg tableta", "tab", (_i("digoxina", 0.25),), 20, "tabletas", 3_100, "heart-failure"),
    # -- lipids and cardiovascular prevention ----------------------------------------------
    M("atorvastatin-20-tab", "C10AA05", "Atorvastatina 20 mg tableta", "tab", (_i("atorvastatina", 20),), 30, "tabletas", 6_800, "dyslipidemia"),
    M("simvastatin-20-tab", "C10AA01", "Simvastatina 20 mg tableta", "tab", (_i("simvastatina", 20),), 30, "tabletas", 4_900, "dyslipidemia"),
    M("rosuvastatin-20-tab", "C10AA07", "Rosuvastatina 20 mg tableta", "tab", (_i("rosuvastatina", 20),), 30, "tabletas", 16_500, "dyslipidemia"),
    M("pravastatin-20-tab", "C10AA03", "Pravastatina 20 mg tableta", "tab", (_i("pravastatina", 20),), 30, "tabletas", 9_700, "dyslipidemia"),
    M("ezetimibe-10-tab", "C10AX09", "Ezetimiba 10 mg tableta", "tab", (_i("ezetimiba", 10),), 30, "tabletas", 24_000, "dyslipidemia"),
    M("bezafibrate-200-tab", "C10AB02", "Bezafibrato 200 mg tableta", "tab", (_i("bezafibrato", 200),), 30, "tabletas", 8_400, "dyslipidemia"),
    M("aspirin-100-tab", "B01AC06", "Ácido acetilsalicílico 100 mg tableta", "tab", (_i("ácido acetilsalicílico", 100),), 30, "tabletas", 2_100, "dyslipidemia"),
    M("clopidogrel-75-tab", "B01AC04", "Clopidogrel 75 mg tableta", "tab", (_i("clopidogrel", 75),), 28, "tabletas", 9_900, "dyslipidemia"),
)
# fmt: on

# The GTIN item number is the position in this tuple, so new medicines go at its end (in any
# section's group): inserting one in the middle would change the GTINs of the packs after it.
MEDICINES: tuple[Medicine, ...] = tuple(
    replace(medicine, item=number) for number, medicine in enumerate(_ENTRIES, start=1)
)
