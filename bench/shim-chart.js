// Renders ../shared/tools/shim-bench's table (table.md of a run) as bench/shim-chart.svg: for each
// measure, one bar per shim, as a ratio to the first shim (runc's shim + runc = 1).
//   node bench/shim-chart.js /tmp/shim-bench/results/<run>/table.md
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROWS = [
  [/^`ctr run --rm` \/bin\/true latency, median/, 'latency (median)', 'lower is better'],
  [/^throughput, /, 'throughput, 50 at P=8', 'higher is better'],
  [/^shim \+ runtime CPU per container/, 'CPU per container', 'lower is better'],
  [/^peak RSS .*1 container/, 'peak RSS, 1 container', 'lower is better'],
  [/^peak RSS .*pod of 10/, 'peak RSS, pod of 10', 'lower is better'],
];

const table = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.startsWith('|'));
const cells = (l) => l.split('|').slice(1, -1).map((c) => c.trim());
const shims = cells(table[0]).slice(1);
const rows = ROWS.map(([re, label, better]) => {
  const line = table.map(cells).find((c) => re.test(c[0]));
  const values = line.slice(1).map((v) => Number.parseFloat(v));
  return { label, better, values, ratios: values.map((v) => v / values[0]) };
});

const W = 910, rowH = 26 * shims.length + 22, top = 40, left = 190, scaleW = 440;
const max = Math.max(...rows.flatMap((r) => r.ratios), 1);
const colors = ['#888', '#2b7bb9', '#d95f02', '#1b9e77'];
const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top + rows.length * rowH + 30}" font-family="sans-serif" font-size="12">`,
  `<text x="10" y="20" font-size="14" font-weight="bold">containerd shims side by side (ratio to ${shims[0]}; ../shared/tools/shim-bench)</text>`];
rows.forEach((r, i) => {
  const y = top + i * rowH;
  out.push(`<text x="10" y="${y + 14}">${r.label}</text><text x="10" y="${y + 28}" fill="#666" font-size="10">${r.better}</text>`);
  r.ratios.forEach((q, j) => {
    const w = Math.max(1, (q / max) * scaleW);
    out.push(`<rect x="${left}" y="${y + 2 + j * 26}" width="${w.toFixed(1)}" height="20" fill="${colors[j % colors.length]}"/>`,
      `<text x="${(left + w + 5).toFixed(1)}" y="${y + 16 + j * 26}">${shims[j]}: ${r.values[j]} (${q.toFixed(2)}x)</text>`);
  });
});
const x1 = left + scaleW / max;
out.push(`<line x1="${x1}" y1="${top - 5}" x2="${x1}" y2="${top + rows.length * rowH}" stroke="#000" stroke-dasharray="3,3"/>`, '</svg>');
fs.writeFileSync(path.join(__dirname, 'shim-chart.svg'), out.join('\n') + '\n');
