"""Plain-language reports map to MedDRA preferred terms (whole words, accents ignored)."""

from __future__ import annotations

import pytest

from enlace.modules.vigilance import map_plain_language
from enlace.sim.actors.vigilance import EVENTS


@pytest.mark.parametrize(
    ("words", "code"),
    [
        ("Desde ayer tengo NÁUSEA", "10028813"),
        ("me salieron ronchas en los brazos", "10046735"),
        ("una tos seca que no se quita", "10011224"),
        ("se me hincharon... labios hinchados", "10002424"),
        ("I have a headache", "10019211"),
    ],
)
def test_phrases_map_to_meddra(words: str, code: str) -> None:
    assert map_plain_language(words).code == code


def test_no_match_inside_other_words_and_text_kept() -> None:
    got = map_plain_language("muchos gastos y me siento rara")
    assert got.code is None
    assert got.text == "muchos gastos y me siento rara"


def test_every_simulated_patient_phrase_maps_to_its_own_code() -> None:
    # the simulator's patients and clinicians must land on the same event key
    for code, _term, words, _share in EVENTS:
        assert map_plain_language(words).code == code, words
