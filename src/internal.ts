// `tsrunc/internal`: the building blocks behind the public API (src/index.ts), for the project's own
// unit tests and for tools that need one step of the pipeline. Not a stable API: names follow the
// modules, which change as the code does.
export * from './spec/validate';
export * from './spec/semantics';
export * from './spec/load';
export * from './plan/capabilities';
export * from './plan/compile';
export { cgroupMountView, placeCgroupMounts, type CgroupMountView } from './plan/cgroup-mount';
export * from './plan/linux';
export * from './plan/mount-options';
export * from './plan/seccomp';
export * from './plan/sysctl';
export * from './cgroups/host';
export * from './cgroups/path';
export * from './cgroups/cpu-list';
export * from './cgroups/cpu';
export * from './cgroups/memory';
export * from './cgroups/pids';
export * from './cgroups/io';
export * from './cgroups/hugetlb';
export * from './cgroups/rdma';
export * from './cgroups/unified';
export * from './cgroups/resources';
export * from './cgroups/devices';
export * from './cgroups/device-bpf';
export { chooseDriver, compileFor } from './cgroups/plan';
export { compileResourcesV1 } from './cgroups/v1/resources';
export { orderMemoryWrites } from './cgroups/v1/memory';
export { deviceTransition, filterFromList, listMatches } from './cgroups/v1/devices';
export { resolveV1Paths } from './cgroups/v1/paths';
export { addon } from './native/addon';
export { launchInit } from './runtime/launch';
export { execProcess, mergeEnv, type ExecProcessFlags } from './runtime/exec-process';
export { cgroupDirsOf } from './cgroups/process-cgroups';
export { CRASH_POINTS } from './crash-point';
export { prepare as prepareCreate } from './runtime/create';
export { compileExec } from './plan/exec';
// containerd-shim-tsrunc-v2's protocol pieces (ttrpc framing and client, the event publisher, the
// generated messages), for the client lane's tests against a real containerd.
export * as shimTtrpc from './shim/ttrpc';
export { Publisher as ShimPublisher } from './shim/publisher';
export * as shimEvents from './generated/shim/containerd/events/task_pb';
export { unpackLayer } from './layers/unpack';
export { parseImageRef } from './image/reference';
