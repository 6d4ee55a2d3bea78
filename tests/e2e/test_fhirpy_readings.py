"""Device readings read back as FHIR Observations by a real client (fhirpy) from a live server on
both stores: a CGM registered with `enlace devices add`, readings sent over HTTP as the device,
then searched (code, date, paging through every next link) merged with a stored lab result, and
read by id."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta

import httpx
from fhirpy import SyncFHIRClient

from tests.e2e.conftest import VENV_BIN, LoginServer

PATIENT = "pcgm"
FIVE_MIN = timedelta(minutes=5)


def _device(server: LoginServer) -> tuple[str, str]:
    done = subprocess.run(
        [str(VENV_BIN / "enlace"), "devices", "add", "--patient", PATIENT, "--kind", "cgm"],
        env=server.env,
        capture_output=True,
        text=True,
        check=True,
    )
    device = re.search(r"device\s+(\S+)", done.stdout)
    key = re.search(r"key\s+(\S+)", done.stdout)
    assert device and key, done.stdout
    return device.group(1), key.group(1)


def test_readings_through_fhirpy(login_server: LoginServer) -> None:
    fhir = f"{login_server.base}/fhir"
    patient = {"resourceType": "Patient", "id": PATIENT, "name": [{"family": "Glucosa"}]}
    assert httpx.put(f"{fhir}/Patient/{PATIENT}", json=patient).status_code in (200, 201)
    start = (datetime.now(UTC) - timedelta(hours=6)).replace(microsecond=0)
    lab = {
        "resourceType": "Observation",
        "id": "a1c",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
        "subject": {"reference": f"Patient/{PATIENT}"},
        "effectiveDateTime": (start + 10 * FIVE_MIN + timedelta(minutes=1)).isoformat(),
        "valueQuantity": {"value": 7.2, "unit": "%"},
    }
    assert httpx.put(f"{fhir}/Observation/a1c", json=lab).status_code in (200, 201)
    device, key = _device(login_server)
    readings = [
        {
            "code": "99504-3",
            "value": 100 + i,
            "unit": "mg/dL",
            "time": (start + i * FIVE_MIN).isoformat(),
        }
        for i in range(30)
    ]
    sent = httpx.post(
        f"{login_server.base}/devices/{device}/readings",
        json={"readings": readings},
        headers={"Authorization": f"Device {key}"},
    )
    assert sent.status_code in (200, 201, 202), sent.text

    client = SyncFHIRClient(fhir)
    found = (
        client.resources("Observation")
        .search(patient=PATIENT, code="http://loinc.org|99504-3,http://loinc.org|4548-4")
        .sort("-date")
        .limit(7)
        .fetch_all()
    )
    ids = [o["id"] for o in found]
    assert len(ids) == 31 and len(set(ids)) == 31  # 30 readings + the lab, over 5 pages
    assert ids.index("a1c") == 30 - 11  # between the 11th and 12th reading, newest first
    values = [o["valueQuantity"]["value"] for o in found if o["id"] != "a1c"]
    assert values == sorted(values, reverse=True)
    assert found[0]["device"]["reference"] == f"Device/{device}"

    later = (start + 20 * FIVE_MIN).isoformat().replace("+00:00", "Z")
    recent = client.resources("Observation").search(
        patient=PATIENT, code="99504-3", date=f"ge{later}"
    )
    assert len(recent.limit(100).fetch()) == 10

    assert client.resources("Observation").search(patient=PATIENT).count() == 31

    one = client.reference("Observation", ids[0]).to_resource()
    assert one["id"] == ids[0] and one["subject"]["reference"] == f"Patient/{PATIENT}"
