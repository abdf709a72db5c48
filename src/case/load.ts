/**
 * Loading a case: the manifest against its JSON Schema, then everything the
 * schema cannot say (ids that must exist, polygons that must close, evidence
 * files that must be there and be what they claim). Every problem found is
 * reported at once, each with file, line and field; nothing is written.
 */
import { closeSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  REVEAL_FORMAT,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  parseCosignerVerifierKey,
  parseVerifierKey,
  parseVerifierKeyParts,
} from '../ledger/index.js';
import { CaseError, SourceFile, fieldName, type CaseIssue, type FieldPath } from './source.js';
import { parseTime, resolveTerms, type ResolvedTerms } from './terms.js';
import type {
  CaseManifest,
  ChallengeEvidence,
  GeoJsonCollection,
  GeoJsonFeature,
  ImageryEvidence,
  InspectionEvidence,
  InspectionRecord,
} from './types.js';

export const MANIFEST_NAMES = ['case.yaml', 'case.yml'];

/** A case read and checked. */
export interface LoadedCase {
  dir: string;
  /** The manifest file, relative to `dir`. */
  manifestPath: string;
  manifest: CaseManifest;
  geography: {
    sites: GeoJsonCollection;
    ports: GeoJsonCollection;
    zone: GeoJsonCollection;
    /** The GeoJSON files (relative), for those given as paths. */
    files: string[];
  };
  inspections: { entry: InspectionEvidence; record: InspectionRecord }[];
  reveals: { entry: ChallengeEvidence; reveal: unknown }[];
  terms: ResolvedTerms;
}

let validators: { manifest: ValidateFunction; inspection: ValidateFunction } | null = null;

/** The schemas shipped in the repository's `schemas/` folder. */
export function schemaPath(name: string): string {
  // dist/src/case/load.js -> the repository root is three levels up.
  return new URL(`../../../schemas/${name}`, import.meta.url).pathname;
}

function compiled(): { manifest: ValidateFunction; inspection: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    validators = {
      manifest: ajv.compile(JSON.parse(readFileSync(schemaPath('case.schema.json'), 'utf8')) as object),
      inspection: ajv.compile(JSON.parse(readFileSync(schemaPath('inspection.schema.json'), 'utf8')) as object),
    };
  }
  return validators;
}

