import { describe, expect, it } from "vitest";
import { counts, top, words } from "../src/wordcount";

describe("words", () => {
  it("splits on spaces and punctuation", () => {
    expect(words("Hello, world!")).toEqual(["hello", "world"]);
  });
  it("keeps apostrophes", () => {
    expect(words("don't stop")).toEqual(["don't", "stop"]);
  });
});

describe("counts", () => {
  it("counts repeated words", () => {
    const c = counts("the cat and the hat");
    expect(c.get("the")).toBe(2);
    expect(c.size).toBe(4);
  });
});

describe("top", () => {
  it("orders by count, then alphabetically", () => {
    expect(top("b a b c a b", 2)).toEqual([["b", 3], ["a", 2]]);
  });
});
