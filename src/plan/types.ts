// The plan: everything tsrunc-init needs to build one container, fully resolved.
//
// The TypeScript side compiles a validated config.json into this flat structure (paths made
// absolute and clean, mount options turned into flag bits, names turned into numbers); tsrunc-init
// (native/init) executes it step by step. It decides only what depends on facts of the moment it
// runs (see README, "How it works"). A plan is plain JSON: it can be printed, diffed and unit-tested
// without root.
//
// The types are defined once, in plan.schema.json: scripts/build-plan.js generates them
// (src/generated/plan.ts) together with the C++ structs and parser the init uses.

export type {
  CapabilityMasks,
  ConsoleSize,
  DeviceNode,
  ExecPlan,
  HookPlan,
  HooksPlan,
  IdMapping,
  IdmapPlan,
  IoPriorityPlan,
  MemoryPolicyPlan,
  LsmPlan,
  MountFallback,
  MountOp,
  NamespaceJoin,
  NamespaceType,
  Plan,
  ProcessPlan,
  RootfsOverlay,
  Rlimit,
  SchedulerPlan,
  SeccompAction,
  SeccompArgCompare,
  SeccompFlag,
  SeccompListener,
  SeccompOperator,
  SeccompPlan,
  SeccompRule,
  Symlink,
  SysctlWrite,
  TimeOffset,
  Uint64,
} from '../generated/plan';

export { PLAN_VERSION } from '../generated/contract';
