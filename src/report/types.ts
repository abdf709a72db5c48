/**
 * What the HTML report is drawn from: the results, the public manifest, and
 * the geometry the verification computed (tracks, events, imagery crops).
 * `reportInput` (input.ts) builds it from a verification; `renderReport`
 * turns it into one HTML file.
 */
import type { CaseManifest, GeoJsonCollection } from '../case/index.js';
import type { CustodyEvent, EvidenceRef, Results } from '../verify/index.js';

/** A vessel's track, simplified for drawing. */
export interface ReportTrack {
  mmsi: number;
  name: string;
  /** shipment: carries a declared shipment; inspector: an inspecting ship; other: background traffic. */
  role: 'shipment' | 'inspector' | 'other';
  /** Shipment or inspector id when the role has one. */
  ref?: string;
  /** [lon, lat, time ms since the epoch] in time order; a gap over the segment gap splits the line (`breaks`). */
  points: [number, number, number][];
  /** Indices into `points` where a new segment starts (after a silence). */
  breaks: number[];
}

/** An event the custody chain found, as the verification lists it. */
export type ReportEvent = CustodyEvent;

/** One imagery pass over a site, cropped to the site, for the before/after panels. */
export interface ReportImage {
  site: string;
  evidence: EvidenceRef;
  time: string;
  phase: 'before' | 'after';
  gsd_m: number;
  /** PNG of the crop (8-bit grey or RGB), embedded as a data URL. */
  png: Uint8Array;
  width: number;
  height: number;
  /** Detections in the crop's pixel coordinates. */
  detections: { x: number; y: number; length_px: number; width_px: number; heading_deg: number; score: number }[];
  /** The site outline in the crop's pixel coordinates (rings). */
  outline: [number, number][][];
  count: number | null;
}

export interface ReportInput {
  results: Results;
  manifest: CaseManifest;
  geography: { sites: GeoJsonCollection; ports: GeoJsonCollection; zone: GeoJsonCollection };
  tracks: ReportTrack[];
  events: ReportEvent[];
  images: ReportImage[];
  /** How an auditor re-verifies: the commands, with this case's paths. */
  reverify: { commands: string[]; logDir: string };
}
