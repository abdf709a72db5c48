/**
 * The worker of the streaming degrade (degrade-file.ts): takes units of a
 * DEFLATE image from the shared counter beside the main thread (runUnits),
 * then says whether it went well.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runUnits, type UnitJob } from './degrade-kernel.js';

const { job, ctl, out } = workerData as { job: UnitJob; ctl: SharedArrayBuffer; out: SharedArrayBuffer };
const n = job.outW * Math.round(out.byteLength / job.spp / job.outW);
const outs = Array.from({ length: job.spp }, (_, b) => new Uint8Array(out, b * n, n));
try {
  runUnits(job, new Int32Array(ctl), outs);
  parentPort!.postMessage({ ok: true });
} catch (e) {
  parentPort!.postMessage({ ok: false, message: (e as Error).message ?? String(e) });
}
