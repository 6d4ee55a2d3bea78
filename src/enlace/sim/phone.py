"""A simulated phone (issue 16): a patient or caregiver who reads the messages the platform sent
(var/outbox.ndjson, the file adapter's lines) and answers like a person would, over HTTP to
POST /messaging/sms/inbound, signed as the gateway.

`Persona` is the person behind the number: how often they answer at all (`responsiveness`, a
latent trait), how often they mistype (dropped accents, lower case, a stray letter) and how
often they write something no parser should read ("ok gracias"). `answer_to` is the pure
decision (the scenario driver's engagement actor uses it too); `SimulatedPhone` is the device:
it follows the outbox file and posts the answers.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from enlace.modules.messaging import gateway

CHATTER = ("ok gracias", "👍", "quien es?", "gracias doctora", "mañana le digo")


@dataclass(frozen=True, slots=True)
class Persona:
    number: str  # E.164, as the platform has it
    responsiveness: float = 0.8  # chance of answering a reminder at all
    typo_rate: float = 0.1
    chatter_rate: float = 0.05  # an answer nobody can parse
    adherence: float = 0.8  # chance a reminded dose was taken
    glucose: float = 150.0  # the person's usual capillary glucose, mg/dL
    glucose_spread: float = 30.0


def answer_to(text: str, template: str, persona: Persona, rng: random.Random) -> str | None:
    """What the person writes back to a message (None: they do not answer)."""
    if template == "sms-reply":
        return _follow_up(text, persona, rng)
    if template in ("opt-out-confirmation",) or rng.random() >= persona.responsiveness:
        return None
    if rng.random() < persona.chatter_rate:
        return rng.choice(CHATTER)
    if template == "dose-reminder":
        said = "TOMÉ" if rng.random() < persona.adherence else "NO"
    elif template == "reading-reminder":
        said = f"GLU {max(40, round(rng.gauss(persona.glucose, persona.glucose_spread)))}"
    elif template in ("refill-reminder", "copay-assistance"):
        said = "AYUDA" if rng.random() < 0.1 else "CITA"
    else:
        return None
    return typo(said, persona, rng)


def _follow_up(text: str, persona: Persona, rng: random.Random) -> str | None:
    """Answers to the platform's questions: confirm a unit, say why a dose was missed, re-send
    a reading asked for again."""
    if "Responde SI" in text:
        return "SI"
    if "NO 1" in text:  # why was the dose missed?
        return f"NO {rng.choice('1123')}"
    if "No entendimos" in text and rng.random() < persona.responsiveness:
        return typo(f"GLU {round(persona.glucose)}", persona, rng)
    return None


def typo(said: str, persona: Persona, rng: random.Random) -> str:
    if rng.random() >= persona.typo_rate:
        return said
    kind = rng.randrange(3)
    if kind == 0:
        return said.lower()
    if kind == 1:
        return said.replace("É", "E").replace("Í", "I").lower().capitalize()
    return said + rng.choice(" .!")


@dataclass
class SimulatedPhone:
    """Phones of several personas, following one outbox file and posting to one server."""

    base_url: str  # http://host:port (no /fhir)
    outbox: Path
    secret: str
    personas: dict[str, Persona] = field(default_factory=dict)
    seed: int = 7
    _offset: int = 0
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def add(self, persona: Persona) -> None:
        self.personas[persona.number] = persona

    def received(self) -> list[dict[str, Any]]:
        """The messages delivered to these phones since the last call."""
        if not self.outbox.exists():
            return []
        with self.outbox.open("rb") as stream:
            stream.seek(self._offset)
            data = stream.read()
        complete = data[: data.rfind(b"\n") + 1]  # a line being written waits for the next call
        self._offset += len(complete)
        lines = [orjson.loads(line) for line in complete.splitlines() if line.strip()]
        return [m for m in lines if m.get("to") in self.personas]

    def send(self, number: str, text: str, message_id: str | None = None) -> httpx.Response:
        """Post one text as the gateway would (HMAC-signed form)."""
        gid = message_id or f"simphone-{self.seed}-{next(self._ids)}"
        body = urlencode({"from": number, "text": text, "id": gid}).encode()
        return httpx.post(
            f"{self.base_url}/messaging/sms/inbound",
            content=body,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                **gateway.signed_headers(self.secret, body, int(time.time())),
            },
            timeout=30,
        )

    def answer(self, message: dict[str, Any]) -> tuple[str, httpx.Response] | None:
        """Answer one delivered message as its persona would (None: they do not answer)."""
        persona = self.personas[message["to"]]
        rng = random.Random(f"{self.seed}:{message['id']}")
        said = answer_to(str(message["text"]), str(message["template"]), persona, rng)
        return None if said is None else (said, self.send(persona.number, said))

    def answer_all(self) -> list[tuple[str, str, httpx.Response]]:
        """Read what arrived and answer each message as its persona would."""
        sent = []
        for message in self.received():
            answered = self.answer(message)
            if answered is not None:
                sent.append((message["to"], *answered))
        return sent