/** Ajv's errors as located issues: one per field, the most telling message. */
export function schemaIssues(
  src: SourceFile,
  errors: ErrorObject[] | null | undefined,
  base: FieldPath = [],
): CaseIssue[] {
  const byField = new Map<string, CaseIssue>();
  const rank = (e: ErrorObject): number =>
    e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if' ? 0 : 1;
  const sorted = [...(errors ?? [])].sort((a, b) => rank(b) - rank(a));
  for (const e of sorted) {
    const path: FieldPath = [
      ...base,
      ...e.instancePath
        .split('/')
        .slice(1)
        .map((p) => {
          const s = p.replace(/~1/g, '/').replace(/~0/g, '~');
          return /^\d+$/.test(s) ? Number(s) : s;
        }),
    ];
    let message = e.message ?? 'invalid';
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') {
      path.push(String(params.missingProperty));
      message = 'is required but missing';
    } else if (e.keyword === 'additionalProperties') {
      path.push(String(params.additionalProperty));
      message = 'is not a known field here';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(valueAt(src.value, path.slice(base.length), base.length ? null : undefined))}`;
    } else if (e.keyword === 'const') {
      message = `must be ${JSON.stringify(params.allowedValue)}`;
    } else if (e.keyword === 'type') {
      const got = valueAt(src.value, path.slice(base.length));
      message = `must be ${String(params.type)}, got ${describe(got)}`;
    } else if (e.keyword === 'pattern') {
      message = `${describe(valueAt(src.value, path.slice(base.length)))} is not in the expected form (${patternHint(e.schemaPath)})`;
    }
    const key = fieldName(path);
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') {
      if ([...byField.keys()].some((k) => k === key || k.startsWith(`${key}.`) || k.startsWith(`${key}[`))) continue;
    }
    if (!byField.has(key)) byField.set(key, src.issue(path, message));
  }
  return [...byField.values()];
}

function patternHint(schemaPath: string): string {
  if (schemaPath.includes('/time')) return 'ISO 8601, e.g. 1962-11-10T20:00:00Z';
  if (schemaPath.includes('/hex32')) return '64 lowercase hex digits';
  if (schemaPath.includes('/id')) return 'an id: letters, digits, ".", "_", "-", at most 64';
  if (schemaPath.includes('/verifierKey')) return 'a signed-note verifier key name+hash+base64';
  if (schemaPath.includes('/path')) return 'a relative path inside the case directory';
  return 'see schemas/';
}

function valueAt(root: unknown, path: FieldPath, fallback?: unknown): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return fallback;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
}

/** Finds the manifest in DIR (or takes a manifest file's path). */
export function findManifest(dirOrFile: string): { dir: string; manifestPath: string } {
  const abs = resolve(dirOrFile);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new CaseError([{ file: dirOrFile, line: 0, field: '', message: 'no such case directory or manifest' }]);
  }
  if (st.isFile()) return { dir: resolve(abs, '..'), manifestPath: relative(resolve(abs, '..'), abs) };
  for (const name of MANIFEST_NAMES) {
    try {
      if (statSync(join(abs, name)).isFile()) return { dir: abs, manifestPath: name };
    } catch {
      // try the next name
    }
  }
  throw new CaseError([
    { file: join(dirOrFile, 'case.yaml'), line: 0, field: '', message: 'the case directory has no case.yaml' },
  ]);
}

/**
 * Folders of a case that hold what must never be published nor logged:
 * the parties' and operator's signing keys, the commitments' secrets.
 */
export const SECRET_FOLDERS = ['keys', 'private'];

/**
 * A file the manifest names, resolved the way the system will open it:
 * symbolic links followed (realpath), so that a link inside the case cannot
 * bring in a file from outside it, nor one from keys/ or private/. The
 * absolute real path, or why the file cannot be used. The file's contents
 * are never read here.
 */
export function caseFile(dir: string, rel: string): { abs: string } | { problem: string } {
  // eslint-disable-next-line no-control-regex
  if (isAbsolute(rel) || /[\x00-\x1f]/.test(rel) || outside(relative(resolve(dir), resolve(dir, rel))))
    return { problem: 'must be a path inside the case directory' };
  let root: string;
  let abs: string;
  try {
    root = realpathSync(dir);
  } catch {
    return { problem: 'the case directory cannot be read' };
  }
  try {
    abs = realpathSync(resolve(dir, rel));
  } catch {
    return { problem: `${rel}: file not found` };
  }
  const inside = relative(root, abs);
  if (outside(inside))
    return { problem: `${rel} resolves (through a symbolic link) to a file outside the case directory` };
  const top = inside.split(sep)[0].toLowerCase();
  if (SECRET_FOLDERS.includes(top))
    return {
      problem: `${rel} is in the case's ${top}/ folder, which holds secrets: nothing there is read as evidence`,
    };
  try {
    const st = statSync(abs);
    if (!st.isFile()) return { problem: `${rel} is not a file` };
    // A hard link has no target to resolve: the same file may also be a key or a secret elsewhere.
    if (st.nlink > 1)
      return {
        problem: `${rel} has ${st.nlink} hard links: a file that shares its data with other names (a key or a secret, perhaps) is not read as evidence; copy it instead`,
      };
  } catch {
    return { problem: `${rel}: file not found` };
  }
  return { abs };
}

/** Whether a path relative to a folder leaves it. */
const outside = (rel: string): boolean => rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

/**
 * Why a time cannot be used, or null. Besides parsing, a time lies between
 * 1900 and 2199: records of a removal do, and every span computed between
 * two times (windows sampled each minute, dark periods) stays bounded.
 */
export function timeProblem(s: string): string | null {
  const t = parseTime(s);
  if (!Number.isFinite(t)) return `${JSON.stringify(s)} is not a valid date/time`;
  if (t < TIME_MIN_MS || t >= TIME_END_MS) return `${JSON.stringify(s)} is outside the years 1900 to 2199`;
  return null;
}

