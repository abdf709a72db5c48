/**
 * Columnar store of position reports: one typed array per field, grown by
 * doubling, so the stages after `ais/` scan millions of reports without an
 * object per report. Not-available values are NaN in the float columns.
 */

export interface PositionColumns {
  /** Number of rows in use; the arrays may be longer. */
  length: number;
  /** Receive time, ms since the Unix epoch (negative before 1970); NaN when the input had none. */
  time: Float64Array;
  mmsi: Uint32Array;
  /** Degrees, WGS 84. NaN when not available. */
  lat: Float64Array;
  lon: Float64Array;
  /** Speed over ground, knots. */
  speed: Float32Array;
  /** Course over ground, degrees. */
  course: Float32Array;
  /** True heading, degrees. */
  heading: Float32Array;
  /** AIS message type the row came from (1-3, 4, 9, 11, 18, 19, 21, 27, or 0 for CSV). */
  type: Uint8Array;
  /** Navigational status (0-15), 255 when the report has none. */
  status: Uint8Array;
}

/** Static and voyage data (types 5, 19, 24 and CSV rows), few enough to be objects. */
export interface StaticReport {
  time: number;
  mmsi: number;
  type: number;
  shipname?: string | null;
  callsign?: string | null;
  imo?: number | null;
  shiptype?: number | null;
  to_bow?: number | null;
  to_stern?: number | null;
  to_port?: number | null;
  to_starboard?: number | null;
  draught?: number | null;
  destination?: string | null;
  /** Overall size in metres where the source gives only that (MarineCadastre CSV). */
  length?: number | null;
  width?: number | null;
}

export interface AisBatch {
  positions: PositionColumns;
  statics: StaticReport[];
}

export class PositionColumnsBuilder implements PositionColumns {
  length = 0;
  time: Float64Array;
  mmsi: Uint32Array;
  lat: Float64Array;
  lon: Float64Array;
  speed: Float32Array;
  course: Float32Array;
  heading: Float32Array;
  type: Uint8Array;
  status: Uint8Array;

  constructor(capacity = 1 << 16) {
    this.time = new Float64Array(capacity);
    this.mmsi = new Uint32Array(capacity);
    this.lat = new Float64Array(capacity);
    this.lon = new Float64Array(capacity);
    this.speed = new Float32Array(capacity);
    this.course = new Float32Array(capacity);
    this.heading = new Float32Array(capacity);
    this.type = new Uint8Array(capacity);
    this.status = new Uint8Array(capacity);
  }

  push(
    time: number,
    mmsi: number,
    lat: number,
    lon: number,
    speed: number,
    course: number,
    heading: number,
    type: number,
    status: number,
  ): void {
    const i = this.length;
    if (i === this.time.length) this.grow(i * 2);
    this.time[i] = time;
    this.mmsi[i] = mmsi;
    this.lat[i] = lat;
    this.lon[i] = lon;
    this.speed[i] = speed;
    this.course[i] = course;
    this.heading[i] = heading;
    this.type[i] = type;
    this.status[i] = status;
    this.length = i + 1;
  }

  private grow(capacity: number): void {
    const g = <T extends Float64Array | Float32Array | Uint32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity);
      b.set(a);
      return b;
    };
    this.time = g(this.time);
    this.mmsi = g(this.mmsi);
    this.lat = g(this.lat);
    this.lon = g(this.lon);
    this.speed = g(this.speed);
    this.course = g(this.course);
    this.heading = g(this.heading);
    this.type = g(this.type);
    this.status = g(this.status);
  }

  /** Columns trimmed to `length` (views, no copy). */
  finish(): PositionColumns {
    const n = this.length;
    return {
      length: n,
      time: this.time.subarray(0, n),
      mmsi: this.mmsi.subarray(0, n),
      lat: this.lat.subarray(0, n),
      lon: this.lon.subarray(0, n),
      speed: this.speed.subarray(0, n),
      course: this.course.subarray(0, n),
      heading: this.heading.subarray(0, n),
      type: this.type.subarray(0, n),
      status: this.status.subarray(0, n),
    };
  }
}
