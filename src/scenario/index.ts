/**
 * Deterministic synthetic scenarios: the demo, the test fixtures and the
 * benchmark feeds all come from here. The same seed gives the same bytes.
 */
export { Random } from './random.js';
export { aisScenario, aisScenarioText, DEFAULT_AIS_SCENARIO, type AisScenarioOptions, type ScenarioVessel, type SentReport } from './ais.js';
