import { test } from "node:test";
import assert from "node:assert/strict";
import { isHttpUrl, isImageSrc, safeFile, fileSize, isPayload, buttonTitle } from "../src/shared/text.js";

test("only http(s) links are followed", () => {
  assert.ok(isHttpUrl("https://example.org/a.pdf"));
  assert.ok(isHttpUrl("http://localhost:8080/x"));
  for (const bad of ["javascript:alert(1)", "data:text/html,<b>", "//evil.example/x", "ftp://x", " https://x", 42, null, undefined]) {
    assert.ok(!isHttpUrl(bad), String(bad));
  }
});

test("images come from http(s) or inline images only", () => {
  assert.ok(isImageSrc("https://example.org/cat.png"));
  assert.ok(isImageSrc("data:image/png;base64,AAAA"));
  assert.ok(!isImageSrc("data:text/html;base64,AAAA"));
  assert.ok(!isImageSrc("javascript:alert(1)"));
  assert.ok(!isImageSrc({ toString: () => "https://x" }));
});

test("a file is shown only with a followable link", () => {
  const file = { url: "https://h/f.pdf", name: "f.pdf", type: "application/pdf", size: 10 };
  assert.equal(safeFile(file), file);
  assert.equal(safeFile({ ...file, url: "javascript:alert(1)" }), null);
  assert.equal(safeFile(null), null);
  assert.equal(safeFile({ name: "x" }), null);
});

test("file sizes read as KB or MB", () => {
  assert.equal(fileSize(10), "1 KB");
  assert.equal(fileSize(2048), "2 KB");
  assert.equal(fileSize(1048576), "1.0 MB");
  assert.equal(fileSize(5 * 1048576 + 1), "5.0 MB");
});

test("a payload shows as its button's title", () => {
  assert.ok(isPayload("/human_handoff"));
  assert.ok(!isPayload("/ hello"));
  assert.ok(!isPayload("hello /x"));
  const titles = { "/human_handoff": "Talk to a person" };
  assert.equal(buttonTitle("/human_handoff", titles), "Talk to a person");
  assert.equal(buttonTitle("/department sales", titles, { sales: "Sales" }), "Sales");
  assert.equal(buttonTitle("/department nope", titles, { sales: "Sales" }), "");
  assert.equal(buttonTitle("/unknown", titles), "");
});

test("an answer's web links are links, any other link is its words", async () => {
  const { answerParts } = await import("../src/shared/text.js");
  assert.deepEqual(answerParts("Book [online](https://x.example/book) or at https://x.example/t."), [
    { text: "Book ", href: "" }, { text: "online", href: "https://x.example/book" },
    { text: " or at ", href: "" }, { text: "https://x.example/t", href: "https://x.example/t" },
    { text: ".", href: "" },
  ]);
  for (const target of ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,x", "mailto:a@x.example", "/relative", "//x.example/a", 'https://x.example/"a']) {
    assert.deepEqual(answerParts(`Click [here](${target}) now`), [{ text: "Click here now", href: "" }], target);
  }
  assert.deepEqual(answerParts(undefined), []);
  assert.deepEqual(answerParts("plain"), [{ text: "plain", href: "" }]);
});