const TIME_MIN_MS = Date.UTC(1900, 0, 1);
const TIME_END_MS = Date.UTC(2200, 0, 1);

/** Reads and checks the case in DIR; throws CaseError listing every problem. */
export function loadCase(dirOrFile: string): LoadedCase {
  const { dir, manifestPath } = findManifest(dirOrFile);
  const where = caseFile(dir, manifestPath);
  if ('problem' in where) throw new CaseError([{ file: manifestPath, line: 0, field: '', message: where.problem }]);
  const src = SourceFile.read(where.abs, manifestPath, 'yaml');
  const v = compiled();
  if (!v.manifest(src.value)) {
    // The rest of the checks need a well-formed manifest; the geography files can still be checked on their own.
    const issues = schemaIssues(src, v.manifest.errors);
    const g = (src.value as { geography?: Record<string, unknown> } | null)?.geography;
    for (const k of ['sites', 'ports', 'zone'] as const) {
      if (g && typeof g[k] === 'string') readGeography(dir, src, k, g[k], issues);
    }
    throw new CaseError(issues);
  }
  const check = new ManifestCheck(dir, src, v.inspection);
  const m = check.m;
  check.ids();
  check.partyKeys();
  const geography = check.geography();
  check.declarations();
  check.evidenceFiles();
  const inspections = check.inspections();
  const reveals = check.reveals();
  if (check.issues.length > 0) throw new CaseError(check.issues);
  return { dir, manifestPath, manifest: m, geography, inspections, reveals, terms: resolveTerms(m.terms) };
}

/**
 * What a schema cannot say about a manifest that passed it: ids that must
 * exist and be unique, times that must parse, geography that must load,
 * evidence files that must be inside the case and be what they claim.
 * Every problem is collected, in the manifest's order, with its file, line
 * and field.
 */
class ManifestCheck {
  readonly m: CaseManifest;
  readonly issues: CaseIssue[] = [];
  parties = new Set<string>();
  inspectors = new Set<string>();
  classes = new Set<string>();
  lots = new Set<string>();
  siteIds = new Set<string>();
  portIds = new Set<string>();
  /** Evidence paths seen so far, with the field that listed each. */
  seenPaths = new Map<string, string>();

  constructor(
    readonly dir: string,
    readonly src: SourceFile,
    readonly inspectionSchema: ValidateFunction,
  ) {
    this.m = src.value as CaseManifest;
  }

  add(path: FieldPath, message: string): void {
    this.issues.push(this.src.issue(path, message));
  }

  time(path: FieldPath, s: string | undefined): void {
    const why = s === undefined ? null : timeProblem(s);
    if (why) this.add(path, why);
  }

