import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { Queue } from "../src/queue.js";

describe("Queue", () => {
  it("is first in, first out", () => {
    const q = new Queue(3);
    q.push(1);
    q.push(2);
    assert.equal(q.pop(), 1);
    assert.equal(q.pop(), 2);
  });
  it("refuses items past capacity", () => {
    const q = new Queue(1);
    assert.equal(q.push("a"), true);
    assert.equal(q.push("b"), false);
    assert.equal(q.size, 1);
  });
  it.todo("supports priorities");
});

test("empty pop gives undefined", () => {
  assert.equal(new Queue(2).pop(), undefined);
});
