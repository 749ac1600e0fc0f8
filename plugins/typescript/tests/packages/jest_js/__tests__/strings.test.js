const { capitalize, repeat, isPalindrome } = require("../src/strings");

describe("capitalize", () => {
  test("upper-cases the first letter", () => {
    expect(capitalize("hello")).toBe("Hello");
  });
  test("leaves the empty string", () => {
    expect(capitalize("")).toBe("");
  });
});

describe("repeat", () => {
  test("repeats", () => {
    expect(repeat("ab", 3)).toBe("ababab");
  });
  test.skip("repeats lazily", () => {});
});

test("palindromes", () => {
  expect(isPalindrome("Level")).toBe(true);
  expect(isPalindrome("levels")).toBe(false);
});
