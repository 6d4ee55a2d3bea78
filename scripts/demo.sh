#!/usr/bin/env bash
# Builds the demo network (`make demo` runs this, then serves it): the catalogs, a population of
# DEMO_PATIENTS people in Mexico City, Jalisco and Nuevo León, DEMO_DAYS simulated days of care,
# and one login per role, printed at the end. Safe to run again: the same scenario is already
# there (nothing rewritten), the clock only runs the days not run yet, passwords are renewed.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PATIENTS=${DEMO_PATIENTS:-5000}
DAYS=${DEMO_DAYS:-180}
SEED=${DEMO_SEED:-42}
STATES=${DEMO_STATES:-CMX,JAL,NLE}

"$BIN/enlace" db upgrade
"$BIN/enlace" catalog load
"$BIN/enlace" sim population --patients "$PATIENTS" --seed "$SEED" --states "$STATES"
"$BIN/enlace" sim run --until "$DAYS"
# Home devices ran inside the run (2% of the eligible patients plus the demo HF patient, whose
# weight-gain alert escalates to on-call and a hospital referral): how well the alerts did.
"$BIN/enlace" sim alert-quality || echo "(no alert-quality figures: the scenario ran before home devices were simulated)"
# Community screening campaigns ran inside the run too: each clinic's CHW screened part of its
# neighbourhood, the undiagnosed found were referred; who came to be confirmed, who is overdue
# (the same as /screening/worklist shows the clinic's nurse and doctor).
"$BIN/enlace" screening followup --overdue 5 | tail -n 6
# The day's jobs on the last simulated day: the stock-out snapshot behind /supply and the refill
# orders and renewal requests, the suggested orders (a day in the future is not snapshotted: KPIs are of days lived).
LAST_DAY=$("$BIN/enlace" sim status --last-day)
if [[ "$LAST_DAY" < "$(date -u +%F)" ]]; then
  "$BIN/enlace" supply snapshot --date "$LAST_DAY" >/dev/null
  # Suggested orders and transfers (issue 12) behind /supply/orders and /supply/outlook.
  "$BIN/enlace" supply requisitions --date "$LAST_DAY" >/dev/null
fi
"$BIN/enlace" pharmacy refills --date "$LAST_DAY" >/dev/null
# Adherence (issue 11): a small abandonment model, trained once on generated refill histories (not
# on the demo's patients), then the daily job on the last day lived: PDC and persistence of every
# therapy, risk scores, the day's interventions, the month's measures as FHIR (/adherence/...).
if [ ! -f "${ENLACE_VAR_DIR:-var}/models/adherence_model.joblib" ]; then
  "$BIN/enlace" adherence train --patients "${DEMO_ADHERENCE_PATIENTS:-1000}" | tail -n 1
fi
ADHERENCE_DAY=$LAST_DAY
if [[ ! "$LAST_DAY" < "$(date -u +%F)" ]]; then ADHERENCE_DAY=$(date -u +%F); fi
"$BIN/enlace" adherence run --as-of "$ADHERENCE_DAY" --publish
# The regulator's page (/procurement) shows saved analyses of the Mexican procurement samples.
PROCUREMENT=${DEMO_PROCUREMENT:-../shared/data/procurement-mx}
for sample in "$PROCUREMENT"/*/; do
  if [ -d "$sample" ]; then "$BIN/enlace" procurement flags "$sample" --save >/dev/null; fi
done
# Education (issue 16): the demo clinicians' courses and certificates (behind the indicator
# "clinicians with completed training" and /training), and patient education from the record.
"$BIN/enlace" education seed
"$BIN/enlace" education run --as-of "$LAST_DAY"
# Population analytics (issue 13): the SQL-on-FHIR views behind /analytics, materialized.
"$BIN/enlace" analytics indicators refresh >/dev/null
# Care coordination (issue 14): the hospital accepts the heart-failure alert's referral, books,
# sees and closes it with a counter-referral; the demo physician's agenda and a teleconsult; a
# biologic given at home (need, route, MedicationAdministration); adverse-event reports with the
# simulator's seeded association (enalapril -> cough) and detection (/vigilance/signals).
"$BIN/enlace" care demo
"$BIN/enlace" homecare demo
"$BIN/enlace" vigilance demo --reports "${DEMO_VIGILANCE_REPORTS:-600}"
# Disease registries: a stand-in national registry (a separate process, as the real one is)
# receives each registry's cases by subscription; /registry/cancer shows what it got per
# institution. The endpoint (port) is fixed so a second run keeps the same Subscription.
INBOX="${ENLACE_VAR_DIR:-var}/registry-inbox"
mkdir -p "$INBOX" && rm -f "$INBOX/port"
"$BIN/enlace" registry receive --dir "$INBOX" --port "${DEMO_REGISTRY_PORT:-8479}" >"$INBOX/receiver.log" 2>&1 &
RECEIVER=$!
trap 'kill "$RECEIVER" 2>/dev/null || true' EXIT
for _ in $(seq 480); do [ -f "$INBOX/port" ] || ! kill -0 "$RECEIVER" 2>/dev/null && break; sleep 0.25; done
[ -f "$INBOX/port" ] || { cat "$INBOX/receiver.log" >&2; exit 1; }
for name in cancer rare; do
  "$BIN/enlace" registry connect "$name" --endpoint "http://127.0.0.1:$(cat "$INBOX/port")/registry/$name" \
    --header "Authorization: Bearer $(cat "$INBOX/token")"
done
"$BIN/enlace" subscriptions deliver  # handshakes (and what was left from an earlier run)
"$BIN/enlace" registry demo-cases
"$BIN/enlace" subscriptions deliver
kill "$RECEIVER" && wait "$RECEIVER" 2>/dev/null || true
"$BIN/enlace" registry inbox --dir "$INBOX"
"$BIN/enlace" registry report cancer | tail -n +2 >/dev/null  # selects the cases behind /registry/*
"$BIN/enlace" sim accounts
# The network as a cooperative (issue 15): the demo logins above and more people as members.
"$BIN/enlace" coop seed >/dev/null
# Its ordinary general assembly (issue 15): last year's accounts voted and the council's president
# elected by ranked choice, tallies sealed and verified, minutes signed, the surplus shared with a
# statement per member (/assemblies, /votes, /coop/me, /coop/transparency). Safe to run again.
"$BIN/enlace" coop demo-assembly
