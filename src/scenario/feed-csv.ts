/**
 * The feed written as a MarineCadastre daily-file CSV, for the readers
 * (Tally's `ais/csv.ts`, PostgreSQL's COPY): straight into 16 MB buffers,
 * digit by digit, with no string per number, since the benchmark feeds run
 * to millions of rows.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { PositionColumns } from '../ais/index.js';
import { MINUTE_MS } from '../util/index.js';
import type { FeedVessel } from './feed.js';

export const MARINECADASTRE_FEED_HEADER =
  'MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass';

/** Bytes of a CSV row written straight into a buffer: no string per number. */
class ByteWriter {
  buf = Buffer.allocUnsafe(1 << 24);
  pos = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.bytes += this.pos;
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  bytesOf(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** A non-negative integer. */
  uint(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (digits-- > 0) {
      const q = Math.floor(n / 10);
      this.buf[--p] = 48 + (n - q * 10);
      n = q;
    }
  }

  /** x rounded to `decimals` places, written with exactly that many. */
  fixed(x: number, decimals: number, scale: number): void {
    let n = Math.round(x * scale);
    if (n < 0) {
      this.buf[this.pos++] = 45;
      n = -n;
    }
    const ip = Math.floor(n / scale);
    this.uint(ip);
    this.buf[this.pos++] = 46;
    let f = n - ip * scale;
    let p = this.pos + decimals;
    this.pos = p;
    for (let k = 0; k < decimals; k++) {
      const q = Math.floor(f / 10);
      this.buf[--p] = 48 + (f - q * 10);
      f = q;
    }
  }
}

/**
 * Writes the columns as a MarineCadastre daily-file CSV (2018-2024 layout):
 * times as whole seconds `YYYY-MM-DDTHH:MM:SS`, LAT/LON with 5 decimals,
 * SOG/COG with 1, Heading as `N.0` (511.0 when not available, as are 102.3
 * and 360.0 for SOG and COG), Status empty where the row has none (255). The
 * static columns come from `vessels` where given (by MMSI), else empty.
 * Synchronous, written straight into 16 MB buffers; returns rows and bytes.
 */
export function writeFeedCsv(
  columns: PositionColumns,
  path: string,
  vessels?: readonly FeedVessel[],
): { rows: number; bytes: number } {
  const statics = new Map<number, [Buffer, Buffer]>();
  for (const v of vessels ?? []) {
    const text = (s: string): string => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    statics.set(v.mmsi, [
      Buffer.from(
        `,${text(v.shipname)},${v.imo === null ? '' : `IMO${v.imo}`},${text(v.callsign)},${v.shiptype},`,
        'latin1',
      ),
      Buffer.from(
        `,${v.length},${v.width},${v.draught === null ? '' : v.draught},,${v.classB ? 'B' : 'A'}\n`,
        'latin1',
      ),
    ]);
  }
  const none: [Buffer, Buffer] = [Buffer.from(',,,,,'), Buffer.from(',,,,,\n')];
  const fd = openSync(path, 'w');
  const w = new ByteWriter(fd);
  try {
    w.bytesOf(Buffer.from(MARINECADASTRE_FEED_HEADER + '\n'));
    let lastMinute = NaN;
    let minutePrefix = Buffer.alloc(0);
    let lastMmsi = -1;
    let st = none;
    for (let i = 0; i < columns.length; i++) {
      w.ensure(1024);
      const t = columns.time[i];
      const sec = Math.floor(t / 1000);
      const minute = Math.floor(sec / 60);
      if (minute !== lastMinute) {
        minutePrefix = Buffer.from(new Date(minute * MINUTE_MS).toISOString().slice(0, 17), 'latin1');
        lastMinute = minute;
      }
      const mmsi = columns.mmsi[i];
      if (mmsi !== lastMmsi) {
        st = statics.get(mmsi) ?? none;
        lastMmsi = mmsi;
      }
      w.uint(mmsi);
      w.byte(44);
      w.bytesOf(minutePrefix);
      const s = sec - minute * 60;
      w.byte(48 + Math.floor(s / 10));
      w.byte(48 + (s % 10));
      w.byte(44);
      w.fixed(columns.lat[i], 5, 1e5);
      w.byte(44);
      w.fixed(columns.lon[i], 5, 1e5);
      w.byte(44);
      const sog = columns.speed[i];
      w.fixed(Number.isNaN(sog) ? 102.3 : sog, 1, 10);
      w.byte(44);
      const cog = columns.course[i];
      w.fixed(Number.isNaN(cog) ? 360 : cog, 1, 10);
      w.byte(44);
      const hdg = columns.heading[i];
      w.fixed(Number.isNaN(hdg) ? 511 : hdg, 1, 10);
      w.bytesOf(st[0]);
      const status = columns.status[i];
      if (status !== 255) w.uint(status);
      w.bytesOf(st[1]);
    }
    w.flush();
  } finally {
    closeSync(fd);
  }
  return { rows: columns.length, bytes: w.bytes };
}
