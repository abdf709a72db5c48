/**
 * Public API of the imagery stage: reading and writing GeoTIFF, coordinate
 * systems and ground sample distance, degrading to a resolution cap,
 * change between two passes, and the object detector (detect/, whose own
 * API is detect/index.ts). Other folders of src/ import from here only.
 */
export type { BandArray, Detection, GeoTransform, Georeference, Gsd, Raster, SampleType } from './types.js';
export { ImageryError, type ImageryErrorCode } from './errors.js';
export {
  readGeoTiff,
  readGeoTiffInfo,
  cornerCoordinates,
  type ImageInfo,
  type ReadOptions,
  type CornerCoordinates,
  type SubImage,
} from './read.js';
export { writeGeoTiff, type WriteOptions } from './write.js';
export {
  toWgs84,
  fromWgs84,
  gsdMetres,
  resolutionForCap,
  resolveGsd,
  gsdDisagreement,
  GSD_AGREEMENT,
  applyTransform,
  invertTransform,
  isSupportedEpsg,
  isGeographic,
  crsName,
} from './crs.js';
export {
  degrade,
  degradeToGsd,
  averageToSize,
  degradedSize,
  factorsForGsd,
  nodataReplacement,
  type DegradeOptions,
} from './degrade.js';
export {
  registerToGrid,
  estimateShift,
  detectChange,
  objectChanges,
  luminance,
  type ChangeOptions,
  type ChangeBlob,
  type ChangeResult,
  type ObjectChanges,
} from './change.js';
export {
  ClassicalDetector,
  detectObjects,
  setDetectorThreads,
  type ObjectDetector,
  type DetectOptions,
} from './detect/index.js';
export { rasteriseRings, sitePixelRings, siteAreaPx } from './site.js';
export { readDegraded } from './degrade-file.js';
export {
  judgeVisibility,
  visibilityProblem,
  visibleLuminance,
  fullScale,
  type Visibility,
  type ObscuredKind,
} from './visibility.js';
