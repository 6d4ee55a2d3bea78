"""GS1 pack codes: round trips in every form, biip as the reference, and precise refusals."""

from __future__ import annotations

import re
from datetime import date

import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from hypothesis import given
from hypothesis import strategies as st

from enlace.modules.catalog import gs1_check_digit
from enlace.modules.trace.errors import Gs1Error
from enlace.modules.trace.gs1 import (
    GS,
    GS1Code,
    datamatrix_content,
    element_string,
    expiry_to_date,
    gs1_year,
    hri,
    parse_element_string,
    parse_hri,
    parse_scan,
)
from enlace.modules.trace.gs1_link import digital_link, parse_digital_link

YEAR = 2026
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
PACK = GS1Code(
    gtin="09501101530003",
    lot="AB-12/3",
    serial="SN0001%",
    expiry="271100",
    expiry_date=date(2027, 11, 30),
)


def gtins() -> st.SearchStrategy[str]:
    return st.from_regex(r"\A[0-9]{13}\Z").map(lambda body: body + str(gs1_check_digit(body)))


def expiries() -> st.SearchStrategy[str]:
    def yymmdd(day: date, end_of_month: bool) -> str:
        return f"{day:%y%m}" + ("00" if end_of_month else f"{day:%d}")

    return st.builds(yymmdd, st.dates(date(1977, 1, 1), date(2075, 12, 31)), st.booleans())


def texts() -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(CSET82), min_size=1, max_size=20)


@st.composite
def codes(draw: st.DrawFn) -> GS1Code:
    expiry = draw(st.none() | expiries())
    return GS1Code(
        gtin=draw(gtins()),
        lot=draw(st.none() | texts()),
        serial=draw(st.none() | texts()),
        expiry=expiry,
        expiry_date=expiry_to_date(expiry, YEAR) if expiry else None,
    )


def test_known_pack_in_every_form() -> None:
    assert (
        datamatrix_content(PACK) == "]d20109501101530003172711001" + "0AB-12/3" + GS + "21SN0001%"
    )
    assert hri(PACK) == "(01)09501101530003(17)271100(10)AB-12/3(21)SN0001%"
    assert (
        digital_link(PACK, "https://id.example")
        == "https://id.example/01/09501101530003/10/AB-12%2F3/21/SN0001%25?17=271100"
    )
    for form in (datamatrix_content(PACK), hri(PACK), digital_link(PACK)):
        assert parse_scan(form, reference_year=YEAR) == PACK
        assert parse_scan(form, reference_year=YEAR).expiry_date == date(2027, 11, 30)


@given(codes())
def test_round_trips(code: GS1Code) -> None:
    assert parse_element_string(element_string(code), reference_year=YEAR) == code
    assert parse_element_string(datamatrix_content(code), reference_year=YEAR) == code
    assert parse_digital_link(digital_link(code), reference_year=YEAR) == code
    if not re.search(r"\(\d{2,4}\)", (code.lot or "") + (code.serial or "")):
        assert parse_hri(hri(code), reference_year=YEAR) == code


@given(codes())
def test_biip_reads_what_we_write(code: GS1Code) -> None:
    ours = [("01", code.gtin), ("17", code.expiry), ("10", code.lot), ("21", code.serial)]
    want = [(ai, value) for ai, value in ours if value is not None]
    message = GS1Message.parse(element_string(code))
    assert [(e.ai.ai, e.value) for e in message.element_strings] == want
    link = GS1DigitalLinkURI.parse(digital_link(code))
    assert sorted((e.ai.ai, e.value) for e in link.element_strings) == sorted(want)


@given(codes())
def test_we_read_what_biip_writes(code: GS1Code) -> None:
    message = GS1Message.parse(element_string(code))
    assert parse_digital_link(message.as_gs1_digital_link_uri().as_uri(), reference_year=YEAR) == (
        code
    )
    assert parse_element_string(message.value, reference_year=YEAR) == code


def test_day_zero_is_the_end_of_the_month() -> None:
    assert expiry_to_date("240200", YEAR) == date(2024, 2, 29)
    assert expiry_to_date("250200", YEAR) == date(2025, 2, 28)
    assert expiry_to_date("251200", YEAR) == date(2025, 12, 31)


