/**
 * The detector's worker threads run this file (pool.ts starts them): each
 * job is a share of rows or blocks of one of the passes over the pixels, or
 * a share of the profile fits, computed by the same functions the calling
 * thread uses on small images.
 */
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { fineBlockRows, medianBlockRows } from './background.js';
import { RunList, thresholdRows } from './components.js';
import { gridOf } from './grid.js';
import { smoothRows } from './luminance.js';
import type { Job, JobResult } from './pool.js';
import { makeZRow, refineAll } from './refine-pass.js';

function runJob(j: Job): JobResult {
  switch (j.kind) {
    case 'ping':
      return {};
    case 'smooth':
      smoothRows(j.src, j.out, j.w, j.h, j.yA, j.yB);
      return {};
    case 'refine': {
      const zRow = makeZRow(j.pass, gridOf(j.bg), gridOf(j.fine), gridOf(j.noise));
      return { out: refineAll(zRow, j.job, j.cands) };
    }
    case 'threshold': {
      const out = [new RunList(), new RunList(), new RunList(), new RunList()];
      thresholdRows(j.pass, gridOf(j.bg), gridOf(j.fine), gridOf(j.noise), j.T, j.TL, j.yA, j.yB, out);
      return { runs: out.map((g) => g.data.slice(0, g.n)) };
    }
    case 'median':
    case 'fine': {
      const g = gridOf(j.grid);
      const valid = new Uint8Array(g.values.length);
      if (j.kind === 'median') {
        const bg = j.bg ? gridOf(j.bg) : null,
          fine = j.fine ? gridOf(j.fine) : null;
        medianBlockRows(j.pass, g, j.q, j.mode, bg, fine, j.jA, j.jB, g.values, valid);
      } else fineBlockRows(j.pass, g, gridOf(j.bg), gridOf(j.noise), j.jA, j.jB, g.values, valid);
      return { vals: g.values.slice(j.jA * g.gw, j.jB * g.gw), valid: valid.slice(j.jA * g.gw, j.jB * g.gw) };
    }
  }
}

if (!isMainThread && (workerData as { tallyDetectWorker?: boolean } | null)?.tallyDetectWorker) {
  const wd = workerData as { port: MessagePort; flag: Int32Array };
  parentPort?.on('message', (j: Job) => {
    let r: JobResult;
    try {
      r = runJob(j);
    } catch (e) {
      r = { error: (e as Error).stack ?? String(e) };
    }
    wd.port.postMessage(r);
    Atomics.add(wd.flag, 0, 1);
    Atomics.notify(wd.flag, 0);
  });
}
