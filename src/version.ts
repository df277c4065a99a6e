// The runtime-spec version tsrunc implements: the one of the schemas it validates against.
export const OCI_VERSION = '1.0.2';
export const TSRUNC_VERSION = '0.1.0';