  /** Ids unique within their kind. */
  unique(list: { id: string }[], path: FieldPath, what: string): Set<string> {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) this.add([...path, i, 'id'], `${what} id ${JSON.stringify(x.id)} is used twice`);
      seen.add(x.id);
    });
    return seen;
  }

  /** Parties, inspectors, item classes, lots and shipments: unique ids, roles, ranges, the deadline. */
  ids(): void {
    const m = this.m;
    this.parties = this.unique(m.parties, ['parties'], 'party');
    this.inspectors = this.unique(m.inspectors, ['inspectors'], 'inspector');
    this.classes = this.unique(m.terms.item_classes, ['terms', 'item_classes'], 'item class');
    this.lots = this.unique(m.declarations.lots, ['declarations', 'lots'], 'lot');
    this.unique(m.declarations.shipments, ['declarations', 'shipments'], 'shipment');
    const declaring = m.parties.find((p) => p.id === m.declarations.party);
    if (!declaring)
      this.add(['declarations', 'party'], `names no party of the case (parties: ${[...this.parties].join(', ')})`);
    else if (declaring.role !== 'declaring')
      this.add(
        ['declarations', 'party'],
        `party ${JSON.stringify(declaring.id)} has role ${declaring.role}, not declaring`,
      );
    m.inspectors.forEach((ins, i) => {
      if (ins.party !== undefined && !this.parties.has(ins.party))
        this.add(['inspectors', i, 'party'], `names no party of the case (${JSON.stringify(ins.party)})`);
    });
    m.terms.item_classes.forEach((c, i) => {
      if (c.length_m[0] > c.length_m[1])
        this.add(['terms', 'item_classes', i, 'length_m'], 'the range must be [min, max] with min <= max');
      if (c.width_m[0] > c.width_m[1])
        this.add(['terms', 'item_classes', i, 'width_m'], 'the range must be [min, max] with min <= max');
    });
    this.time(['terms', 'removal_deadline'], m.terms.removal_deadline);
  }

  /**
   * Each party's two keys (server.md): `public_key` a signed-note key (type
   * 0x01), `cosigner_key` a tlog-cosignature key (type 0x04). A key of the
   * other type would make the party's cosignatures or signatures unverifiable.
   */
  partyKeys(): void {
    const want = [
      ['public_key', SIG_TYPE_ED25519, 'a signed-note key (type 0x01)', parseVerifierKey],
      [
        'cosigner_key',
        SIG_TYPE_COSIGNATURE_V1,
        'a cosigner key (type 0x04, tlog-cosignature)',
        parseCosignerVerifierKey,
      ],
    ] as const;
    this.m.parties.forEach((p, i) => {
      for (const [field, type, what, parse] of want) {
        const key = p[field];
        try {
          const t = parseVerifierKeyParts(key).type;
          if (t !== type) {
            const other = want.find((w) => w[1] === t);
            this.add(
              ['parties', i, field],
              `${other ? `is ${other[2]}` : `has key type 0x${t.toString(16).padStart(2, '0')}`}; ${field} must be ${what}` +
                `${other ? ` (the party's ${other[0]} goes there)` : ''}`,
            );
            continue;
          }
          parse(key);
        } catch (e) {
          this.add(['parties', i, field], `is not a valid verifier key: ${(e as Error).message}`);
        }
      }
    });
  }

  geography(): LoadedCase['geography'] {
    const { m, dir, src, issues } = this;
    return {
      sites: readGeography(dir, src, 'sites', m.geography.sites, issues, this.siteIds),
      ports: readGeography(dir, src, 'ports', m.geography.ports, issues, this.portIds),
      zone: readGeography(dir, src, 'zone', m.geography.zone, issues),
      files: (['sites', 'ports', 'zone'] as const)
        .map((k) => m.geography[k])
        .filter((x): x is string => typeof x === 'string'),
    };
  }

  /** Lots name a site and an item class; shipments a port and declared lots. */
  declarations(): void {
    const { m, siteIds, portIds } = this;
    m.declarations.lots.forEach((lot, i) => {
      if (siteIds.size && !siteIds.has(lot.site))
        this.add(
          ['declarations', 'lots', i, 'site'],
          `names no site of the geography (${JSON.stringify(lot.site)}; sites: ${[...siteIds].join(', ')})`,
        );
      if (!this.classes.has(lot.item_class))
        this.add(
          ['declarations', 'lots', i, 'item_class'],
          `names no item class of the terms (${JSON.stringify(lot.item_class)})`,
        );
      this.time(['declarations', 'lots', i, 'removal_deadline'], lot.removal_deadline);
    });
    m.declarations.shipments.forEach((s, i) => {
      if (portIds.size && !portIds.has(s.port))
        this.add(
          ['declarations', 'shipments', i, 'port'],
          `names no port of the geography (${JSON.stringify(s.port)}; ports: ${[...portIds].join(', ')})`,
        );
      s.lots.forEach((l, j) => {
        if (!this.lots.has(l))
          this.add(['declarations', 'shipments', i, 'lots', j], `names no declared lot (${JSON.stringify(l)})`);
      });
      this.time(['declarations', 'shipments', i, 'date'], s.date);
    });
  }

  /**
   * An evidence file named at `path`: inside the case once links are
   * followed, outside its secret folders, listed once, a file. Its real
   * absolute path, or null.
   */
  fileOf(path: FieldPath, rel: string): string | null {
    const f = caseFile(this.dir, rel);
    if ('problem' in f) {
      this.add(path, f.problem);
      return null;
    }
    // Two names (a link, a "./") for one file are still one file.
    const prev = this.seenPaths.get(f.abs);
    if (prev) this.add(path, `the same file is already listed at ${prev}`);
    this.seenPaths.set(f.abs, fieldName(path));
    return f.abs;
  }

  provenance(path: FieldPath, e: { submitted_by?: string; captured?: string }): void {
    if (e.submitted_by !== undefined && !this.parties.has(e.submitted_by))
      this.add([...path, 'submitted_by'], `names no party of the case (${JSON.stringify(e.submitted_by)})`);
    this.time([...path, 'captured'], e.captured);
  }

  /** AIS logs, imagery and documents: provenance, and AIS and TIFF files that are what they claim. */
  evidenceFiles(): void {
    const ev = this.m.evidence;
    (ev.ais ?? []).forEach((e, i) => {
      const path: FieldPath = ['evidence', 'ais', i];
      this.provenance(path, e);
      const abs = this.fileOf([...path, 'path'], e.path);
      if (abs) {
        const why = aisFormatProblem(abs);
        if (why) this.add([...path, 'path'], `${e.path} is not an AIS log: ${why}`);
      }
    });
    (ev.imagery ?? []).forEach((e: ImageryEvidence, i) => {
      const path: FieldPath = ['evidence', 'imagery', i];
      this.provenance(path, e);
      this.time([...path, 'time'], e.time);
      if (this.siteIds.size && !this.siteIds.has(e.site))
        this.add([...path, 'site'], `names no site of the geography (${JSON.stringify(e.site)})`);
      const abs = this.fileOf([...path, 'path'], e.path);
      if (abs) {
        const why = tiffFormatProblem(abs);
        if (why) this.add([...path, 'path'], `${e.path} is not a GeoTIFF: ${why}`);
      }
    });
    (ev.documents ?? []).forEach((e, i) => {
      this.provenance(['evidence', 'documents', i], e);
      this.fileOf(['evidence', 'documents', i, 'path'], e.path);
    });
  }

  /** Inspection records: each against its schema, naming a known inspector of its kind and a known class. */
  inspections(): LoadedCase['inspections'] {
    const { m, issues } = this;
    const out: LoadedCase['inspections'] = [];
    const inspectionIds = new Map<string, string>();
    (m.evidence.inspections ?? []).forEach((e, i) => {
      const path: FieldPath = ['evidence', 'inspections', i];
      this.provenance(path, e);
      const abs = this.fileOf([...path, 'path'], e.path);
      if (!abs) return;
      const rec = readJson(abs, e.path, issues);
      if (!rec) return;
      if (!this.inspectionSchema(rec.value)) {
        issues.push(...schemaIssues(rec, this.inspectionSchema.errors));
        return;
      }
      const r = rec.value as InspectionRecord;
      const timeWhy = timeProblem(r.time);
      if (timeWhy) issues.push(rec.issue(['time'], timeWhy));
      const ins = m.inspectors.find((x) => x.id === r.inspector);
      if (!ins)
        issues.push(
          rec.issue(
            ['inspector'],
            `names no inspector of the case (${JSON.stringify(r.inspector)}; inspectors: ${[...this.inspectors].join(', ')})`,
          ),
        );
      else if (ins.kind !== r.kind)
        issues.push(
          rec.issue(
            ['kind'],
            `is ${r.kind}, but inspector ${ins.id} is a${ins.kind === 'aircraft' ? 'n aircraft' : ' ship'}`,
          ),
        );
      if (r.item_class !== undefined && !this.classes.has(r.item_class))
        issues.push(rec.issue(['item_class'], `names no item class of the terms (${JSON.stringify(r.item_class)})`));
      const prev = inspectionIds.get(r.id);
      if (prev) issues.push(rec.issue(['id'], `inspection id ${JSON.stringify(r.id)} is also used by ${prev}`));
      inspectionIds.set(r.id, e.path);
      out.push({ entry: e, record: r });
    });
    return out;
  }

  /** Reveals of challenged items: a declared lot, k no larger than it, a reveal document. */
  reveals(): LoadedCase['reveals'] {
    const { m, issues } = this;
    const out: LoadedCase['reveals'] = [];
    (m.evidence.challenges ?? []).forEach((e, i) => {
      const path: FieldPath = ['evidence', 'challenges', i];
      this.provenance(path, e);
      const lot = m.declarations.lots.find((l) => l.id === e.lot);
      if (!lot) this.add([...path, 'lot'], `names no declared lot (${JSON.stringify(e.lot)})`);
      else if (e.k > lot.count) this.add([...path, 'k'], `asks for ${e.k} items of a lot of ${lot.count}`);
      const abs = this.fileOf([...path, 'path'], e.path);
      if (!abs) return;
      const rec = readJson(abs, e.path, issues);
      if (!rec) return;
      const r = rec.value as { format?: unknown };
      if (typeof r !== 'object' || r === null || Array.isArray(r))
        issues.push(rec.issue([], 'a reveal must be a JSON object'));
      else if (r.format !== REVEAL_FORMAT)
        issues.push(
          rec.issue(
            ['format'],
            `must be ${JSON.stringify(REVEAL_FORMAT)} (a reveal of challenged items), got ${describe(r.format)}`,
          ),
        );
      else out.push({ entry: e, reveal: rec.value });
    });
    return out;
  }
}

