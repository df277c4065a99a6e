'use strict';
// Terminals for tests, through tsrunc's addon (native/addon/fdpass.cc):
//   consoleSocket(dir)  a --console-socket receiver: listens on a unix socket, takes the pty
//                       master a runtime sends with SCM_RIGHTS, and gives a Terminal over it;
//   openTerminal()      a fresh pty pair, to run a runtime in the foreground on a real terminal;
//   Terminal            reads everything that appears on a master, writes keys to it, waits for text.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const tty = require('node:tty');

const addon = require(path.join(__dirname, '../../build/native/Release/tsrunc.node'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Terminal {
  constructor(fd, name) {
    this.fd = fd;
    this.name = name;
    this.output = '';
    this.closed = false;
    this.stream = new tty.ReadStream(fd);
    this.stream.on('data', (d) => { this.output += d.toString('utf8'); });
    this.stream.on('error', () => { this.closed = true; }); // EIO: no slave left open
    this.stream.on('end', () => { this.closed = true; });
  }

  write(text) {
    fs.writeSync(this.fd, text);
  }

  /** Waits until the output (from `from` on) matches `re`; returns the match. */
  async expect(re, { from = 0, timeout = 10000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const m = this.output.slice(from).match(re);
      if (m) return m;
      if (Date.now() > deadline || (this.closed && !m)) {
        throw new Error(`terminal: no ${re} in ${JSON.stringify(this.output.slice(from))}${this.closed ? ' (closed)' : ''}`);
      }
      await sleep(20);
    }
  }

  /** Writes `line` + Enter and waits for `re` in what follows. */
  async send(line, re, opts) {
    const from = this.output.length;
    this.write(line + '\r');
    return this.expect(re, { ...opts, from });
  }

  async closedWithin(timeout = 10000) {
    const deadline = Date.now() + timeout;
    while (!this.closed && Date.now() < deadline) await sleep(20);
    return this.closed;
  }

  close() {
    this.stream.destroy();
  }
}

/** A --console-socket receiver at <dir>/console.sock. */
async function consoleSocket(dir) {
  const file = path.join(dir, 'console.sock');
  const connections = [];
  // pauseOnConnect: Node must not read() the socket, which would drop the passed fd.
  const server = net.createServer({ pauseOnConnect: true }, (c) => connections.push(c));
  await new Promise((resolve, reject) => server.listen(file, resolve).once('error', reject));
  return {
    path: file,
    /** The next master sent to this socket, as a Terminal (waits up to `timeout`). */
    async terminal({ timeout = 10000 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        for (const c of connections) {
          const got = addon.recvFd(c._handle.fd);
          if (got) {
            connections.splice(connections.indexOf(c), 1);
            c.destroy();
            return new Terminal(got.fd, got.name);
          }
        }
        if (Date.now() > deadline) throw new Error('no pty master arrived on the console socket');
        await sleep(20);
      }
    },
    close() {
      connections.forEach((c) => c.destroy());
      server.close();
    },
  };
}

/** A new pty pair: {terminal (the master side), slave fd, name}. */
function openTerminal({ rows = 24, cols = 80 } = {}) {
  const { master, slave, name } = addon.openpty();
  addon.setWindowSize(master, rows, cols);
  return { terminal: new Terminal(master, name), slave, name };
}

module.exports = { consoleSocket, openTerminal, Terminal, addon };
