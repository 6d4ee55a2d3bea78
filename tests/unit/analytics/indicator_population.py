"""Hand-made populations for the indicator tests: rows written straight into the tables the
materialized views would hold (frame.NEEDED's columns), in an in-memory DuckDB."""

from __future__ import annotations

from typing import Any

import duckdb

from enlace.modules.analytics.indicators import frame


class Population:
    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        frame.ensure_tables(self.con)
        self._seq = 0

    def _insert(self, table: str, **values: Any) -> str:
        self._seq += 1
        row = {"id": f"{table[:3]}{self._seq}", **values}
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))
        return str(row["id"])

    def organization(self, org_id: str, name: str, parent: str | None = None,
                     state: str | None = None) -> None:  # fmt: skip
        self._insert("indicator_organizations", id=org_id, name=name, parent_id=parent,
                     state=state)  # fmt: skip

    def patient(self, patient_id: str, clinic: str | None, *, born: str = "1970-01-01",
                gender: str = "female", physician: str | None = None, deceased: bool = False,
                family: str = "Pérez") -> str:  # fmt: skip
        return self._insert("indicator_patients", id=patient_id, gender=gender, birth_date=born,
                            deceased=deceased, clinic_id=clinic, physician_id=physician,
                            family=family, given=patient_id)  # fmt: skip

    def condition(self, patient: str, code: str, onset: str = "2020-01-01") -> None:
        self._insert("condition_list", patient_id=patient, code=code, clinical_status="active",
                     onset=onset)  # fmt: skip

    def observation(self, patient: str, code: str, value: float | None, when: str,
                    obs_id: str | None = None) -> None:  # fmt: skip
        fields = {"patient_id": patient, "status": "final", "effective": when, "code": code,
                  "value": value}  # fmt: skip
        if obs_id is not None:
            fields["id"] = obs_id
        self._insert("observation_values", **fields)

    def blood_pressure(self, patient: str, systolic: float, diastolic: float, when: str) -> None:
        self._seq += 1
        panel = f"bp{self._seq}"
        self.observation(patient, "8480-6", systolic, when, panel)
        self.observation(patient, "8462-4", diastolic, when, panel)

    def encounter(self, patient: str, when: str, status: str = "finished") -> None:
        self._insert("indicator_encounters", patient_id=patient, status=status, start=when)

    def procedure(self, patient: str, code: str, when: str) -> None:
        self._insert("indicator_procedures", patient_id=patient, code=code, status="completed",
                     performed=when)  # fmt: skip

    def prescription(self, patient: str, when: str, rx_id: str | None = None) -> str:
        fields = {"patient_id": patient, "status": "active", "authored_on": when}
        if rx_id is not None:
            fields["id"] = rx_id
        return self._insert("medication_requests", **fields)

    def dispense(self, patient: str, prescription: str, when: str, quantity: float = 30) -> None:
        self._insert("indicator_dispenses", patient_id=patient, prescription_id=prescription,
                     status="completed", handed_over=when, quantity=quantity)  # fmt: skip
