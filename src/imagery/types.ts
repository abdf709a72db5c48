/**
 * Shapes of the imagery stage: a georeferenced raster in memory, band by
 * band, and what is known of where it lies on the ground.
 */

export type SampleType = 'uint8' | 'uint16' | 'int16' | 'float32';

/** The typed array that holds one band of a given sample type. */
export type BandArray = Uint8Array | Uint16Array | Int16Array | Float32Array;

/**
 * Affine geotransform in GDAL's order: a CRS position of pixel corner
 * (col, row) is x = t[0] + col * t[1] + row * t[2], y = t[3] + col * t[4] + row * t[5].
 * North-up images have t[2] = t[4] = 0 and t[5] < 0.
 */
export type GeoTransform = [number, number, number, number, number, number];

export interface Georeference {
  /** EPSG code of the CRS (4326, 3857, 326xx, 269xx, ...). */
  epsg: number;
  transform: GeoTransform;
}

export interface Raster {
  width: number;
  height: number;
  type: SampleType;
  /** One array per band, row-major, width * height samples each. */
  bands: BandArray[];
  /** Value meaning "no data" in every band, or null. */
  nodata: number | null;
  /** Null when the image carries no georeferencing (then a GSD must come from the user). */
  geo: Georeference | null;
}

/** Ground sample distance in metres along each image axis. */
export interface Gsd {
  x: number;
  y: number;
}

/** An object found in an image. */
export interface Detection {
  /** Centre, degrees WGS 84 (or pixel centre when the image has no georeferencing: then lat/lon are null). */
  lat: number | null;
  lon: number | null;
  /** Centre in pixel coordinates (column, row), 0-based, pixel centres at .5. */
  x: number;
  y: number;
  length_m: number;
  width_m: number;
  /** Heading of the long axis, degrees clockwise from north (image up when not georeferenced), 0 to 180. */
  heading_deg: number;
  /** 0 to 1. */
  score: number;
  /** Brighter or darker than its surroundings. */
  polarity: 'bright' | 'dark';
}
