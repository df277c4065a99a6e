// Public API of tsrunc as a library.
export { Runtime, DEFAULT_ROOT, type RuntimeOptions } from './runtime/runtime';
export type { CreateOptions } from './runtime/create';
export type { RunOptions } from './runtime/run';
export type { ExecOptions } from './runtime/exec';
export type { ContainerState, Status } from './runtime/status';
export type { Logger } from './logger';
export { TsruncError, ConfigError, type ConfigProblem, type ErrorCode } from './errors';
export { loadBundle } from './spec/load';
export { compilePlan } from './plan/compile';
export type { Plan } from './plan/types';
export type { Spec } from './generated/config';
