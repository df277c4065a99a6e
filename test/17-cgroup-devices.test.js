// Device rules -> the filter runc's emulator computes -> the eBPF program runc's generator emits.
// The expected programs are the listings of runc's own generator tests (opencontainers/cgroups
// devices/devicefilter_test.go), in cilium/ebpf's text form; listing() prints ours the same way.
const test = require('ava');
const { DOCKER_DEVICES } = require('./helpers/cgroup-tools');

const {
  compileDeviceFilter, emulateDeviceRules, deviceRulesFromConfig, filterAllows,
  RUNC_DEFAULT_RULES, deviceFilterProgram, encodeProgram, OP, DEVICE_FILTER_LICENSE
} = require('tsrunc/internal');

const NAMES = {
  [OP.LDX_MEM_W]: 'LdXMemW', [OP.AND_IMM32]: 'AndImm32', [OP.RSH_IMM32]: 'RShImm32', [OP.MOV_IMM32]: 'MovImm32',
  [OP.MOV_REG32]: 'MovReg32', [OP.JNE_IMM]: 'JNEImm', [OP.JNE_REG]: 'JNEReg', [OP.EXIT]: 'Exit',
};
const isJump = (ins) => ins.code === OP.JNE_IMM || ins.code === OP.JNE_REG;

/** Our program in cilium/ebpf's notation; blocks are labelled in order of their first instruction. */
function listing(program) {
  const starts = new Set([6]);
  program.forEach((ins, i) => isJump(ins) && starts.add(i + 1 + ins.off));
  const label = new Map([...starts].sort((a, b) => a - b).map((at, k) => [at, `block-${k}`]));
  const lines = [];
  program.forEach((ins, i) => {
    if (label.has(i)) lines.push(`${label.get(i)}:`);
    const name = NAMES[ins.code];
    const r = (n) => `r${n}`;
    const target = () => {
      const to = i + 1 + ins.off;
      if (!label.has(to)) throw new Error(`jump at ${i} lands mid-block (${to})`);
      return `<${label.get(to)}>`;
    };
    const text =
      ins.code === OP.LDX_MEM_W ? `${name} dst: ${r(ins.dst)} src: ${r(ins.src)} off: ${ins.off} imm: ${ins.imm}`
      : ins.code === OP.MOV_REG32 ? `${name} dst: ${r(ins.dst)} src: ${r(ins.src)}`
      : ins.code === OP.JNE_IMM ? `${name} dst: ${r(ins.dst)} off: -1 imm: ${ins.imm} ${target()}`
      : ins.code === OP.JNE_REG ? `${name} dst: ${r(ins.dst)} off: -1 src: ${r(ins.src)} ${target()}`
      : ins.code === OP.EXIT ? name
      : `${name} dst: ${r(ins.dst)} imm: ${ins.imm}`;
    lines.push(`${i}: ${text}`);
  });
  return lines;
}

/** runc's expected listings, without comments and indentation (its test's hash()). */
const expected = (text) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));

const PROLOGUE = `
  0: LdXMemW dst: r2 src: r1 off: 0 imm: 0
  1: AndImm32 dst: r2 imm: 65535
  2: LdXMemW dst: r3 src: r1 off: 0 imm: 0
  3: RShImm32 dst: r3 imm: 16
  4: LdXMemW dst: r4 src: r1 off: 4 imm: 0
  5: LdXMemW dst: r5 src: r1 off: 8 imm: 0`;

const rule = (type, major, minor, access, allow) => ({ type, major, minor, access, allow, pointer: '' });
const program = (rules) => {
  const { filter, problems } = emulateDeviceRules(rules);
  if (problems.length) throw new Error(JSON.stringify(problems));
  return deviceFilterProgram(filter);
};

test('bpf: no rules is deny-all (runc TestDeviceFilter_Nil)', (t) => {
  t.deepEqual(listing(program([])), expected(`${PROLOGUE}
    block-0:
    6: MovImm32 dst: r0 imm: 0
    7: Exit`));
});

