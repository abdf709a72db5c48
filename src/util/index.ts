/**
 * Small helpers every stage shares, and nothing else: this folder imports
 * no other folder of `src/`, so any stage may use it.
 *
 *   units.ts       time units in milliseconds, the nautical mile and the knot
 *   stats.ts       median (mean of the middle two) and high median
 *   geodesy.ts     the Earth radius and the haversine distance
 *   union-find.ts  union-find over a typed parent array
 *   secret-file.ts key and secret files written whole, 0600, in a 0700 folder
 */
export { SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS, NAUTICAL_MILE_M, KNOT_M_PER_S } from './units.js';
export { median, medianHigh } from './stats.js';
export { EARTH_RADIUS_M, haversineM } from './geodesy.js';
export { findRoot, unionRoots } from './union-find.js';
export {
  SECRET_FILE_MODE,
  SECRET_FOLDER_MODE,
  folderOpenToOthers,
  makePrivateFolder,
  writeSecretFile,
  type SecretFileOptions,
} from './secret-file.js';
