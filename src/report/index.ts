/**
 * The report: takes a verification's results and what they were computed
 * from, and draws them. Data flows one way: nothing here is imported by
 * `verify/`, and nothing here decides a finding.
 *
 *   input.ts     reportInput(verification)  -> what the report draws; derivedFiles
 *   render.ts    renderReport(input)        -> one self-contained HTML file
 *   geo.ts       findingsGeoJson, caseKml   -> the case for GIS tools
 *   outputs.ts   writeOutputs(dir, v)       -> results.json, report.html, derived/
 *   fixture.ts   buildReportFixture()       -> a synthetic input covering every feature, for tests
 */
export { reportInput, derivedFiles, type DerivedFile } from './input.js';
export { renderReport, writeReport } from './render.js';
export { findingsGeoJson, caseKml } from './geo.js';
export { writeOutputs } from './outputs.js';
export { buildReportFixture } from './fixture.js';
export type { ReportEvent, ReportImage, ReportInput, ReportTrack } from './types.js';
