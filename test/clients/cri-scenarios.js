'use strict';
// Kubernetes' path to a runtime, without the kubelet: containerd 1.6's CRI plugin driven over its
// gRPC socket by this file, as the kubelet drives it. A pod whose RuntimeClass has `handler: tsrunc`
// reaches containerd as RunPodSandbox's `runtime_handler: "tsrunc"`, which names the runtime entry
// `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.tsrunc]` (the README's stanza): the runc
// v2 shim with `BinaryName` = the runtime under test. The pod uses the host network (no CNI plugin
// here), and its sandbox ("pause") image is built locally: no registry.
// via 'shim' (cri-shim.test.js): the handler's entry is `runtime_type = "io.containerd.tsrunc.v2"`
// instead, containerd-shim-tsrunc-v2 hosting the runtime (RUNTIME=runc: io.containerd.runc.v2).
const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const h = require('./harness');

const PAUSE_IMAGE = 'localhost/tsrunc-pause:latest';
// What a pause container does: nothing, forever, and exits at SIGTERM (pid 1 has no default action).
const PAUSE_ENTRYPOINT = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait; done'];
const HANDLER = 'tsrunc';

function criSuite(test, { via }) {
  const shim = via === 'shim';

  let w; // the suite's work
  let cgroupParent; // the pod's cgroup parent: the leftover check looks below it
  let runtime; // CRI RuntimeService client

  test.before(async () => {
    h.ensureCommands(['containerd', 'ctr', 'busybox']);
    w = h.makeWork(shim ? 'cri-shim' : 'cri');
    if (shim) h.putShimOnPath(w);
    cgroupParent = `/tsrunc-cri-${w.tag}`;
    const d = w.dir;
    for (const sub of ['root', 'state', 'rt-root', 'cni-conf', 'cni-bin']) fs.mkdirSync(path.join(d, sub));
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    fs.writeFileSync(path.join(d, 'config.toml'), [
      'version = 2',
      `root = "${d}/root"`,
      `state = "${d}/state"`,
      'disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]',
      '[grpc]',
      `  address = "${d}/containerd.sock"`,
      '[ttrpc]',
      `  address = "${d}/containerd.sock.ttrpc"`,
      `[${cri}]`,
      `  sandbox_image = "${PAUSE_IMAGE}"`,
      // the streaming server (Exec/Attach/PortForward): loopback, a free port; ExecSync does not use it
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      // The pause container asks for oom_score_adj -998; lowering it needs CAP_SYS_RESOURCE, which
      // this machine's session lacks (runc and tsrunc both fail with EACCES): clamp to containerd's own.
      '  restrict_oom_score_adj = true',
      `[${cri}.cni]`,
      `  conf_dir = "${d}/cni-conf"`,
      `  bin_dir = "${d}/cni-bin"`,
      `[${cri}.containerd.runtimes.runc]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `  [${cri}.containerd.runtimes.runc.options]`,
      `    Root = "${d}/rt-root"`,
      `[${cri}.containerd.runtimes.${HANDLER}]`,
      ...(shim ? [`  runtime_type = "${h.SHIM}"`] : [
        '  runtime_type = "io.containerd.runc.v2"',
        `  [${cri}.containerd.runtimes.${HANDLER}.options]`,
        `    BinaryName = "${w.wrapper}"`,
        `    Root = "${d}/rt-root"`,
      ]),
      '',
    ].join('\n'));
    h.startDaemon(w, 'containerd', ['containerd', '--config', path.join(d, 'config.toml')]);
    const ctr = ['ctr', '--address', path.join(d, 'containerd.sock'), '-n', 'k8s.io'];
    await h.waitFor(() => h.run(w, [...ctr, 'version'], { timeout: 5000 }).code === 0, { timeout: 30000, what: 'containerd' });
    for (const tar of [h.buildImage(w), h.buildImage(w, { tag: PAUSE_IMAGE, entrypoint: PAUSE_ENTRYPOINT })]) {
      const imp = h.run(w, [...ctr, 'images', 'import', tar], { timeout: 120000 });
      if (imp.code !== 0) throw new Error(`ctr images import: ${imp.out}`);
    }
    const def = protoLoader.loadSync(path.join(__dirname, 'cri/runtime-subset.proto'), { keepCase: true, longs: Number, enums: String, defaults: true });
    const { RuntimeService } = grpc.loadPackageDefinition(def).runtime.v1;
    runtime = new RuntimeService(`unix://${path.join(d, 'containerd.sock')}`, grpc.credentials.createInsecure());
  });

  test.after.always(async () => {
    runtime?.close();
    if (w) {
      const left = await h.teardown(w, [cgroupParent]);
      if (left.length) throw new Error(`left behind: ${left.join('; ')}`);
    }
  });

  /** One CRI call, promised; a failure names the RPC and carries containerd's message. */
  const call = (rpc, req) => new Promise((resolve, reject) => {
    runtime[rpc](req, { deadline: Date.now() + 60000 }, (err, res) => (err ? reject(new Error(`${rpc}: ${err.details || err.message}`)) : resolve(res)));
  });

  test.serial('a pod with runtime_handler "tsrunc": sandbox, container, ExecSync, stop, remove', async (t) => {
    const v = await call('Version', { version: 'v1' });
    t.is(v.runtime_name, 'containerd');
    t.is(v.runtime_api_version, 'v1');

    const hostNet = { network: 'NODE', pid: 'POD', ipc: 'POD' };
    const sandboxConfig = {
      metadata: { name: 'pod', uid: `uid-${w.tag}`, namespace: 'tsrunc', attempt: 0 },
      linux: { cgroup_parent: cgroupParent, security_context: { namespace_options: hostNet } },
    };
    const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config: sandboxConfig, runtime_handler: HANDLER });
    t.truthy(pod);
    try {
      const { container_id: id } = await call('CreateContainer', {
        pod_sandbox_id: pod,
        sandbox_config: sandboxConfig,
        config: {
          metadata: { name: 'app', attempt: 0 },
          image: { image: h.IMAGE },
          command: ['sleep', '3600'],
          linux: { security_context: { namespace_options: hostNet } },
        },
      });
      await call('StartContainer', { container_id: id });

      // The container's shell: its own output, exit code, the host's network namespace (a host-network
      // pod), and the pod's pid namespace, whose pid 1 is the pause container's process.
      const r = await call('ExecSync', {
        container_id: id,
        cmd: ['sh', '-c', 'echo hello-from-pod; echo to-stderr >&2; readlink /proc/self/ns/net; tr "\\0" " " < /proc/1/cmdline; echo; exit 3'],
        timeout: 30,
      });
      t.is(r.exit_code, 3, r.stderr.toString());
      const [hello, netns, pid1] = r.stdout.toString().split('\n');
      t.is(hello, 'hello-from-pod');
      t.is(r.stderr.toString(), 'to-stderr\n');
      t.is(netns, fs.readlinkSync('/proc/self/ns/net'));
      t.is(pid1.trim(), PAUSE_ENTRYPOINT.join(' '));

      if (shim) {
        // The handler's shim holds both containers, in its own state root.
        const held = fs.readdirSync(path.join(h.SHIM_STATE_ROOT, 'k8s.io'));
        t.true(held.includes(pod) && held.includes(id), held.join(' '));
      } else {
        // The handler's BinaryName ran both containers and the exec: the runtime under test, not runc.
        const calls = h.runtimeCalls(w);
        t.is(calls.filter((c) => /(^| )create /.test(c)).length, 2, calls.join('\n'));
        t.true(calls.some((c) => /(^| )exec /.test(c)), calls.join('\n'));
      }
    } finally {
      await call('StopPodSandbox', { pod_sandbox_id: pod });
      await call('RemovePodSandbox', { pod_sandbox_id: pod });
    }
    // gone from the runtime's state: nothing under its root for this pod's containers
    if (shim) {
      const root = path.join(h.SHIM_STATE_ROOT, 'k8s.io');
      await h.waitFor(() => !fs.existsSync(root) || fs.readdirSync(root).length === 0, { what: 'the shim state root empty' });
      if (fs.existsSync(root)) fs.rmdirSync(root);
    } else {
      t.deepEqual(fs.readdirSync(path.join(w.dir, 'rt-root')).flatMap((ns) => fs.readdirSync(path.join(w.dir, 'rt-root', ns))), []);
    }
  });
}

module.exports = { criSuite };
