// The BPF_PROG_TYPE_CGROUP_DEVICE program for a device filter, instruction for instruction what runc's
// generator emits (libcontainer/cgroups/devices/devicefilter.go, itself after crun's ebpf.c):
//
//   r2 = ctx->access_type & 0xffff      device type (BPF_DEVCG_DEV_BLOCK 1, _CHAR 2)
//   r3 = ctx->access_type >> 16         access (BPF_DEVCG_ACC_MKNOD 1, _READ 2, _WRITE 4)
//   r4 = ctx->major, r5 = ctx->minor
//   then one block per exception:
//     if r2 != type goto next
//     if access is not all of rwm:  r1 = r3; r1 &= access; if r1 != r3 goto next
//     if major != -1:               if r4 != major goto next
//     if minor != -1:               if r5 != minor goto next
//     r0 = allow; exit
//   next: ... and at the end: r0 = default; exit
//
// The first matching block decides. A filter with `ordered` rules (a hole in a wildcard, which runc
// refuses) gets orderedProgram() instead: see there. The program is plain data ({code, dst, src, off, imm} per
// instruction); encodeProgram() gives the bytes bpf(BPF_PROG_LOAD) takes, with DEVICE_FILTER_LICENSE.

import type { DeviceFilter, DeviceRule } from './devices';

/** One eBPF instruction (struct bpf_insn). */
export interface BpfInsn {
  code: number;
  dst: number;
  src: number;
  /** Signed 16-bit; for jumps, the number of instructions to skip. */
  off: number;
  /** Signed 32-bit. */
  imm: number;
}

/** License string passed to BPF_PROG_LOAD (the program uses no GPL-only helpers); runc passes the same. */
export const DEVICE_FILTER_LICENSE = 'Apache';

// Opcodes (linux/bpf_common.h, linux/bpf.h): class | operation | source.
const BPF_LDX = 0x01, BPF_ALU = 0x04, BPF_JMP = 0x05;
const BPF_W = 0x00, BPF_MEM = 0x60;
const BPF_K = 0x00, BPF_X = 0x08;
const BPF_AND = 0x50, BPF_RSH = 0x70, BPF_MOV = 0xb0;
const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JNE = 0x50, BPF_EXIT = 0x90;

export const OP = {
  LDX_MEM_W: BPF_LDX | BPF_MEM | BPF_W, // 0x61
  AND_IMM32: BPF_ALU | BPF_AND | BPF_K, // 0x54
  RSH_IMM32: BPF_ALU | BPF_RSH | BPF_K, // 0x74
  MOV_IMM32: BPF_ALU | BPF_MOV | BPF_K, // 0xb4
  MOV_REG32: BPF_ALU | BPF_MOV | BPF_X, // 0xbc
  JA: BPF_JMP | BPF_JA, // 0x05
  JEQ_IMM: BPF_JMP | BPF_JEQ | BPF_K, // 0x15
  JNE_IMM: BPF_JMP | BPF_JNE | BPF_K, // 0x55
  JNE_REG: BPF_JMP | BPF_JNE | BPF_X, // 0x5d
  EXIT: BPF_JMP | BPF_EXIT, // 0x95
} as const;

// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } and its constants.
const DEV_TYPE: Record<'b' | 'c', number> = { b: 1, c: 2 }; // BPF_DEVCG_DEV_BLOCK, _CHAR
const ACCESS: Record<string, number> = { m: 1, r: 2, w: 4 }; // BPF_DEVCG_ACC_MKNOD, _READ, _WRITE
const ALL_ACCESS = 7;

const insn = (code: number, dst: number, src: number, off: number, imm: number): BpfInsn => ({ code, dst, src, off, imm });

/** The device filter program; throws only on a rule that the filter compiler cannot produce. */
export function deviceFilterProgram(filter: DeviceFilter): BpfInsn[] {
  if (filter.ordered) return orderedProgram(filter.defaultAllow, filter.ordered);
  const program = prologue();
  for (const rule of filter.rules) program.push(...ruleBlock(rule));
  program.push(insn(OP.MOV_IMM32, 0, 0, 0, filter.defaultAllow ? 1 : 0), insn(OP.EXIT, 0, 0, 0, 0));
  return program;
}

function prologue(): BpfInsn[] {
  return [
    insn(OP.LDX_MEM_W, 2, 1, 0, 0),
    insn(OP.AND_IMM32, 2, 0, 0, 0xffff),
    insn(OP.LDX_MEM_W, 3, 1, 0, 0),
    insn(OP.RSH_IMM32, 3, 0, 0, 16),
    insn(OP.LDX_MEM_W, 4, 1, 4, 0),
    insn(OP.LDX_MEM_W, 5, 1, 8, 0),
  ];
}

