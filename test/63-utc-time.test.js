'use strict';
// src/utc-time.ts writes times exactly as Date.prototype.toISOString does (which tsrunc avoids:
// it loads ICU's time zones for a UTC time), over a spread of instants. Plain unit test.
const test = require('ava');
const { utcTimestamp } = require('../dist/utc-time');

test('utcTimestamp is toISOString, with or without milliseconds', (t) => {
  const instants = [0, 1, 999, 951782400000 /* 2000-02-29 */, 1798761599999 /* 2026-12-31 23:59:59.999 */, Date.now()];
  for (let i = 0; i < 200; i++) instants.push(Math.floor(Math.random() * 253402300799999)); // up to 9999-12-31
  for (const ms of instants) {
    const iso = new Date(ms).toISOString();
    t.is(utcTimestamp(ms), iso);
    t.is(utcTimestamp(ms, { millis: false }), iso.replace(/\.\d{3}Z$/, 'Z'));
  }
});
