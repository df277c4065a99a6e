'use strict';
// A clause test: the spec sentence it checks (file, heading, keyword, sentence) and how.
//   const clause = clauses('config.md');
//   clause('Root', 'MUST', 'If true then the root filesystem MUST be read-only ...', 'name', async (c) => {...},
//          { note: 'shown next to the clause in the report' });
// c is a Sandbox (lib/sandbox.js); a test passes by returning, fails by throwing, skips with c.skip().
function clauses(file) {
  const list = [];
  const clause = (heading, keyword, sentence, name, test, extra = {}) =>
    list.push({ file, heading, keyword, clause: sentence, name, test, ...extra });
  clause.list = list;
  return clause;
}

const ERRNO = { EPERM: 1, ENOENT: 2, EACCES: 13, EROFS: 30, EOPNOTSUPP: 95 };

module.exports = { clauses, ERRNO };
