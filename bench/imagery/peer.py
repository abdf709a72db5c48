#!/usr/bin/python3
"""Peer of bench/imagery/run.ts: the same work done with GDAL + numpy + scipy.

Run with Debian's /usr/bin/python3 (apt-get install -y python3-gdal python3-scipy gdal-bin).

  peer.py change BEFORE AFTER GSD   change + object count on both passes
  peer.py degrade IN OUT            gdal_translate -r average -outsize 25% 25%
  peer.py compare A B               pixel-for-pixel comparison of two rasters

Each prints one JSON line {ms, rss, result}. The time is taken inside the
process after the imports (as Tally's is taken inside its Node child), except
for `degrade`, which times the whole gdal_translate process.

change (what the peer does, step by step):
  1. gdal.Open + ReadAsArray on both passes (uint8 arrays).
  2. Difference: after - (gain * before + offset), gain and offset fitted on a
     strided sample (1 Mi pixels) by least squares: radiometric normalisation,
     as Tally does. Threshold at 4 robust sigmas (1.4826 * MAD of the
     difference, from the same sample).
  3. scipy.ndimage.label (8-connected) on the changed mask, blob sizes by
     np.bincount, blobs under 6 pixels dropped, scipy.ndimage.find_objects for
     their bounding boxes.
  4. Object count on each pass: background by scipy.ndimage.uniform_filter
     (box of twice the longest declared length), deviation beyond 4 robust
     sigmas either way (bright and dark objects), label (8-connected),
     find_objects; kept when the pixel count is within the declared area range
     (0.3x the smallest to 1.5x the largest) and the bounding box's diagonal
     is between 0.7x the shortest and 1.3x the longest declared length.
  It does not estimate a residual shift (the inputs are co-registered) and
  its detector has no elongation fit, heading or score: it is cheaper work
  than Tally's, not a strawman.
"""
import json
import resource
import subprocess
import sys
import time

import numpy as np
from osgeo import gdal
from scipy import ndimage

gdal.UseExceptions()

LENGTH_M = (20.0, 25.0)
WIDTH_M = (2.5, 3.5)
EIGHT = np.ones((3, 3), dtype=bool)


def read(path):
    ds = gdal.Open(path)
    a = ds.GetRasterBand(1).ReadAsArray()
    ds = None
    return a


def robust_sigma(v):
    med = np.median(v)
    return 1.4826 * np.median(np.abs(v - med)), med


def sample(a, n=1 << 20):
    flat = a.reshape(-1)
    step = max(1, flat.size // n)
    return flat[::step]


def count_objects(img, gsd):
    f = img.astype(np.float32)
    box = int(round(2 * LENGTH_M[1] / gsd)) | 1
    bg = ndimage.uniform_filter(f, size=box)
    dev = f - bg
    sigma, med = robust_sigma(sample(dev))
    mask = np.abs(dev - med) > 4 * sigma
    lab, n = ndimage.label(mask, structure=EIGHT)
    if n == 0:
        return 0
    sizes = np.bincount(lab.reshape(-1), minlength=n + 1)
    pix = gsd * gsd
    lo = 0.3 * LENGTH_M[0] * WIDTH_M[0] / pix
    hi = 1.5 * LENGTH_M[1] * WIDTH_M[1] / pix
    kept = 0
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        if sl is None or not (lo <= sizes[i] <= hi):
            continue
        h = (sl[0].stop - sl[0].start) * gsd
        w = (sl[1].stop - sl[1].start) * gsd
        d = (h * h + w * w) ** 0.5
        if 0.7 * LENGTH_M[0] <= d <= 1.3 * LENGTH_M[1]:
            kept += 1
    return kept


def change(before, after, gsd):
    t0 = time.perf_counter()
    a = read(before)
    b = read(after)
    t_read = time.perf_counter()
    sa = sample(a).astype(np.float64)
    sb = sample(b).astype(np.float64)
    gain, offset = np.polyfit(sa, sb, 1)
    diff = b.astype(np.float32) - (np.float32(gain) * a.astype(np.float32) + np.float32(offset))
    sigma, med = robust_sigma(sample(diff))
    thr = max(4 * sigma, 1.0)
    mask = np.abs(diff - med) > thr
    lab, n = ndimage.label(mask, structure=EIGHT)
    sizes = np.bincount(lab.reshape(-1), minlength=n + 1)
    boxes = ndimage.find_objects(lab)
    blobs = [sl for i, sl in enumerate(boxes, start=1) if sl is not None and sizes[i] >= 6]
    changed = int(sum(sizes[i] for i in range(1, n + 1) if sizes[i] >= 6))
    t_change = time.perf_counter()
    nb = count_objects(a, gsd)
    na = count_objects(b, gsd)
    t1 = time.perf_counter()
    return {
        "ms": (t1 - t0) * 1000,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "result": {
            "read_ms": (t_read - t0) * 1000, "change_ms": (t_change - t_read) * 1000, "detect_ms": (t1 - t_change) * 1000,
            "changed_fraction": changed / a.size, "blobs": len(blobs), "count_before": nb, "count_after": na,
        },
    }


def degrade(src, dst):
    t0 = time.perf_counter()
    subprocess.run(["gdal_translate", "-q", "-r", "average", "-outsize", "25%", "25%", src, dst], check=True)
    t1 = time.perf_counter()
    return {
        "ms": (t1 - t0) * 1000,
        "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "result": {"command": "gdal_translate -r average -outsize 25% 25%"},
    }


def compare(p, q):
    a = read(p).astype(np.int16)
    b = read(q).astype(np.int16)
    if a.shape != b.shape:
        return {"ms": 0, "rss": 0, "result": {"equal": False, "max_abs_diff": -1}}
    d = int(np.abs(a - b).max())
    return {"ms": 0, "rss": 0, "result": {"equal": d == 0, "max_abs_diff": d}}


def main():
    cmd = sys.argv[1]
    if cmd == "change":
        out = change(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif cmd == "degrade":
        out = degrade(sys.argv[2], sys.argv[3])
    elif cmd == "compare":
        out = compare(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit("usage: peer.py change|degrade|compare ...")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
