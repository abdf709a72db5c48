/** Public API of the imagery stage. */
export * from './types.js';
export { ImageryError, type ImageryErrorCode } from './errors.js';
export { readGeoTiff, readGeoTiffInfo, cornerCoordinates, type ImageInfo, type ReadOptions, type CornerCoordinates, type SubImage } from './read.js';
export { writeGeoTiff, type WriteOptions } from './write.js';
export {
  toWgs84, fromWgs84, gsdMetres, resolutionForCap, resolveGsd, applyTransform, invertTransform,
  isSupportedEpsg, isGeographic, crsName,
} from './crs.js';
