// @fhenet/training — public API. Each module re-exported here is documented in its own file.
export const PACKAGE_NAME = '@fhenet/training';
