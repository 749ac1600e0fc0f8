// Output flood on stdout (synchronous writes: the pipe's back-pressure never stops us).
const fs = require("fs");

export function run(): void {
  const line = "x".repeat(65535) + "\n";
  for (;;) {
    fs.writeSync(1, line);
  }
}
