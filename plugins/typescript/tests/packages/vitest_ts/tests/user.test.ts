import { describe, expect, it } from "vitest";
import { city, isAdult, loadName } from "../src/user";

describe("user", () => {
  it("reads the city", () => {
    expect(city({ name: "a", age: 3, address: { city: "Oslo" } })).toBe("Oslo");
  });
  it("has a default city", () => {
    expect(city({ name: "a", age: 3 })).toBe("unknown");
  });
  it("knows adults", () => {
    expect(isAdult({ name: "a", age: 18 })).toBe(true);
    expect(isAdult({ name: "a", age: 17 })).toBe(false);
  });
  it("loads names", async () => {
    expect(await loadName(async () => ({ name: "ada", age: 36 }))).toBe("ADA");
  });
});