test('bpf: runc\'s built-in allow list gives runc\'s program (TestDeviceFilter_BuiltInAllowList)', (t) => {
  // No config rules: exactly runc's AllowedDevices.
  const { filter } = compileDeviceFilter([]);
  t.deepEqual(listing(deviceFilterProgram(filter)), expected(`${PROLOGUE}
    block-0:
    // (b, wildcard, wildcard, m, true)
    6: JNEImm dst: r2 off: -1 imm: 1 <block-1>
    7: MovReg32 dst: r1 src: r3
    8: AndImm32 dst: r1 imm: 1
    9: JNEReg dst: r1 off: -1 src: r3 <block-1>
    10: MovImm32 dst: r0 imm: 1
    11: Exit
    block-1:
    // (c, wildcard, wildcard, m, true)
    12: JNEImm dst: r2 off: -1 imm: 2 <block-2>
    13: MovReg32 dst: r1 src: r3
    14: AndImm32 dst: r1 imm: 1
    15: JNEReg dst: r1 off: -1 src: r3 <block-2>
    16: MovImm32 dst: r0 imm: 1
    17: Exit
    block-2:
    18: JNEImm dst: r2 off: -1 imm: 2 <block-3>
    19: JNEImm dst: r4 off: -1 imm: 1 <block-3>
    20: JNEImm dst: r5 off: -1 imm: 3 <block-3>
    21: MovImm32 dst: r0 imm: 1
    22: Exit
    block-3:
    23: JNEImm dst: r2 off: -1 imm: 2 <block-4>
    24: JNEImm dst: r4 off: -1 imm: 1 <block-4>
    25: JNEImm dst: r5 off: -1 imm: 5 <block-4>
    26: MovImm32 dst: r0 imm: 1
    27: Exit
    block-4:
    28: JNEImm dst: r2 off: -1 imm: 2 <block-5>
    29: JNEImm dst: r4 off: -1 imm: 1 <block-5>
    30: JNEImm dst: r5 off: -1 imm: 7 <block-5>
    31: MovImm32 dst: r0 imm: 1
    32: Exit
    block-5:
    33: JNEImm dst: r2 off: -1 imm: 2 <block-6>
    34: JNEImm dst: r4 off: -1 imm: 1 <block-6>
    35: JNEImm dst: r5 off: -1 imm: 8 <block-6>
    36: MovImm32 dst: r0 imm: 1
    37: Exit
    block-6:
    38: JNEImm dst: r2 off: -1 imm: 2 <block-7>
    39: JNEImm dst: r4 off: -1 imm: 1 <block-7>
    40: JNEImm dst: r5 off: -1 imm: 9 <block-7>
    41: MovImm32 dst: r0 imm: 1
    42: Exit
    block-7:
    43: JNEImm dst: r2 off: -1 imm: 2 <block-8>
    44: JNEImm dst: r4 off: -1 imm: 5 <block-8>
    45: JNEImm dst: r5 off: -1 imm: 0 <block-8>
    46: MovImm32 dst: r0 imm: 1
    47: Exit
    block-8:
    48: JNEImm dst: r2 off: -1 imm: 2 <block-9>
    49: JNEImm dst: r4 off: -1 imm: 5 <block-9>
    50: JNEImm dst: r5 off: -1 imm: 2 <block-9>
    51: MovImm32 dst: r0 imm: 1
    52: Exit
    block-9:
    // tuntap (c, 10, 200, rwm, true)
    53: JNEImm dst: r2 off: -1 imm: 2 <block-10>
    54: JNEImm dst: r4 off: -1 imm: 10 <block-10>
    55: JNEImm dst: r5 off: -1 imm: 200 <block-10>
    56: MovImm32 dst: r0 imm: 1
    57: Exit
    block-10:
    // /dev/pts (c, 136, wildcard, rwm, true)
    58: JNEImm dst: r2 off: -1 imm: 2 <block-11>
    59: JNEImm dst: r4 off: -1 imm: 136 <block-11>
    60: MovImm32 dst: r0 imm: 1
    61: Exit
    block-11:
    62: MovImm32 dst: r0 imm: 0
    63: Exit`));
});

