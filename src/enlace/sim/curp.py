"""Format-valid synthetic CURP (Clave Única de Registro de Población).

Structure (RENAPO, Instructivo normativo para la asignación de la CURP): 4 letters from the
names, birth date YYMMDD, sex (H/M), birth state (2 letters), the first internal consonant of
each surname and of the given name, a homonym character (0-9 for births before 2000, A-Z from
2000 on) and a check digit. The keys we build are synthetic: nothing ties them to a real person,
and the identifier system marks them so (population.CURP_SYSTEM).
"""

from __future__ import annotations

import unicodedata
from datetime import date

# The check digit's alphabet: each character's value is its position (RENAPO, includes Ñ).
ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
VOWELS = "AEIOU"
# Given names skipped when the person has a second one (RENAPO rule for compound names).
SKIPPED_GIVEN = {"MARIA", "MA", "MA.", "JOSE", "J", "J."}
# Particles skipped in compound names ("De la Cruz" keys as CRUZ).
PARTICLES = {"DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LAS", "LE", "LES",
             "LOS", "MAC", "MC", "VAN", "VON", "Y"}  # fmt: skip
# Four-letter words RENAPO replaces by changing the second letter to X (a subset of its list).
INCONVENIENT = {
    "BACA", "BAKA", "BUEI", "BUEY", "CACA", "CACO", "CAGA", "CAGO", "CAKA", "CAKO", "COGE",
    "COGI", "COJA", "COJE", "COJI", "COJO", "COLA", "CULO", "FALO", "FETO", "GETA", "GUEI",
    "GUEY", "JETA", "JOTO", "KACA", "KACO", "KAGA", "KAGO", "KAKA", "KAKO", "KOGE", "KOGI",
    "KOJA", "KOJE", "KOJI", "KOJO", "KOLA", "KULO", "LILO", "LOCA", "LOCO", "LOKA", "LOKO",
    "MAME", "MAMO", "MEAR", "MEAS", "MEON", "MIAR", "MION", "MOCO", "MOKO", "MULA", "MULO",
    "NACA", "NACO", "PEDA", "PEDO", "PENE", "PIPI", "PITO", "POPO", "PUTA", "PUTO", "QULO",
    "RATA", "ROBA", "ROBE", "ROBO", "RUIN", "SENO", "TETA", "VACA", "VAGA", "VAGO", "VAKA",
    "VUEI", "VUEY", "WUEI", "WUEY",
}  # fmt: skip


def _plain(text: str) -> str:
    """Upper case without accents; Ñ becomes X inside the key (RENAPO)."""
    text = text.upper().replace("Ñ", "X")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if "A" <= c <= "Z" or c == " ")


def _first_word(name: str) -> str:
    words = [w for w in _plain(name).split() if w not in PARTICLES] or ["X"]
    if len(words) > 1 and words[0] in SKIPPED_GIVEN:
        return words[1]
    return words[0]


def _internal_vowel(word: str) -> str:
    return next((c for c in word[1:] if c in VOWELS), "X")


def _internal_consonant(word: str) -> str:
    return next((c for c in word[1:] if c not in VOWELS), "X")


def check_digit(first17: str) -> str:
    """The 18th character: sum of value x (18 - position) over the first 17, mod 10."""
    total = sum(ALPHABET.index(c) * (18 - i) for i, c in enumerate(first17))
    return str((10 - total % 10) % 10)


def is_valid(curp: str) -> bool:
    """Format and check digit (no claim that RENAPO issued it)."""
    if len(curp) != 18 or any(c not in ALPHABET for c in curp):
        return False
    letters, digits = curp[:4] + curp[11:16], curp[4:10]
    if not letters.isalpha() or not digits.isdigit() or curp[10] not in "HM":
        return False
    return curp[17] == check_digit(curp[:17])


def build(
    given: str, paternal: str, maternal: str, birth: date, sex: str, state: str, homonym: int
) -> str:
    """sex 'male'/'female'; state the RENAPO two-letter code; homonym 0-9 (before 2000) or 0-25."""
    first, last1, last2 = _first_word(given), _first_word(paternal), _first_word(maternal)
    head = last1[0] + _internal_vowel(last1) + (last2[0] if last2 else "X") + first[0]
    if head in INCONVENIENT:
        head = head[0] + "X" + head[2:]
    consonants = (
        _internal_consonant(last1)
        + (_internal_consonant(last2) if last2 else "X")
        + _internal_consonant(first)
    )
    mark = str(homonym % 10) if birth.year < 2000 else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[homonym % 26]
    body = (
        head
        + birth.strftime("%y%m%d")
        + ("H" if sex == "male" else "M")
        + state
        + consonants
        + mark
    )
    return body + check_digit(body)
