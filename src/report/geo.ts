/**
 * The case for GIS tools: the findings that have a position as GeoJSON, and
 * the whole case (zone, sites, ports, tracks, events, findings) as KML for
 * Google Earth. Both come from the same ReportInput as the HTML report.
 */
import type { GeoJsonFeature } from '../case/index.js';
import { keptIndices } from '../tracks/index.js';
import type { ReportInput, ReportTrack } from './types.js';

/** Findings with a position, one Point each, with code, subject, message and evidence hashes. */
export function findingsGeoJson(input: ReportInput): string {
  const features = input.results.findings
    .filter((f) => f.position)
    .map((f) => ({
      type: 'Feature',
      properties: {
        id: f.id,
        code: f.code,
        effect: f.effect,
        subject_kind: f.subject.kind,
        subject_id: f.subject.id,
        message: f.message,
        ...(f.time ? { time: f.time } : {}),
        evidence: f.evidence.map((e) => `${e.sha256}${e.log_index === null ? '' : `@${e.log_index}`}`),
      },
      geometry: { type: 'Point', coordinates: [f.position!.lon, f.position!.lat] },
    }));
  return `${JSON.stringify({ type: 'FeatureCollection', features })}\n`;
}

const xml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const coord = (lon: number, lat: number): string => `${Math.round(lon * 1e6) / 1e6},${Math.round(lat * 1e6) / 1e6}`;

function polygonKml(f: GeoJsonFeature, style: string): string {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const body = polys
    .map(
      (rings) =>
        `<Polygon><outerBoundaryIs><LinearRing><coordinates>${rings[0].map(([x, y]) => coord(x, y)).join(' ')}</coordinates></LinearRing></outerBoundaryIs>` +
        rings
          .slice(1)
          .map(
            (r) =>
              `<innerBoundaryIs><LinearRing><coordinates>${r.map(([x, y]) => coord(x, y)).join(' ')}</coordinates></LinearRing></innerBoundaryIs>`,
          )
          .join('') +
        '</Polygon>',
    )
    .join('');
  return `<Placemark><name>${xml(String(f.properties.name ?? f.properties.id))}</name><styleUrl>#${style}</styleUrl><MultiGeometry>${body}</MultiGeometry></Placemark>`;
}

function trackKml(t: ReportTrack): string {
  const lines: string[] = [];
  for (const seg of keptIndices(t.points.length, t.breaks, Infinity)) {
    if (seg.length >= 2)
      lines.push(
        `<LineString><tessellate>1</tessellate><coordinates>${seg.map((i) => coord(t.points[i][0], t.points[i][1])).join(' ')}</coordinates></LineString>`,
      );
  }
  const span = `<TimeSpan><begin>${new Date(t.points[0][2]).toISOString()}</begin><end>${new Date(t.points[t.points.length - 1][2]).toISOString()}</end></TimeSpan>`;
  return `<Placemark><name>${xml(`${t.name} (${t.mmsi})`)}</name>${span}<styleUrl>#${t.role}</styleUrl><MultiGeometry>${lines.join('')}</MultiGeometry></Placemark>`;
}

/** The case as one KML document: folders for the geography, tracks by role, events and findings. */
export function caseKml(input: ReportInput): string {
  const r = input.results;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<kml xmlns="http://www.opengis.net/kml/2.2">',
    `<Document><name>${xml(`${r.case.name}: ${r.verdict}`)}</name>`,
    '<Style id="zone"><LineStyle><color>ffd08040</color><width>2</width></LineStyle><PolyStyle><fill>0</fill></PolyStyle></Style>',
    '<Style id="site"><LineStyle><color>ff2020c0</color><width>2</width></LineStyle><PolyStyle><color>402020c0</color></PolyStyle></Style>',
    '<Style id="port"><LineStyle><color>ff303030</color></LineStyle><PolyStyle><color>40303030</color></PolyStyle></Style>',
    '<Style id="shipment"><LineStyle><color>ff2030c0</color><width>2</width></LineStyle></Style>',
    '<Style id="inspector"><LineStyle><color>ffc06020</color><width>2</width></LineStyle></Style>',
    '<Style id="other"><LineStyle><color>80909090</color><width>1</width></LineStyle></Style>',
    '<Style id="event"><IconStyle><color>ffc06020</color></IconStyle></Style>',
    '<Style id="finding"><IconStyle><color>ff0000ff</color><scale>1.3</scale></IconStyle></Style>',
  ];
  out.push('<Folder><name>Geography</name>');
  for (const f of input.geography.zone.features) out.push(polygonKml(f, 'zone'));
  for (const f of input.geography.sites.features) out.push(polygonKml(f, 'site'));
  for (const f of input.geography.ports.features) out.push(polygonKml(f, 'port'));
  out.push('</Folder>');
  for (const role of ['shipment', 'inspector', 'other'] as const) {
    const ts = input.tracks.filter((t) => t.role === role && t.points.length);
    if (!ts.length) continue;
    out.push(
      `<Folder><name>${role === 'shipment' ? 'Shipment vessels' : role === 'inspector' ? 'Inspecting ships' : 'Other vessels'}</name>`,
    );
    for (const t of ts) out.push(trackKml(t));
    out.push('</Folder>');
  }
  out.push('<Folder><name>Events</name>');
  for (const e of input.events) {
    if (e.lat === null || e.lon === null) continue;
    out.push(
      `<Placemark><name>${xml(e.label)}</name><TimeSpan><begin>${e.start}</begin><end>${e.end}</end></TimeSpan><styleUrl>#event</styleUrl>` +
        `<description>${xml(`${e.kind}${e.mmsi.length ? ` (MMSI ${e.mmsi.join(', ')})` : ''}, ${e.start} to ${e.end}`)}</description><Point><coordinates>${coord(e.lon, e.lat)}</coordinates></Point></Placemark>`,
    );
  }
  out.push('</Folder><Folder><name>Findings</name>');
  for (const f of r.findings) {
    if (!f.position) continue;
    const evidence = f.evidence
      .map((e) => `${e.path ?? 'entry'} sha256 ${e.sha256}${e.log_index === null ? '' : ` (log index ${e.log_index})`}`)
      .join('; ');
    out.push(
      `<Placemark><name>${xml(`${f.code}: ${f.subject.kind} ${f.subject.id}`)}</name>${f.time ? `<TimeStamp><when>${f.time}</when></TimeStamp>` : ''}<styleUrl>#finding</styleUrl>` +
        `<description>${xml(`${f.message}\nEvidence: ${evidence}`)}</description><Point><coordinates>${coord(f.position.lon, f.position.lat)}</coordinates></Point></Placemark>`,
    );
  }
  out.push('</Folder></Document></kml>');
  return `${out.join('\n')}\n`;
}
