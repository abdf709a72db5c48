/**
 * The case scenarios by name (`tally scenario generate NAME`): the
 * description of one (with its violations checked), and the whole case
 * written from it. The writer (GeoTIFF scenes, keys, YAML) is loaded only
 * when a case is written.
 */
import {
  CASE_SCENARIO_NAMES,
  STAGED_SITUATIONS,
  VIOLATION_CODES,
  type CaseScenarioName,
  type StagedSituation,
  type ViolationCode,
} from './defaults.js';
import { deriveTruth } from './case-truth.js';
import type { CaseDescription, Truth } from './case.js';
import { straitDescription, STRAIT_DEFAULT_SEED } from './strait.js';
import { cuba1962Description, CUBA_DEFAULT_SEED } from './cuba-1962.js';

interface CaseScenario {
  defaultSeed: number;
  describe: (seed: number, scale: number, violations: ViolationCode[], staged: StagedSituation[]) => CaseDescription;
  /** Whether it can stage the situations of STAGED_SITUATIONS. */
  stages: boolean;
}

const CASE_SCENARIOS: Record<CaseScenarioName, CaseScenario> = {
  'cuba-1962': { defaultSeed: CUBA_DEFAULT_SEED, describe: cuba1962Description, stages: false },
  strait: { defaultSeed: STRAIT_DEFAULT_SEED, describe: straitDescription, stages: true },
};

/** Names of the scenarios that generate whole cases. */
export function caseScenarioNames(): string[] {
  return [...CASE_SCENARIO_NAMES];
}

export interface GenerateCaseOptions {
  out: string;
  seed?: number;
  scale?: number;
  violate?: string[];
  /** Situations to stage (STAGED_SITUATIONS; strait only). */
  stage?: string[];
  /** Replace a previously generated case in `out`. */
  force?: boolean;
}

/** The description of a case scenario (what generateCase writes), without writing anything. */
export function describeCase(name: string, opts: Omit<GenerateCaseOptions, 'out' | 'force'> = {}): CaseDescription {
  const sc = (CASE_SCENARIOS as Record<string, CaseScenario>)[name];
  if (!sc)
    throw new RangeError(
      `unknown case scenario ${JSON.stringify(name)}: expected one of ${caseScenarioNames().join(', ')}`,
    );
  const violations: ViolationCode[] = [];
  for (const v of opts.violate ?? []) {
    if (!(VIOLATION_CODES as readonly string[]).includes(v)) {
      throw new RangeError(`unknown violation ${JSON.stringify(v)}: expected one of ${VIOLATION_CODES.join(', ')}`);
    }
    if (!violations.includes(v as ViolationCode)) violations.push(v as ViolationCode);
  }
  const staged: StagedSituation[] = [];
  for (const v of opts.stage ?? []) {
    if (!(STAGED_SITUATIONS as readonly string[]).includes(v)) {
      throw new RangeError(`unknown situation ${JSON.stringify(v)}: expected one of ${STAGED_SITUATIONS.join(', ')}`);
    }
    if (!sc.stages) throw new RangeError(`the ${name} scenario stages no situations`);
    if (!staged.includes(v as StagedSituation)) staged.push(v as StagedSituation);
  }
  if (staged.includes('silent-to-end') && staged.includes('silent-unheard'))
    throw new RangeError('silent-to-end and silent-unheard are the same silence, heard around or not: stage one');
  const seed = opts.seed ?? sc.defaultSeed;
  const scale = opts.scale ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  if (!Number.isSafeInteger(scale) || scale < 1) throw new RangeError(`scale must be a positive integer, got ${scale}`);
  return sc.describe(seed, scale, violations, staged);
}

/**
 * Generates a whole verification case (case.yaml, geography, evidence,
 * keys, the declaring party's secrets, truth.json) from a scenario
 * description. The same name, seed, scale and violations give the same bytes.
 */
export async function generateCase(
  name: string,
  opts: GenerateCaseOptions,
): Promise<{ dir: string; truth: Truth; files: string[] }> {
  const desc = describeCase(name, opts);
  const { prepareCaseDir, writeCase } = await import('./case-write.js');
  prepareCaseDir(opts.out, opts.force ?? false);
  const truth = deriveTruth(desc);
  const files = await writeCase(desc, opts.out, truth);
  return { dir: opts.out, truth, files };
}
