// Output flood on stderr.
const fs = require("fs");

export function run(): void {
  const line = "e".repeat(65535) + "\n";
  for (;;) {
    fs.writeSync(2, line);
  }
}
