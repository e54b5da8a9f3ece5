import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TALK_TO_PERSON, LEAVE_MESSAGE, BUTTON_TITLES } from "../src/shared/wording.js";

test("the labels are the server's buttons", () => {
  assert.equal(BUTTON_TITLES[TALK_TO_PERSON.payload], TALK_TO_PERSON.title);
  assert.equal(BUTTON_TITLES[LEAVE_MESSAGE.payload], LEAVE_MESSAGE.title);
  assert.equal(TALK_TO_PERSON.payload, "/human_handoff");
  for (const rating of ["good", "ok", "poor"]) assert.ok(BUTTON_TITLES[`/rate ${rating}`]);
  assert.ok(Object.isFrozen(BUTTON_TITLES));
});

test("wording.js is what scripts/wording_js.py makes of bot/wording.py", (t) => {
  const script = fileURLToPath(new URL("../../scripts/wording_js.py", import.meta.url));
  const run = spawnSync(process.env.PYTHON || "python3", [script, "--check"], { encoding: "utf8" });
  if (run.error) { t.skip("no python3 here"); return; }
  assert.equal(run.status, 0, run.stderr);
});