/** A JSON evidence file, or null with its problems added to `issues`. */
function readJson(abs: string, display: string, issues: CaseIssue[]): SourceFile | null {
  try {
    return SourceFile.read(abs, display, 'json');
  } catch (err) {
    if (!(err instanceof CaseError)) throw err;
    issues.push(...err.issues);
    return null;
  }
}

/** Reads one GeoJSON collection (a file or inline), checking what the stages rely on: polygons with ids, closed rings. */
function readGeography(
  dir: string,
  manifest: SourceFile,
  key: 'sites' | 'ports' | 'zone',
  ref: string | GeoJsonCollection,
  issues: CaseIssue[],
  known = new Set<string>(),
): GeoJsonCollection {
  let src: SourceFile;
  let base: FieldPath;
  if (typeof ref === 'string') {
    const f = caseFile(dir, ref);
    if ('problem' in f) {
      issues.push(manifest.issue(['geography', key], f.problem));
      return { type: 'FeatureCollection', features: [] };
    }
    try {
      src = SourceFile.read(f.abs, ref, 'json');
    } catch (e) {
      if (e instanceof CaseError) {
        issues.push(
          ...e.issues.map((i) =>
            i.line === 0 ? { ...i, message: `${i.message} (geography.${key} in ${manifest.file})` } : i,
          ),
        );
        return { type: 'FeatureCollection', features: [] };
      }
      throw e;
    }
    base = [];
  } else {
    src = manifest;
    base = ['geography', key];
  }
  const value = typeof ref === 'string' ? src.value : ref;
  const out: GeoJsonFeature[] = [];
  const at = (path: FieldPath, message: string): void => {
    issues.push(src.issue([...base, ...path], message));
  };
  let features: unknown[];
  const v = value as { type?: unknown; features?: unknown; geometry?: unknown };
  if (v && typeof v === 'object' && v.type === 'FeatureCollection' && Array.isArray(v.features)) features = v.features;
  else if (v && typeof v === 'object' && v.type === 'Feature') features = [v];
  else {
    at(['type'], `the ${key} must be a GeoJSON FeatureCollection (or one Feature), got ${describe(v?.type)}`);
    return { type: 'FeatureCollection', features: [] };
  }
  const ids = new Set<string>();
  features.forEach((f, i) => {
    const fp: FieldPath = typeof ref === 'string' && v.type === 'Feature' ? [] : ['features', i];
    const feat = f as {
      type?: unknown;
      properties?: { id?: unknown; name?: unknown };
      geometry?: { type?: unknown; coordinates?: unknown } | null;
    };
    if (!feat || typeof feat !== 'object' || feat.type !== 'Feature') {
      at([...fp, 'type'], 'must be a GeoJSON Feature');
      return;
    }
    const id = feat.properties?.id ?? (key === 'zone' ? `zone-${i}` : undefined);
    if (typeof id !== 'string' || id === '') {
      at(
        [...fp, 'properties', 'id'],
        `each ${key === 'sites' ? 'site' : 'port'} needs a string properties.id that the manifest refers to`,
      );
      return;
    }
    if (ids.has(id)) at([...fp, 'properties', 'id'], `id ${JSON.stringify(id)} is used twice`);
    ids.add(id);
    known.add(id); // named, even if its geometry is refused: references to it are not errors too
    const g = feat.geometry;
    const gt = g?.type;
    if (gt !== 'Polygon' && gt !== 'MultiPolygon') {
      at(
        [...fp, 'geometry', 'type'],
        `${key === 'sites' ? 'a site' : key === 'ports' ? 'a port' : 'the zone'} must be a Polygon or MultiPolygon, got ${describe(gt)}`,
      );
      return;
    }
    const polys = (gt === 'Polygon' ? [g?.coordinates] : (g?.coordinates as unknown[] | undefined)) ?? [];
    let ok = Array.isArray(polys) && polys.length > 0;
    (Array.isArray(polys) ? polys : []).forEach((poly, pi) => {
      const pp: FieldPath =
        gt === 'Polygon' ? [...fp, 'geometry', 'coordinates'] : [...fp, 'geometry', 'coordinates', pi];
      if (!Array.isArray(poly) || poly.length === 0) {
        at(pp, 'a polygon is an array of linear rings');
        ok = false;
        return;
      }
      poly.forEach((ring: unknown, ri: number) => {
        const problem = ringProblem(ring);
        if (problem) {
          at([...pp, ri], problem);
          ok = false;
        }
      });
    });
    if (!ok) return;
    const name = typeof feat.properties?.name === 'string' ? feat.properties.name : id;
    out.push({
      type: 'Feature',
      properties: { ...(feat.properties as object), id, name },
      geometry: g as GeoJsonFeature['geometry'],
    });
  });
  if (features.length === 0) at(['features'], `the ${key} collection has no features`);
  return { type: 'FeatureCollection', features: out };
}

