/**
 * Line framing shared by every reader of AIS bytes: lines may be split
 * anywhere across chunks; a partial line is carried to the next chunk, and a
 * line longer than the limit is dropped as it streams past (never held
 * whole), then reported once. Subclasses say what a line is.
 */

/** Longest line accepted, in bytes: a tag block, a sentence and trailing fields fit well within it. */
export const MAX_LINE_BYTES = 1000;

const LF = 10;

export abstract class LineSplitter {
  private carry: Uint8Array = new Uint8Array(0);
  private carryLen = 0;
  private skippingLongLine = false;

  /** One line, without its newline: bytes buf[start, end). */
  protected abstract line(buf: Uint8Array, start: number, end: number): void;

  /** A line over the limit went past (it is not passed to `line`). */
  protected abstract longLine(): void;

  /** Feed bytes; lines may be split anywhere across calls. */
  write(chunk: Uint8Array): void {
    let start = 0;
    const n = chunk.length;
    if (this.carryLen > 0 || this.skippingLongLine) {
      const nl = chunk.indexOf(LF);
      const upto = nl < 0 ? n : nl;
      if (!this.skippingLongLine) {
        // The limit plus one byte for a CR: the line itself judges its length without it.
        if (this.carryLen + upto > MAX_LINE_BYTES + 1) this.skippingLongLine = true;
        else {
          this.appendCarry(chunk, 0, upto);
          if (nl >= 0) {
            const c = this.carry;
            const len = this.carryLen;
            this.carryLen = 0;
            this.line(c, 0, len);
          }
        }
      }
      if (nl < 0) return;
      if (this.skippingLongLine) {
        this.skippingLongLine = false;
        this.carryLen = 0;
        this.longLine();
      }
      start = nl + 1;
    }
    while (start < n) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) {
        if (n - start > MAX_LINE_BYTES + 1) this.skippingLongLine = true;
        else this.appendCarry(chunk, start, n);
        return;
      }
      this.line(chunk, start, nl);
      start = nl + 1;
    }
  }

  /** End of input: a last line without a newline is read (or the long line being dropped reported). */
  protected flushLines(): void {
    if (this.skippingLongLine) {
      this.skippingLongLine = false;
      this.longLine();
    } else if (this.carryLen > 0) {
      const len = this.carryLen;
      this.carryLen = 0;
      this.line(this.carry, 0, len);
    }
  }

  private appendCarry(src: Uint8Array, from: number, to: number): void {
    const need = this.carryLen + (to - from);
    if (need > this.carry.length) {
      const c = new Uint8Array(Math.max(need, 256) * 2);
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
    }
    this.carry.set(src.subarray(from, to), this.carryLen);
    this.carryLen = need;
  }
}