def test_century_window() -> None:
    assert gs1_year(76, 2026) == 2076
    assert gs1_year(77, 2026) == 1977
    assert gs1_year(99, 2051) == 2099
    assert gs1_year(0, 2051) == 2100


def test_other_ais_are_kept_through_biip() -> None:
    code = parse_scan("]d20109501101530003112501011727113010L1" + GS + "21S1", reference_year=YEAR)
    assert (code.gtin, code.lot, code.serial, code.expiry) == (
        "09501101530003",
        "L1",
        "S1",
        "271130",
    )
    assert code.extra == (("11", "250101"),)
    assert hri(code) == "(01)09501101530003(17)271130(11)250101(10)L1(21)S1"
    assert parse_hri(hri(code), reference_year=YEAR) == code


def test_digital_link_variants() -> None:
    base = "https://resolver.example/mx/01/9501101530003/10/L%2f1/21/S1?linkType=gs1:pip&17=271130"
    code = parse_digital_link(base, reference_year=YEAR)
    assert (code.gtin, code.lot, code.serial, code.expiry) == (
        "09501101530003",
        "L/1",
        "S1",
        "271130",
    )
    short = parse_digital_link("https://x.example/gtin/09501101530003/ser/S1", reference_year=YEAR)
    assert (short.gtin, short.serial, short.lot) == ("09501101530003", "S1", None)


@pytest.mark.parametrize(
    ("text", "code", "names"),
    [
        ("", "empty", ""),
        ("]d1010950110153000321S1", "not-gs1-symbology", "]d1"),
        ("0109501101530004", "bad-check-digit", "position 0: AI (01)"),
        ("01095011015300", "bad-length", "AI (01)"),
        ("0109501101530003172702", "bad-length", "position 16: AI (17)"),
        ("010950110153000317270230", "bad-date", "position 16: AI (17)"),
        ("010950110153000317271301", "bad-date", "month 13"),
        ("01095011015300031727113010", "bad-length", "position 24: AI (10) is empty"),
        ("0109501101530003211234567890123456789012", "bad-length", "at most 20"),
        ("010950110153000310ABC" + GS + "21A B", "bad-character", "AI (21) has ' '"),
        ("010950110153000310ÁBC", "bad-character", "AI (10)"),
        ("0109501101530003 21ab", "bad-ai", "position 16"),
        ("010950110153000310A" + GS + "10B", "duplicate-ai", "AI (10) appears twice"),
        ("10ABC" + GS + "21S1", "missing-gtin", "(01)"),
        ("010950110153000323X", "unparseable", ""),
        ("(01)09501101530003(17)270231", "bad-date", "AI (17)"),
        ("(1)09501101530003", "bad-hri", ""),
        ("https://x.example/01/09501101530003/21/a/10/b", "qualifier-order", "(10)"),
        ("https://x.example/01/09501101530003/21/a%2", "bad-percent-encoding", "(21)"),
        ("https://x.example/01/09501101530003/21/%C3%A9", "bad-character", ""),
        ("https://x.example/01/09501101530003/22/v/21/s", "unsupported-ai", "(22)"),
        ("https://x.example/01/09501101530003/21/s?11=250101", "unsupported-ai", "(11)"),
        ("https://x.example/01/0950110153/21/s", "bad-length", "GTIN"),
        ("https://x.example/21/s", "missing-gtin", ""),
        ("ftp://x.example/01/09501101530003", "bad-uri", ""),
    ],
)
def test_refusals_are_precise(text: str, code: str, names: str) -> None:
    with pytest.raises(Gs1Error) as caught:
        parse_scan(text, reference_year=YEAR)
    assert caught.value.code == code
    assert names in caught.value.message


@given(st.one_of(st.text(), st.text(st.sampled_from(CSET82 + GS + "()]d2/?=&% :")).map(str)))
def test_any_input_parses_or_is_refused_with_a_reason(text: str) -> None:
    for candidate in (
        text,
        "01" + text,
        "]d2" + text,
        "(01)" + text,
        "https://x.example/01/" + text,
    ):
        try:
            parse_scan(candidate, reference_year=YEAR)
        except Gs1Error as error:
            assert error.code and error.message
