-- PostgreSQL 15 + PostGIS 3 peer of Tally's encounter search (bench/tracks/postgis.ts runs it).
--
-- The definition is src/tracks/params.ts's defaults: 10-minute slots at multiples of 600 s since
-- the epoch, linear interpolation between consecutive good reports at most 1 h apart, close when
-- the haversine distance (R = 6,371,008.8 m) is <= 500 m, runs of >= 12 close slots (2 h), each
-- vessel's median slot speed < 2 kn, mean position >= 10 km from every port (when ports are
-- given), candidates of the same pair less than 4 h apart (next start - previous end) merged.
--
-- postgis.ts splits this file at lines `-- @phase NAME` and runs the phases one after another in
-- one psql session, timing each; it substitutes `:'csv'`, `:eps` and `:radius` before sending.
-- Tables are UNLOGGED (no WAL: the cluster is throwaway).

-- @phase setup
SET client_min_messages = warning;
SET TIME ZONE 'UTC';
DROP TABLE IF EXISTS raw, rep, jumps, sp, spg, cl, close, cr, cand, enc, ports CASCADE;

-- Haversine in metres, R = 6,371,008.8 m (Tally's EARTH_RADIUS_M). A one-expression SQL function,
-- so the planner inlines it (no function call per row).
CREATE OR REPLACE FUNCTION tally_hav(lat1 float8, lon1 float8, lat2 float8, lon2 float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 2 * 6371008.8 * asin(least(1.0, sqrt(
    sin(radians(lat2 - lat1) / 2) ^ 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ^ 2)))
$$;

-- Exact jump flags. A report is a jump when the implied speed from the previous *good* report of
-- the same vessel exceeds 50 kn; a jump does not become the reference for the next report. Only
-- vessels where the test against the previous report (lead in `rep`) finds a jump are walked,
-- report by report, from that report on. Returns the jumps (kind 'j') and, for each good report whose next report is
-- a jump, the next good report (kind 'n'; null fields when none follows).
CREATE OR REPLACE FUNCTION tally_exact_jumps()
RETURNS TABLE (kind "char", mmsi bigint, t float8, t1 float8, lat1 float8, lon1 float8, sog1 float8)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  cur bigint := -1;
  glat float8; glon float8; gt float8;
  pending boolean := false;
BEGIN
  -- from the first report whose next one is a lag-based jump (good: no jump before it)
  FOR r IN SELECT p.mmsi, p.t, p.lat, p.lon, p.sog FROM rep p
           JOIN (SELECT q.mmsi, min(q.t) AS ft FROM rep q
                 WHERE tally_hav(q.lat, q.lon, q.lat1, q.lon1) / (q.t1 - q.t) * (3600.0 / 1852.0) > 50
                 GROUP BY q.mmsi) f ON f.mmsi = p.mmsi AND p.t >= f.ft
           ORDER BY p.mmsi, p.t LOOP
    IF r.mmsi <> cur THEN
      IF pending THEN kind := 'n'; mmsi := cur; t := gt; t1 := NULL; lat1 := NULL; lon1 := NULL; sog1 := NULL; RETURN NEXT; END IF;
      cur := r.mmsi; glat := r.lat; glon := r.lon; gt := r.t; pending := false;
    ELSIF tally_hav(glat, glon, r.lat, r.lon) / (r.t - gt) * (3600.0 / 1852.0) > 50 THEN
      kind := 'j'; mmsi := r.mmsi; t := r.t; t1 := NULL; lat1 := NULL; lon1 := NULL; sog1 := NULL; RETURN NEXT;
      pending := true;
    ELSE
      IF pending THEN kind := 'n'; mmsi := cur; t := gt; t1 := r.t; lat1 := r.lat; lon1 := r.lon; sog1 := r.sog; RETURN NEXT; END IF;
      glat := r.lat; glon := r.lon; gt := r.t; pending := false;
    END IF;
  END LOOP;
  IF pending THEN kind := 'n'; mmsi := cur; t := gt; t1 := NULL; lat1 := NULL; lon1 := NULL; sog1 := NULL; RETURN NEXT; END IF;
END $$;

-- All 17 MarineCadastre columns; only MMSI, the time, LAT, LON, SOG, COG and Heading are typed.
CREATE UNLOGGED TABLE raw (
  mmsi bigint, basedatetime timestamp, lat float8, lon float8, sog float8, cog float8, heading float8,
  vesselname text, imo text, callsign text, vesseltype text, status text, length text, width text,
  draft text, cargo text, transceiverclass text);
CREATE UNLOGGED TABLE ports (name text, g geography);

-- @phase load
\copy raw FROM :'csv' WITH (FORMAT csv, HEADER true)

-- @phase ports
-- (postgis.ts inserts the GeoJSON features first: INSERT INTO ports VALUES (name, ST_GeomFromGeoJSON(...)::geography))
CREATE INDEX ON ports USING gist (g);
ANALYZE ports;

-- @phase clean
-- Valid rows (Tally's CSV reader: latitude 91 / longitude 181 / SOG 102.3 are "not available";
-- a SOG, COG or heading out of range rejects the row), one per (vessel, time): the first in
-- file order (ctid of a table filled by one COPY), with the next report (lead) over the same sort.
CREATE UNLOGGED TABLE rep AS
SELECT mmsi, t, lat, lon, sog, lead(t) OVER w AS t1, lead(lat) OVER w AS lat1, lead(lon) OVER w AS lon1, lead(sog) OVER w AS sog1
FROM (
  SELECT DISTINCT ON (mmsi, t) mmsi, date_part('epoch', basedatetime) AS t, lat, lon, nullif(sog, 102.3) AS sog
  FROM raw
  WHERE basedatetime IS NOT NULL AND mmsi BETWEEN 1 AND 999999999
    AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180
    AND (sog IS NULL OR sog BETWEEN 0 AND 102.3)
    AND (cog IS NULL OR cog BETWEEN 0 AND 360)
    AND (heading IS NULL OR heading = 511 OR (heading >= 0 AND heading < 360))
  ORDER BY mmsi, t, ctid
) d
WINDOW w AS (PARTITION BY mmsi ORDER BY t);

-- @phase jumps
CREATE UNLOGGED TABLE jumps AS SELECT * FROM tally_exact_jumps();
ANALYZE jumps;

-- @phase resample
-- Slot T (seconds, multiple of 600) belongs to the good report r at t with t <= T < t1 when the
-- next good report (t1) is at most 3600 s later, and to r alone when T = t. Jumps are left out:
-- a good report whose next report is a jump takes the next good one.
CREATE UNLOGGED TABLE sp AS
WITH src AS (
  SELECT r.mmsi, r.t, r.lat, r.lon, r.sog,
         CASE WHEN f.mmsi IS NULL THEN r.t1 ELSE f.t1 END AS t1,
         CASE WHEN f.mmsi IS NULL THEN r.lat1 ELSE f.lat1 END AS lat1,
         CASE WHEN f.mmsi IS NULL THEN r.lon1 ELSE f.lon1 END AS lon1,
         CASE WHEN f.mmsi IS NULL THEN r.sog1 ELSE f.sog1 END AS sog1
  FROM rep r LEFT JOIN jumps f ON f.kind = 'n' AND f.mmsi = r.mmsi AND f.t = r.t
  WHERE NOT EXISTS (SELECT 1 FROM jumps k WHERE k.kind = 'j' AND k.mmsi = r.mmsi AND k.t = r.t)
), b AS (
  SELECT *, ceil(t / 600)::bigint AS lo,
         CASE WHEN t1 - t <= 3600 THEN ceil(t1 / 600)::bigint - 1
              WHEN t = ceil(t / 600) * 600 THEN ceil(t / 600)::bigint
              ELSE ceil(t / 600)::bigint - 1 END AS hi,
         coalesce(t1 - t <= 3600, false) AS ok
  FROM src
), s AS (
  SELECT b.*, k * 600 AS slot, CASE WHEN ok THEN (k * 600 - t) / (t1 - t) ELSE 0 END AS w,
         CASE WHEN lon1 - lon > 180 THEN lon1 - lon - 360 WHEN lon1 - lon < -180 THEN lon1 - lon + 360
              ELSE lon1 - lon END AS dlon
  FROM b, generate_series(lo, hi) k
  WHERE lo <= hi
)
SELECT mmsi, slot,
       CASE WHEN slot = t THEN lat ELSE lat + w * (lat1 - lat) END AS lat,
       CASE WHEN slot = t THEN lon
            WHEN lon + w * dlon >= 180 THEN lon + w * dlon - 360
            WHEN lon + w * dlon < -180 THEN lon + w * dlon + 360
            ELSE lon + w * dlon END AS lon,
       CASE WHEN ok AND sog IS NOT NULL AND sog1 IS NOT NULL THEN sog + w * (sog1 - sog)
            WHEN slot = t AND sog IS NOT NULL THEN sog
            WHEN ok THEN tally_hav(lat, lon, lat1, lon1) / (t1 - t) * (3600.0 / 1852.0)
            END AS speed
FROM s;

-- @phase dbscan
-- Spherical Mercator (the same sphere, R = 6,371,008.8 m) is conformal with scale sec(lat): two
-- points :radius m apart on the sphere are at most :radius * sec(max |lat| + 0.01 deg) apart on
-- the plane, so clusters of ST_ClusterDBSCAN with eps = that (minpoints 2: every point with a
-- neighbour within eps) hold every close pair. Pairs inside a cluster are then tested exactly.
CREATE UNLOGGED TABLE cl AS
SELECT * FROM (
  SELECT slot, mmsi, lat, lon, speed,
         ST_ClusterDBSCAN(ST_Point(6371008.8 * radians(lon), 6371008.8 * ln(tan(pi() / 4 + radians(lat) / 2))),
                          eps := :eps, minpoints := 2) OVER (PARTITION BY slot) AS cid
  FROM sp
) c WHERE cid IS NOT NULL;

CREATE UNLOGGED TABLE close AS
SELECT a.mmsi AS a, b.mmsi AS b, a.slot, tally_hav(a.lat, a.lon, b.lat, b.lon) AS d,
       a.speed AS sa, b.speed AS sb, (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon
FROM cl a JOIN cl b ON a.slot = b.slot AND a.cid = b.cid AND a.mmsi < b.mmsi
WHERE tally_hav(a.lat, a.lon, b.lat, b.lon) <= :radius;

-- @phase dwithin
-- The plain formulation: geography points, a GiST index, ST_DWithin (sphere) self-join per slot,
-- then the exact haversine test (ST_DWithin's sphere has R = 6,371,008.7714 m; the margin of
-- 0.01 m covers the difference, the haversine decides).
CREATE UNLOGGED TABLE spg AS SELECT mmsi, slot, lat, lon, speed, ST_Point(lon, lat)::geography AS g FROM sp;
CREATE INDEX ON spg USING gist (g);
ANALYZE spg;
CREATE UNLOGGED TABLE close AS
SELECT a.mmsi AS a, b.mmsi AS b, a.slot, tally_hav(a.lat, a.lon, b.lat, b.lon) AS d,
       a.speed AS sa, b.speed AS sb, (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon
FROM spg a JOIN spg b ON a.slot = b.slot AND a.mmsi < b.mmsi AND ST_DWithin(a.g, b.g, :radius + 0.01, false)
WHERE tally_hav(a.lat, a.lon, b.lat, b.lon) <= :radius;

-- @phase encounters
-- Runs of consecutive close slots (gaps and islands), candidates (>= 12 slots, both medians < 2 kn,
-- mean position >= 10 km from every port), merge (next start - previous end < 4 h).
CREATE UNLOGGED TABLE cr AS
SELECT a, b, slot, d, sa, sb, lat, lon, slot / 600 - row_number() OVER (PARTITION BY a, b ORDER BY slot) AS g
FROM close WHERE d <= 500;

CREATE UNLOGGED TABLE cand AS
SELECT * FROM (
  SELECT a, b, g, min(slot) AS s, max(slot) AS e, count(*) AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY sa) AS msa,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY sb) AS msb,
         avg(lat) AS lat, avg(lon) AS lon
  FROM cr GROUP BY a, b, g HAVING count(*) >= 12
) c
WHERE msa < 2 AND msb < 2
  AND NOT EXISTS (SELECT 1 FROM ports p WHERE ST_DWithin(p.g, ST_Point(c.lon, c.lat)::geography, 10000, false));

CREATE UNLOGGED TABLE enc AS
SELECT m.a, m.b, min(m.s) AS s, max(m.e) AS e, count(*) AS slots,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY cr.d) AS md, min(cr.d) AS mind
FROM (
  SELECT *, sum(nw) OVER (PARTITION BY a, b ORDER BY s) AS mg
  FROM (SELECT *, CASE WHEN s - lag(e) OVER (PARTITION BY a, b ORDER BY s) < 14400 THEN 0 ELSE 1 END AS nw FROM cand) x
) m JOIN cr ON cr.a = m.a AND cr.b = m.b AND cr.g = m.g
GROUP BY m.a, m.b, m.mg;

-- @phase output
SELECT a, b, s, e, slots, md, mind FROM enc ORDER BY a, b, s;
\echo @@BORDERLINE@@
SELECT a, b, slot, d FROM close WHERE d >= 497.5 ORDER BY a, b, slot;
