import { test } from "node:test";
import assert from "node:assert/strict";
import { browserOf, visitorTime } from "../src/console/format.js";
import { bucketBars, bucketed, quantile } from "../src/console/charts.js";

test("a browser reads as name, version and system", () => {
  const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
  assert.equal(browserOf(chrome), "Chrome 120 on Windows");
  const iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
  assert.equal(browserOf(iphone), "Safari 17 on iOS");
  assert.equal(browserOf(""), "—");
  assert.equal(browserOf("curl/8"), "curl/8");
});

test("the visitor's time, by their zone, else what their browser said", () => {
  assert.match(visitorTime({ timezone: "Europe/Paris" }), /\(Europe\/Paris\)$/);
  assert.equal(visitorTime({ timezone: "Not/AZone", local_time: "Mon 10:00" }), "Mon 10:00");
  assert.equal(visitorTime({}), "—");
});

test("the bridge's latency buckets become bars", () => {
  assert.deepEqual(bucketBars([{ le: 0.05, count: 2 }, { le: 1, count: 0 }, { le: 120, count: 1 }, { le: null, count: 3 }]), [
    { label: "≤0.05 s", value: 2 }, { label: "≤1 s", value: 0 }, { label: "≤2 min", value: 1 }, { label: "more", value: 3 },
  ]);
  assert.deepEqual(bucketBars(undefined), []);
});

test("wait samples are counted into buckets; quantiles by nearest rank", () => {
  const bars = bucketed([1, 15, 16, 700]);
  assert.equal(bars[0].value, 2); // ≤15 s
  assert.equal(bars[1].value, 1); // ≤30 s
  assert.equal(bars[bars.length - 1].value, 1); // more
  assert.equal(quantile([], 0.5), null);
  assert.equal(quantile([5, 1, 3], 0.5), 3);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
});
