// Public API of tsrunc as a library: the Runtime class and everything its methods take and give.
export { Runtime, DEFAULT_ROOT, type RuntimeOptions, type SpecOptions } from './runtime/runtime';
export type { CreateOptions, ConfigSource, StdioSlot } from './runtime/create';
export type { RunOptions, SpawnOptions, ContainerProcess } from './runtime/run';
export type { ContainerState, Status } from './runtime/status';
export type { ContainerEvent } from './runtime/events';
export type { Features } from './runtime/features';
export { parseBytes, parseDuration, parseInteger } from './runtime/units';
export { resourcesFromFlags, readResources, parseResourcesJson, type UpdateFlag, type UpdateFlags } from './runtime/update-flags';
export { filterPsTable } from './process/ps-table';
export type { Logger } from './logger';
export { TsruncError, ConfigError, type ConfigProblem, type ErrorCode } from './errors';
export { loadBundle, loadSpec, type LoadedBundle } from './spec/load';
export { defaultSpec, parseBind, DEFAULT_OCI_VERSION } from './spec/default-spec';
export { exactInteger } from './spec/numbers';
export { compilePlan } from './plan/compile';
export type { Plan } from './plan/types';
export type { Spec, LinuxResources } from './generated/config';
export { versionInfo, versionText, OCI_VERSION, TSRUNC_VERSION, type VersionInfo } from './version';