test('bpf: "a" allow is allow-all (TestDeviceFilter_Privileged)', (t) => {
  t.deepEqual(listing(program([rule('a', -1, -1, 'rwm', true)])), expected(`${PROLOGUE}
    block-0:
    6: MovImm32 dst: r0 imm: 1
    7: Exit`));
});

test('bpf: allow-all except one device (TestDeviceFilter_PrivilegedExceptSingleDevice)', (t) => {
  t.deepEqual(listing(program([rule('a', -1, -1, 'rwm', true), rule('b', 8, 0, 'rwm', false)])), expected(`${PROLOGUE}
    block-0:
    6: JNEImm dst: r2 off: -1 imm: 1 <block-1>
    7: JNEImm dst: r4 off: -1 imm: 8 <block-1>
    8: JNEImm dst: r5 off: -1 imm: 0 <block-1>
    9: MovImm32 dst: r0 imm: 0
    10: Exit
    block-1:
    11: MovImm32 dst: r0 imm: 1
    12: Exit`));
});

test('bpf: an "a" rule resets what came before it (TestDeviceFilter_Weird: 8:1 allowed, 8:2 not)', (t) => {
  t.deepEqual(listing(program([rule('b', 8, 1, 'rwm', false), rule('a', -1, -1, 'rwm', true), rule('b', 8, 2, 'rwm', false)])), expected(`${PROLOGUE}
    block-0:
    6: JNEImm dst: r2 off: -1 imm: 1 <block-1>
    7: JNEImm dst: r4 off: -1 imm: 8 <block-1>
    8: JNEImm dst: r5 off: -1 imm: 2 <block-1>
    9: MovImm32 dst: r0 imm: 0
    10: Exit
    block-1:
    11: MovImm32 dst: r0 imm: 1
    12: Exit`));
});

test('bpf: instructions encode as struct bpf_insn, little-endian', (t) => {
  const bytes = encodeProgram(program([rule('c', 1, 3, 'rw', true)]));
  const insn = (i) => bytes.subarray(i * 8, i * 8 + 8).toString('hex');
  t.is(bytes.length, 16 * 8); // prologue 6, the rule's block 8, default 2
  t.is(insn(0), '6112000000000000'); // r2 = *(u32 *)(r1 + 0)
  t.is(insn(1), '54020000ffff0000'); // w2 &= 0xffff
  t.is(insn(6), '5502070002000000'); // if r2 != 2 goto +7 (the default, at 14)
  t.is(insn(7), 'bc31000000000000'); // w1 = w3
  t.is(insn(8), '5401000006000000'); // w1 &= READ|WRITE
  t.is(insn(9), '5d31040000000000'); // if r1 != r3 goto +4
  t.is(insn(10), '5504030001000000'); // if r4 != 1 goto +3
  t.is(insn(11), '5505020003000000'); // if r5 != 3 goto +2
  t.is(insn(12), 'b400000001000000'); // w0 = 1
  t.is(insn(13), '9500000000000000'); // exit
  t.is(DEVICE_FILTER_LICENSE, 'Apache');
});

test('bpf: majors and minors above 2^31-1 wrap into imm as runc\'s int32() does', (t) => {
  const p = program([rule('c', 0xffffffff, 2147483648, 'rwm', true)]);
  t.deepEqual([p[7].imm, p[8].imm], [-1, -2147483648]);
});

test('rules: the config\'s rules first, runc\'s built-in rules appended after them (where runc puts them); linux.devices replaces a built-in', (t) => {
  const { rules, problems } = deviceRulesFromConfig([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'wr' }], [{ path: '/dev/null' }]);
  t.deepEqual(problems, []);
  t.deepEqual(rules.slice(0, 3), [
    { type: 'a', major: -1, minor: -1, access: 'rwm', allow: false, pointer: '/linux/resources/devices/0' },
    { type: 'c', major: 4, minor: 1, access: 'rw', allow: true, pointer: '/linux/resources/devices/1' },
    { type: 'c', major: -1, minor: -1, access: 'm', allow: true, pointer: '' },
  ]);
  t.deepEqual(rules[rules.length - 1], { type: 'c', major: 10, minor: 200, access: 'rwm', allow: true, pointer: '' });
  t.is(rules.length, 2 + RUNC_DEFAULT_RULES.length - 1);
  t.false(rules.some((r) => r.type === 'c' && r.major === 1 && r.minor === 3), 'linux.devices /dev/null drops runc\'s c 1:3 rule, as runc does');
});

