// `npm run test:torture` (test/torture/run.js) runs these: faults, load, races and hostile input.
// Files run one at a time: several of them load the machine on purpose, and their leak checks scan
// the whole host (every mount namespace, every cgroup hierarchy), which is clearer with one
// file at a time.
export default {
  files: ['test/torture/**/*.test.js'],
  timeout: process.env.TSRUNC_TORTURE_LONG === '1' ? '60m' : '8m',
  concurrency: 1,
  workerThreads: false,
};
