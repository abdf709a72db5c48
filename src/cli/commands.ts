/**
 * The top-level commands and what each is for: the one list that both the
 * command's declaration (cli/<command>.ts) and the top-level help use, so
 * that `tally --help` can list every command without loading any of them.
 */
export const COMMAND_DESCRIPTIONS = {
  ais: 'read AIS: NMEA 0183 VDM/VDO logs and national-authority CSV',
  tracks: 'vessel tracks and maritime events from AIS',
  scenario: 'generate deterministic synthetic inputs',
  imagery: 'overhead imagery: inspect, degrade to the resolution cap, count objects, detect change',
  log: 'The tamper-evident log: C2SP tlog-tiles, signed checkpoints, tlog-proof receipts.',
  escrow:
    'Committed declarations of secret items: commit a lot, draw a challenge, reveal, check a reveal against the log (docs/escrow.md).',
  case: 'Case manifests: check one before verifying it',
  verify: 'verify a case: log every input, run the custody chain, write results.json and report.html',
} as const;

export type CommandName = keyof typeof COMMAND_DESCRIPTIONS;