function ringProblem(ring: unknown): string | null {
  if (!Array.isArray(ring) || ring.length < 4) return 'a linear ring needs at least 4 positions (closed)';
  for (const p of ring as unknown[]) {
    if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number')
      return 'each position must be [lon, lat] numbers';
    if (Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90)
      return `position [${String(p[0])}, ${String(p[1])}] is not lon/lat in degrees`;
  }
  const a = ring[0] as number[];
  const b = ring[ring.length - 1] as number[];
  if (a[0] !== b[0] || a[1] !== b[1]) return 'the ring is not closed (its first and last positions differ)';
  return null;
}

function head(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Why a file is not NMEA 0183 or AIS CSV, judged from its first line; null when it looks right. */
export function aisFormatProblem(path: string): string | null {
  const text = head(path, 4096).toString('latin1');
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  if (line === undefined) return null; // an empty log is a log with nothing in it
  if (/^\s*([!$\\]|\d+(\.\d+)?\s*[,;\\!])/.test(line)) return null;
  if (/mmsi/i.test(line) && line.split(',').length >= 4) return null;
  // Never quoted: the file may hold anything, and a message is read by whoever runs the command.
  if (text.includes('\0')) return 'it is binary, expected NMEA 0183 sentences (!AIVDM...) or an AIS CSV with a header';
  return 'expected NMEA 0183 sentences (!AIVDM...) or an AIS CSV with a header; its first line is neither';
}

/** Why a file is not a TIFF, from its magic bytes; null when it is one. */
export function tiffFormatProblem(path: string): string | null {
  const b = head(path, 4);
  if (
    b.length === 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && (b[2] === 42 || b[2] === 43) && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 42 || b[3] === 43)))
  )
    return null;
  return `expected TIFF magic bytes (II*\\0 or MM\\0*), ${b.length < 4 ? 'the file is shorter' : 'the file starts otherwise'}`;
}
