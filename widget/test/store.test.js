import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createStore, nextOwner, cmpRows, subtitle, queueText, greeting, asksToLeaveMessage, newId, NOBODY,
} from "../src/widget/store.js";

function memory() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v), items };
}

test("the owner is the one the bridge states; the facts in custom do not move it", () => {
  assert.equal(nextOwner({ metadata: { owner: "agent" }, custom: { handed_back: true } }, "bot"), "agent");
  assert.equal(nextOwner({ owner: "closed" }, "agent"), "closed"); // metadata flattened in
  assert.equal(nextOwner({ metadata: { owner: "nobody" }, custom: { closed: true } }, "bot"), "bot");
  assert.equal(nextOwner({ custom: { agent_joined: "Alex" } }, "queue"), "queue");
});

test("rows sort by stream id, rows not yet stored last", () => {
  assert.ok(cmpRows("1700000000000-2", "1700000000000-10") < 0);
  assert.ok(cmpRows("9-0", "10-0") < 0);
  assert.ok(cmpRows("", "1-0") > 0);
  assert.ok(cmpRows("1-0", "") < 0);
  assert.equal(cmpRows("", ""), 0);
});

test("the header, the queue line and the greeting say who is there", () => {
  assert.equal(subtitle("agent", "Alex"), "Chatting with Alex");
  assert.equal(subtitle("agent", ""), "Chatting with our team");
  assert.equal(subtitle("triage", ""), "Waiting for a person…");
  assert.equal(subtitle("closed", ""), "Chat closed");
  assert.equal(subtitle("bot", "Alex"), "Virtual assistant");
  assert.equal(queueText({ position: 1, eta_seconds: 20 }), "You're next · about 1 min");
  assert.equal(queueText({ position: 3, eta_seconds: 300 }), "You're number 3 in the queue · about 5 min");
  assert.equal(queueText({ position: 3, eta_seconds: null }), null);
  assert.equal(queueText({ position: 1, eta_seconds: 0 }), "You're next · soon"); // the estimate ran out
  assert.equal(queueText({ position: 2, eta_seconds: 0, late: true }), "You're number 2 in the queue · sorry for the wait");
  assert.equal(queueText({ position: 1, eta_seconds: 120, late: true }), "You're next · sorry for the wait");
  assert.equal(queueText({ position: 1, eta_seconds: null, late: true }), null);
  assert.equal(subtitle("bot", "", 250), "Virtual assistant · a person usually replies in 4 min");
  assert.equal(subtitle("queue", "", 250), "Waiting for a person…");
  assert.doesNotMatch(NOBODY, /nobody/i); // the bridge said it once, in the chat
  assert.equal(greeting("Hi!", { open: true }), "Hi!");
  assert.equal(greeting("Hi!", { open: false, back: "at 9:00" }),
    "Hi! Nobody from our team is here right now; we're back at 9:00. You can still leave a message.");
});

test("asking to leave a message opens the form, refusing does not", () => {
  assert.ok(asksToLeaveMessage("Can I leave a message?"));
  assert.ok(asksToLeaveMessage("I'd like to leave you a message"));
  assert.ok(!asksToLeaveMessage("I don't want to leave a message"));
  assert.ok(!asksToLeaveMessage("hello"));
});

test("the store keeps what survives a reload and tells subscribers of owner changes", () => {
  const storage = memory();
  const store = createStore("k", storage);
  assert.deepEqual(store.saved, { session: "", last: "", pending: [], open: false });
  store.save({ session: "s1", pending: [{ id: "a", text: "hi" }] });
  assert.deepEqual(createStore("k", storage).saved.pending, [{ id: "a", text: "hi" }]);
  const heard = [];
  const stop = store.subscribe((changed) => heard.push(changed.owner));
  store.set({ owner: "queue" });
  stop();
  store.set({ owner: "agent" });
  assert.deepEqual(heard, ["queue"]);
  assert.equal(store.live.owner, "agent");
});

test("a broken saved state starts afresh", () => {
  const storage = memory();
  storage.setItem("k", "{not json");
  assert.equal(createStore("k", storage).saved.session, "");
});

test("client message ids do not repeat", () => {
  const ids = new Set(Array.from({ length: 1000 }, newId));
  assert.equal(ids.size, 1000);
});

test("metadata.owner reaches the store from either message shape", async () => {
  const { flat } = await import("../src/widget/connection.js");
  const rasaShape = { text: "Alex joined the chat.", metadata: { id: "1-0", sender: "system", owner: "agent", custom: {} } };
  const message = flat(rasaShape);
  assert.equal(message.id, "1-0");
  assert.equal(nextOwner(message, "queue"), "agent");
  assert.equal(flat({ text: "x", id: "2-0", metadata: { id: "ignored" } }).id, "2-0"); // top level wins
  assert.equal(flat(null), null);
});
