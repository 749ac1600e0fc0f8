"use strict";

function capitalize(word) {
  if (word.length === 0) {
    return word;
  }
  return word[0].toUpperCase() + word.slice(1);
}

function repeat(text, times) {
  let out = "";
  for (let i = 0; i < times; i++) {
    out += text;
  }
  return out;
}

function isPalindrome(text) {
  const clean = text.toLowerCase();
  return clean === clean.split("").reverse().join("");
}

module.exports = { capitalize, repeat, isPalindrome };
