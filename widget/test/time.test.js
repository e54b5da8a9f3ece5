import { test } from "node:test";
import assert from "node:assert/strict";
import { cmpId, clockTime, fmtWait, minutes } from "../src/shared/time.js";

test("stream ids compare by time, then sequence", () => {
  assert.ok(cmpId("1-1", "1-2") < 0);
  assert.ok(cmpId("2-0", "1-9") > 0);
  assert.equal(cmpId("5-5", "5-5"), 0);
  assert.ok(cmpId("", "0-1") < 0); // "" is the smallest
});

test("waits read as m:ss, then hours", () => {
  assert.equal(fmtWait(0), "0:00");
  assert.equal(fmtWait(-3), "0:00");
  assert.equal(fmtWait(65.4), "1:05");
  assert.equal(fmtWait(3599), "59:59");
  assert.equal(fmtWait(3600 + 125), "1 h 2 min");
});

test("a clock time, or nothing without a time", () => {
  assert.equal(clockTime(0), "");
  assert.equal(clockTime(undefined), "");
  assert.match(clockTime(1700000000), /\d{1,2}.\d{2}/);
});

test("estimates are whole minutes, at least one", () => {
  assert.equal(minutes(1), 1);
  assert.equal(minutes(90), 2);
  assert.equal(minutes(600), 10);
});
