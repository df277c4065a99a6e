// `npm run test:clients`: the real-client lane (containerd, podman, Docker driving the runtime).
// Not part of `npm test`: it needs the clients installed (the suite apt-gets them when missing)
// and takes minutes. One client file at a time: each starts its own daemon.
export default {
  files: ['test/clients/*.test.js'],
  timeout: '5m',
  concurrency: 1,
  workerThreads: false,
  verbose: true,
};