test('rules: a bad type, access or number is refused with its pointer', (t) => {
  const { rules, problems } = deviceRulesFromConfig([
    { allow: true, type: 'x', access: 'rwm' },
    { allow: true, type: 'c', access: '' },
    { allow: true, type: 'c' },
    { allow: true, type: 'c', access: 'rwx' },
    { allow: true, type: 'b', major: -2, minor: 2n ** 32n, access: 'r' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'r' },
  ]);
  t.deepEqual(problems.map((p) => p.pointer), [
    '/linux/resources/devices/0/type',
    '/linux/resources/devices/1/access',
    '/linux/resources/devices/2/access',
    '/linux/resources/devices/3/access',
    '/linux/resources/devices/4/major',
    '/linux/resources/devices/4/minor',
  ]);
  t.regex(problems[0].message, /unknown device type "x"/);
  t.true(rules.some((r) => r.pointer === '/linux/resources/devices/5'), 'valid rules are still listed');
  t.deepEqual(compileDeviceFilter([{ allow: true, type: 'x', access: 'rwm' }]).filter, undefined);
});

test('filter: deny-by-default, exceptions sorted (major, minor, type) with wildcards first', (t) => {
  const { filter, problems } = compileDeviceFilter([
    { allow: false, access: 'rwm' },
    { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
    { allow: true, type: 'c', major: 4, access: 'rw' },
  ]);
  t.deepEqual(problems, []);
  t.false(filter.defaultAllow);
  t.deepEqual(filter.rules.map((r) => `${r.type} ${r.major}:${r.minor} ${r.access}`), [
    'b -1:-1 m', 'c -1:-1 m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
    'c 4:-1 rw', 'c 5:0 rwm', 'c 5:2 rwm', 'b 8:0 r', 'c 10:200 rwm', 'c 136:-1 rwm',
  ]);
  t.true(filter.rules.every((r) => r.allow));
  t.is(filter.rules.find((r) => r.major === 8).pointer, '/linux/resources/devices/1');
  t.true(filterAllows(filter, 'b', 8, 0, 'r'));
  t.false(filterAllows(filter, 'b', 8, 0, 'w'));
  t.true(filterAllows(filter, 'b', 8, 0, 'm'));
  t.true(filterAllows(filter, 'c', 4, 7, 'w'));
  t.true(filterAllows(filter, 'c', 136, 3, 'w'));
  t.false(filterAllows(filter, 'c', 7, 0, 'r'));
});

test('filter: the last rule for a device wins; runc\'s built-ins come last, so a config cannot deny /dev/null (as in runc)', (t) => {
  const { filter, hole } = compileDeviceFilter([
    { allow: true, type: 'c', major: 4, minor: 1, access: 'rwm' },
    { allow: false, type: 'c', major: 4, minor: 1, access: 'w' },
    { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
  ]);
  t.is(hole, undefined);
  t.is(filter.ordered, undefined, 'expressible as exceptions: runc\'s program');
  t.is(filter.rules.find((r) => r.major === 4).access, 'rm');
  t.true(filterAllows(filter, 'c', 1, 3, 'w'), 'runc\'s built-in allow of /dev/null comes after the deny');
});

test('filter: Docker\'s default list is runc\'s exceptions (no hole): fuse can be made, not opened', (t) => {
  const { filter, problems, hole } = compileDeviceFilter(DOCKER_DEVICES);
  t.deepEqual(problems, []);
  t.is(hole, undefined);
  t.is(filter.ordered, undefined);
  t.true(filterAllows(filter, 'c', 10, 229, 'm'));
  t.false(filterAllows(filter, 'c', 10, 229, 'r'));
  t.true(filterAllows(filter, 'c', 5, 1, 'rw'));
});

test('filter: allow-all ("a") makes runc\'s built-ins no-ops: the accept-all program', (t) => {
  const { filter } = compileDeviceFilter([{ allow: true, access: 'rwm' }]);
  t.deepEqual(filter, { defaultAllow: true, rules: [] });
});

/** Runs a device filter program on one access (a tiny interpreter of the opcodes it uses). */
function runProgram(program, type, major, minor, access) {
  const bits = { m: 1, r: 2, w: 4 };
  const ctx = [([...access].reduce((b, a) => b | bits[a], 0) << 16) | (type === 'b' ? 1 : 2), major, minor];
  const r = new Array(11).fill(0);
  for (let pc = 0; pc < program.length; pc++) {
    const { code, dst, src, off, imm } = program[pc];
    const u32 = (v) => v >>> 0;
    if (code === OP.LDX_MEM_W) r[dst] = u32(ctx[off / 4]);
    else if (code === OP.AND_IMM32) r[dst] = u32(r[dst] & imm);
    else if (code === OP.RSH_IMM32) r[dst] = r[dst] >>> imm;
    else if (code === OP.MOV_IMM32) r[dst] = u32(imm);
    else if (code === OP.MOV_REG32) r[dst] = r[src];
    else if (code === OP.JNE_IMM) pc += r[dst] !== u32(imm) ? off : 0;
    else if (code === OP.JEQ_IMM) pc += r[dst] === u32(imm) ? off : 0;
    else if (code === OP.JNE_REG) pc += r[dst] !== r[src] ? off : 0;
    else if (code === OP.JA) pc += off;
    else if (code === OP.EXIT) return r[0] === 1;
    else throw new Error(`opcode ${code}`);
  }
  throw new Error('fell off the end');
}

test('filter: a hole in a wildcard (runc refuses it) keeps the ordered rules; each access is decided by the last rule naming it', (t) => {
  const { filter, problems, hole } = compileDeviceFilter([
    { allow: true, type: 'c', access: 'rwm' },
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rw' },
    { allow: false, type: 'b', access: 'rwm' },
    { allow: true, type: 'b', major: 7, access: 'r' },
  ]);
  t.deepEqual(problems, []);
  t.is(hole.pointer, '/linux/resources/devices/1');
  t.regex(hole.message, /^c 10:229 rw cannot be denied by cgroup v1's devices controller: c \*:\* rwm allows it \(\/linux\/resources\/devices\/0\)/);
  t.is(filter.ordered.length, 4 + RUNC_DEFAULT_RULES.length);
  const cases = [
    ['c', 10, 229, 'r', false], ['c', 10, 229, 'w', false], ['c', 10, 229, 'rw', false], ['c', 10, 229, 'm', true],
    ['c', 10, 228, 'rw', true], ['c', 1, 3, 'rwm', true], ['b', 7, 0, 'r', true], ['b', 7, 0, 'rw', false],
    ['b', 7, 3, 'm', true], ['b', 8, 0, 'r', false],
  ];
  const program = deviceFilterProgram(filter);
  for (const [type, major, minor, access, allowed] of cases) {
    const what = `${type} ${major}:${minor} ${access}`;
    t.is(filterAllows(filter, type, major, minor, access), allowed, `model: ${what}`);
    t.is(runProgram(program, type, major, minor, access), allowed, `program: ${what}`);
  }
  // The exceptions (what cgroup v1's files get) are the rules without the hole.
  t.true(filter.rules.some((r) => r.type === 'c' && r.major === -1 && r.access === 'rwm'));
});

test('filter: the exceptions program and the model agree for runc-expressible lists too', (t) => {
  const { filter } = compileDeviceFilter(DOCKER_DEVICES);
  const program = deviceFilterProgram(filter);
  for (const [type, major, minor] of [['c', 10, 229], ['c', 1, 5], ['c', 4, 1], ['b', 8, 0], ['c', 136, 2]]) {
    for (const access of ['r', 'w', 'm', 'rw', 'rwm']) t.is(runProgram(program, type, major, minor, access), filterAllows(filter, type, major, minor, access), `${type} ${major}:${minor} ${access}`);
  }
});
