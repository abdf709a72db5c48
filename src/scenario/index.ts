/**
 * Deterministic synthetic scenarios: the demo, the test fixtures and the
 * benchmark feeds all come from here. The same seed gives the same bytes.
 *
 *   defaults.ts           names and defaults the command line declares (imports nothing)
 *   random.ts             the seeded generator
 *   paths.ts, geojson.ts  positions and paths on the sphere; port and zone polygons
 *   ais.ts                seeded AIS traffic through the project's encoder
 *   traffic*.ts           known-answer traffic scenarios for the track stage, random traffic
 *   feed*.ts              a week of traffic at scale, with planted encounters, as CSV
 *   csv.ts                AIS CSV fixtures in the MarineCadastre and DMA layouts
 *   scenes.ts, scene-canvas.ts  synthetic overhead scenes of a site
 *   case*.ts, cases.ts    whole verification cases: description, truth, writer, by name
 *   strait.ts, cuba-1962.ts     the two case scenarios
 *   demo.ts               `npm run demo`
 */
export {
  VIOLATION_CODES,
  STAGED_SITUATIONS,
  CASE_SCENARIO_NAMES,
  TRAFFIC_SCENARIO_NAMES,
  DEFAULT_FEED,
  type ViolationCode,
  type StagedSituation,
  type CaseScenarioName,
  type TrafficScenarioName,
  type FeedOptions,
} from './defaults.js';
export { Random } from './random.js';
export {
  generateFeed,
  writeFeedCsv,
  type Feed,
  type FeedManifest,
  type FeedVessel,
  type PlantedEncounter,
  type PlantedNearMiss,
} from './feed.js';
export { expectedJson, trafficScenario, trafficScenarioNames, type TrafficScenario } from './traffic.js';
export {
  aisScenario,
  aisScenarioText,
  DEFAULT_AIS_SCENARIO,
  type AisScenarioOptions,
  type ScenarioVessel,
  type SentReport,
} from './ais.js';
export { deriveTruth, checkInspection, checkShipment } from './case-truth.js';
export { CaseDirError, type Truth, type TruthFinding, type Verdict, type CaseDescription } from './case.js';
export { caseScenarioNames, describeCase, generateCase, type GenerateCaseOptions } from './cases.js';
