/** The report's stylesheet, inlined: no external fonts or files. */
export const CSS = `
:root { --ok: #1b7f3b; --bad: #b3261e; --partial: #a66300; --ink: #1d2329; --muted: #5b6670; --line: #d5dbe0;
  --shipment: #c4381f; --inspector: #1f5fbf; --other: #8a949c; --sea: #e7f0f6; --land: #f3efe6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 20px 60px; }
h1 { font-size: 1.7em; margin: 0.2em 0; } h2 { margin-top: 1.8em; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { margin: 1.2em 0 0.4em; } small, .note { color: var(--muted); } code { font: 0.92em ui-monospace, "DejaVu Sans Mono", monospace; }
.hash { word-break: break-all; }
header.top { display: grid; grid-template-columns: minmax(260px, 1fr) minmax(320px, 1.2fr); gap: 18px 28px; align-items: start; border-bottom: 3px solid var(--line); padding-bottom: 14px; }
.case-meta { color: var(--muted); font-size: 0.92em; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 4px; font-weight: 700; letter-spacing: 0.03em; color: #fff; font-size: 0.85em; vertical-align: middle; }
.verdict.big { font-size: 1.5em; padding: 4px 14px; margin: 6px 0; }
.verdict-VERIFIED { background: var(--ok); } .verdict-DISCREPANCY { background: var(--bad); } .verdict-INCOMPLETE { background: var(--partial); } .verdict-UNKNOWN { background: var(--muted); }
.funnel { width: 100%; height: auto; max-width: 560px; }
.funnel .bar { fill: #4a6fa5; } .funnel .bar-bg { fill: #eef1f4; } .funnel text { font-size: 13px; fill: var(--ink); }
.funnel .num { font-weight: 700; } .funnel .loss { fill: var(--bad); }
nav.toc { margin: 10px 0; font-size: 0.92em; } nav.toc a { margin-right: 12px; }
.provenance ul { padding-left: 1.2em; } .status { display: inline-block; min-width: 7.5em; font-weight: 700; font-size: 0.85em; text-transform: uppercase; }
.status-historical { color: var(--ok); } .status-reconstructed { color: var(--partial); } .status-synthetic { color: var(--bad); } .status-unknown { color: var(--muted); }
.provenance .lead { font-weight: 600; }
figure { margin: 0.6em 0; }
figure.timeline-figure figcaption { font-size: 0.9em; margin-bottom: 3px; }
svg.map, svg.timeline { width: 100%; height: auto; display: block; border: 1px solid var(--line); background: #fff; }
.sea { fill: var(--sea); } .land { fill: var(--land); stroke: #b9ad95; stroke-width: 0.6; }
.zone { fill: rgba(31,95,191,0.05); stroke: #1f5fbf; stroke-width: 1.5; stroke-dasharray: 6 4; fill-rule: evenodd; }
.site-area { fill: rgba(179,38,30,0.25); stroke: var(--bad); stroke-width: 1.2; fill-rule: evenodd; }
.port-area { fill: rgba(90,90,90,0.2); stroke: #555; stroke-width: 1; } .port-dot { fill: #333; stroke: #fff; stroke-width: 1; }
.label { font-size: 12px; fill: var(--ink); paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.track { fill: none; stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; }
.track-shipment { stroke: var(--shipment); stroke-width: 2.4; } .track-inspector { stroke: var(--inspector); } .track-other { stroke: var(--other); stroke-width: 1.2; opacity: 0.8; }
.event path, .event rect { stroke: #fff; stroke-width: 1; }
.event-encounter path, .event-encounter rect { fill: #e07b00; } .event-rendezvous path { fill: none; stroke: var(--inspector); stroke-width: 2; } .event-rendezvous rect { fill: var(--inspector); }
.event-dark_period path, .event-dark_period rect { fill: #222; } .event-inspection path, .event-inspection rect { fill: var(--inspector); }
.event-departure path, .event-departure rect { fill: #7b3fa0; } .event-left_zone path, .event-left_zone rect { fill: var(--ok); }
.event-port_visit path, .event-port_visit rect { fill: #777; } .event-overflight path { stroke: var(--inspector); stroke-width: 2; fill: none; } .event-overflight rect { fill: #6f9ad6; }
.event-imagery path { stroke: #2a7a6f; stroke-width: 2; fill: none; } .event-imagery rect { fill: #2a7a6f; } .event-declaration path, .event-declaration rect { fill: #8a5a2b; }
.finding-shape { fill: var(--bad); stroke: #fff; stroke-width: 1.5; } .finding-bang { stroke: #fff; stroke-width: 2; fill: none; }
a.finding-marker:hover .finding-shape, a.finding-marker:focus .finding-shape { fill: #000; }
.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 0.88em; }
.legend li { display: flex; align-items: center; gap: 5px; } .key { display: inline-block; width: 18px; height: 10px; }
.key-zone { border: 2px dashed #1f5fbf; } .key-site { background: rgba(179,38,30,0.35); border: 1px solid var(--bad); } .key-port { background: #333; width: 8px; height: 8px; border-radius: 50%; }
.key-track-shipment { border-top: 3px solid var(--shipment); height: 0; } .key-track-inspector { border-top: 2px solid var(--inspector); height: 0; } .key-track-other { border-top: 2px solid var(--other); height: 0; }
.timeline .tick path { stroke: #e3e7ea; } .timeline .tick text { font-size: 11px; fill: var(--muted); text-anchor: middle; }
.timeline .lane-bg { fill: #fff; } .timeline .lane:nth-of-type(even) .lane-bg { fill: #f6f8f9; } .timeline .lane-label { font-size: 12px; fill: var(--ink); }
.timeline .lane-shipment .lane-label { fill: var(--shipment); font-weight: 600; } .timeline .lane-inspector .lane-label { fill: var(--inspector); }
.coverage { stroke-width: 2; fill: none; stroke: var(--other); } .coverage-shipment { stroke: var(--shipment); } .coverage-inspector { stroke: var(--inspector); }
.deadline path { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 5 3; } .deadline text { font-size: 11px; fill: var(--bad); }
.passes { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; } .pass-column h4 { margin: 0.3em 0; }
.pass { margin: 0 0 12px; } svg.crop { width: 100%; max-width: 460px; height: auto; display: block; border: 1px solid var(--line); background: #000; }
svg.crop image { image-rendering: pixelated; } .site-outline { fill: none; stroke: #ffd21f; stroke-width: 1.2; stroke-dasharray: 4 3; vector-effect: non-scaling-stroke; }
.detections rect { fill: none; stroke: #ff3b30; stroke-width: 1.6; vector-effect: non-scaling-stroke; } .missing { fill: #444; }
.pass figcaption { font-size: 0.88em; }
.table-wrap { overflow-x: auto; } table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
td { overflow-wrap: break-word; } .verdict { white-space: nowrap; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 7px; text-align: left; vertical-align: top; } th { background: #f3f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
.inspection { margin-bottom: 6px; } .inspection.uncorroborated { color: var(--bad); }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--partial); border-radius: 4px; padding: 4px 14px 8px; margin: 10px 0; }
.finding.effect-DISCREPANCY { border-left-color: var(--bad); } .finding h3 { margin: 0.4em 0; }
.finding .details { display: grid; grid-template-columns: max-content 1fr; gap: 0 12px; font-size: 0.88em; } .finding .details dt { color: var(--muted); } .finding .details dd { margin: 0; }
:target { outline: 3px solid #ffb000; outline-offset: 2px; background: #fff8e1; }
tr:target td { background: #fff8e1; }
pre { background: #f5f7f8; border: 1px solid var(--line); padding: 10px; overflow-x: auto; font-size: 0.86em; white-space: pre-wrap; word-break: break-all; }
@media (max-width: 760px) { header.top { grid-template-columns: 1fr; } .passes { grid-template-columns: 1fr; } }
@media print { details { display: block; } .finding { break-inside: avoid; } }
`;
