/**
 * Values on a grid of square blocks over the detector's region (the
 * background, the fine background, the noise), read back at any pixel by
 * bilinear interpolation between block centres; and the grid as plain data
 * for the worker threads.
 */

/**
 * Values on a grid of square blocks (`block` pixels across) over a region,
 * read back at any pixel by bilinear interpolation between block centres.
 */
export class Grid {
  /** Blocks across and down. */
  readonly gw: number;
  readonly gh: number;
  /** One value per block, row-major. */
  readonly values: Float32Array;
  private readonly cx0: Int32Array;
  private readonly cx1: Int32Array;
  private readonly cwx: Float32Array;
  private readonly tmp: Float32Array;
  /** Ends (exclusive) of the runs of columns that share their two block centres. */
  private readonly segEnd: Int32Array;
  constructor(
    readonly block: number,
    readonly x0: number,
    readonly y0: number,
    readonly rw: number,
    readonly rh: number,
  ) {
    this.gw = Math.ceil(rw / block);
    this.gh = Math.ceil(rh / block);
    this.values = new Float32Array(this.gw * this.gh);
    this.cx0 = new Int32Array(rw);
    this.cx1 = new Int32Array(rw);
    this.cwx = new Float32Array(rw);
    this.tmp = new Float32Array(this.gw);
    const ends: number[] = [];
    for (let x = 0; x < rw; x++) {
      const f = (x + 0.5) / block - 0.5;
      const a = Math.max(0, Math.min(this.gw - 1, Math.floor(f)));
      this.cx0[x] = a;
      this.cx1[x] = Math.min(this.gw - 1, a + 1);
      this.cwx[x] = Math.max(0, Math.min(1, f - a));
      if (x > 0 && a !== this.cx0[x - 1]) ends.push(x);
    }
    ends.push(rw);
    this.segEnd = Int32Array.from(ends);
  }

  /** Interpolated values of image row y, for the region's columns. */
  row(y: number, out: Float32Array): void {
    const { gw, gh, values: v, tmp, cx0, cx1, cwx } = this;
    const f = (y - this.y0 + 0.5) / this.block - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(f)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, f - a));
    for (let i = 0; i < gw; i++) tmp[i] = v[a * gw + i] * (1 - t) + v[b * gw + i] * t;
    // by runs of columns between the same two block centres
    const segEnd = this.segEnd;
    let x = 0;
    for (let sgi = 0; sgi < segEnd.length; sgi++) {
      const p = tmp[cx0[x]];
      const d = tmp[cx1[x]] - p;
      const e = segEnd[sgi];
      for (; x < e; x++) out[x] = p + d * cwx[x];
    }
  }

  /** at(x, y) for x = xa … xa + out.length − 1 (the same arithmetic, the row's part hoisted). */
  span(y: number, xa: number, out: Float32Array): void {
    const { gw, gh, values: v } = this;
    const fy = (y - this.y0 + 0.5) / this.block - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(fy)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, fy - a));
    const ao = a * gw,
      bo = b * gw;
    const cx0 = this.cx0,
      cx1 = this.cx1,
      cwx = this.cwx;
    const r0 = xa - this.x0;
    for (let k = 0; k < out.length; k++) {
      const xr = r0 + k;
      const i0 = cx0[xr],
        i1 = cx1[xr],
        u = cwx[xr];
      const top = v[ao + i0] + (v[ao + i1] - v[ao + i0]) * u;
      const bot = v[bo + i0] + (v[bo + i1] - v[bo + i0]) * u;
      out[k] = top + (bot - top) * t;
    }
  }

  at(x: number, y: number): number {
    const { gw, gh, values: v } = this;
    const fy = (y - this.y0 + 0.5) / this.block - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(fy)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, fy - a));
    const xr = x - this.x0;
    const i0 = this.cx0[xr],
      i1 = this.cx1[xr],
      u = this.cwx[xr];
    const top = v[a * gw + i0] + (v[a * gw + i1] - v[a * gw + i0]) * u;
    const bot = v[b * gw + i0] + (v[b * gw + i1] - v[b * gw + i0]) * u;
    return top + (bot - top) * t;
  }

  /** Blocks not marked valid (1) take the mean of valid neighbours, repeatedly. */
  fill(valid: Uint8Array): void {
    const { gw, gh, values: v } = this;
    for (let pass = 0; pass < gw + gh; pass++) {
      let missing = 0;
      for (let j = 0; j < gh; j++) {
        for (let i = 0; i < gw; i++) {
          const k = j * gw + i;
          if (valid[k]) continue;
          let s = 0,
            n = 0;
          for (let dj = -1; dj <= 1; dj++) {
            for (let di = -1; di <= 1; di++) {
              const jj = j + dj,
                ii = i + di;
              if (jj < 0 || ii < 0 || jj >= gh || ii >= gw || valid[jj * gw + ii] !== 1) continue;
              s += v[jj * gw + ii];
              n++;
            }
          }
          if (n) {
            v[k] = s / n;
            valid[k] = 2;
          } else missing++;
        }
      }
      for (let k = 0; k < valid.length; k++) if (valid[k] === 2) valid[k] = 1;
      if (!missing) break;
    }
  }
}

/** A grid as plain data (what a worker thread receives). */
export interface GridSpec {
  block: number;
  x0: number;
  y0: number;
  rw: number;
  rh: number;
  values: Float32Array;
}

export function gridSpec(g: Grid): GridSpec {
  return { block: g.block, x0: g.x0, y0: g.y0, rw: g.rw, rh: g.rh, values: g.values };
}

export function gridOf(s: GridSpec): Grid {
  const g = new Grid(s.block, s.x0, s.y0, s.rw, s.rh);
  g.values.set(s.values);
  return g;
}
