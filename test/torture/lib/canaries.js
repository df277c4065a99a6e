'use strict';
// Host directories the hostile-rootfs tests watch: a "victim" dir outside the rootfs that a config
// points escapes at ($VICTIM, $FILE, $NAME), and bind sources ($SRC, a dir; $SRCFILE, a file).
// Each is checksummed before and after (treeDigest): an operation that escaped the rootfs shows.
const fs = require('node:fs');
const path = require('node:path');

/** Makes the canaries in test context `rt`; `fill(text)` puts their paths in for the placeholders. */
function hostCanaries(rt) {
  const victim = rt.hostDir('victim');
  fs.writeFileSync(path.join(victim, 'marker'), 'host\n');
  fs.writeFileSync(path.join(victim, 'file'), 'host-file\n');
  fs.mkdirSync(path.join(victim, 'sub'));
  fs.writeFileSync(path.join(victim, 'sub/inner'), 'host-inner\n');
  const src = rt.hostDir('src');
  fs.writeFileSync(path.join(src, 'from-source'), 'source\n');
  const srcFile = path.join(rt.hostDir('srcfile'), 'file');
  fs.writeFileSync(srcFile, 'source-file\n');
  const fill = (s, extra = {}) => {
    let out = s.replaceAll('$VICTIM', victim).replaceAll('$NAME', path.basename(victim)).replaceAll('$FILE', path.join(victim, 'file'))
      .replaceAll('$SRCFILE', srcFile).replaceAll('$SRC', src);
    for (const [k, v] of Object.entries(extra)) out = out.replaceAll(k, v);
    return out;
  };
  return { victim, src, srcFile, fill };
}

module.exports = { hostCanaries };