/**
 * The program for ordered rules, last match wins, each access on its own (an open for reading and
 * writing asks for both): one section per access (m, r, w) the request has:
 *   if !(r3 & access) goto section end
 *   for each rule naming this access, last rule first:
 *     if r2 != type goto next; [if r4 != major goto next;] [if r5 != minor goto next;]
 *     allow: goto section end    deny: r0 = 0; exit
 *   no rule matched: the default (deny: r0 = 0; exit)
 * and after the last section r0 = 1; exit.
 */
function orderedProgram(defaultAllow: boolean, rules: readonly DeviceRule[]): BpfInsn[] {
  const program = prologue();
  const END = -2;
  for (const [letter, bit] of Object.entries(ACCESS)) {
    const section: BpfInsn[] = [insn(OP.MOV_REG32, 1, 3, 0, 0), insn(OP.AND_IMM32, 1, 0, 0, bit), insn(OP.JEQ_IMM, 1, 0, END, 0)];
    for (const rule of [...rules].reverse()) {
      if (!rule.access.includes(letter)) continue;
      const block = matchBlock(rule);
      block.push(...(rule.allow ? [insn(OP.JA, 0, 0, END, 0)] : [insn(OP.MOV_IMM32, 0, 0, 0, 0), insn(OP.EXIT, 0, 0, 0, 0)]));
      section.push(...pointNext(block));
    }
    if (!defaultAllow) section.push(insn(OP.MOV_IMM32, 0, 0, 0, 0), insn(OP.EXIT, 0, 0, 0, 0));
    program.push(...section.map((ins, i) => (ins.off === END ? { ...ins, off: section.length - (i + 1) } : ins)));
  }
  program.push(insn(OP.MOV_IMM32, 0, 0, 0, 1), insn(OP.EXIT, 0, 0, 0, 0));
  return program;
}

// Jumps are built with off = NEXT and pointed just past their block once its length is known.
const NEXT = -1;

/** "if this rule does not name the device goto next": type, then the numbers it does not wildcard. */
function matchBlock(rule: DeviceRule): BpfInsn[] {
  if (rule.type !== 'b' && rule.type !== 'c') throw new Error(`device filter rule of type "${rule.type}"`);
  const block = [insn(OP.JNE_IMM, 2, 0, NEXT, DEV_TYPE[rule.type])];
  // The context holds u32s; imm is an s32, so numbers above 2^31-1 wrap exactly as in runc's int32().
  if (rule.major >= 0) block.push(insn(OP.JNE_IMM, 4, 0, NEXT, rule.major | 0));
  if (rule.minor >= 0) block.push(insn(OP.JNE_IMM, 5, 0, NEXT, rule.minor | 0));
  return block;
}

function pointNext(block: BpfInsn[]): BpfInsn[] {
  return block.map((ins, i) => (ins.off === NEXT ? { ...ins, off: block.length - (i + 1) } : ins));
}

/** One rule's block; its "goto next" jumps land just past the block. */
function ruleBlock(rule: DeviceRule): BpfInsn[] {
  const access = [...rule.access].reduce((bits, a) => bits | (ACCESS[a] ?? 0), 0);
  const [typeCheck, ...numberChecks] = matchBlock(rule);
  const block: BpfInsn[] = [typeCheck!];
  if (access !== ALL_ACCESS) {
    block.push(insn(OP.MOV_REG32, 1, 3, 0, 0), insn(OP.AND_IMM32, 1, 0, 0, access), insn(OP.JNE_REG, 1, 3, NEXT, 0));
  }
  block.push(...numberChecks, insn(OP.MOV_IMM32, 0, 0, 0, rule.allow ? 1 : 0), insn(OP.EXIT, 0, 0, 0, 0));
  return pointNext(block);
}

/** struct bpf_insn[] as bytes (little-endian, as on every architecture tsrunc builds for). */
export function encodeProgram(program: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    buf.writeUInt8(ins.code, i * 8);
    buf.writeUInt8(((ins.src & 0xf) << 4) | (ins.dst & 0xf), i * 8 + 1); // dst_reg:4 (low), src_reg:4
    buf.writeInt16LE(ins.off, i * 8 + 2);
    buf.writeInt32LE(ins.imm, i * 8 + 4);
  });
  return buf;
}
