/**
 * The detector moved to detect/ (its API: detect/index.ts). This module
 * stays only while test/scenario-case.test.ts imports it by this path; new
 * code imports from './index.js' (outside the folder) or './detect/index.js'.
 */
export { detectObjects } from './detect/index.js';
