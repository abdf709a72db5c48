/** The one error type of the imagery stage: a stable `code`, a message that names the file. */

export type ImageryErrorCode =
  | 'NOT_FOUND'
  | 'NOT_TIFF'
  | 'TRUNCATED'
  | 'CORRUPT'
  | 'NO_GEOREFERENCING'
  | 'UNSUPPORTED_COMPRESSION'
  | 'UNSUPPORTED_SAMPLE_FORMAT'
  | 'UNSUPPORTED_LAYOUT'
  | 'UNSUPPORTED_CRS'
  | 'BAD_WINDOW'
  | 'BAD_OVERVIEW'
  | 'BAD_RASTER';

export class ImageryError extends Error {
  constructor(
    readonly code: ImageryErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ImageryError';
  }
}

/** The hint every "no georeferencing" message carries. */
export const SOURCE_GSD_HINT = 'pass --source-gsd METRES to give its ground resolution';
