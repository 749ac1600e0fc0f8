// Fill the disk: append 1 MiB blocks to one file until something stops us.
const fs = require("fs");

export function run(): void {
  const fd = fs.openSync("fill.bin", "w");
  const block = Buffer.alloc(1 << 20);
  for (;;) {
    try {
      fs.writeSync(fd, block);
    } catch (e) {
      process.stderr.write(`write failed: ${(e as Error).message}\n`);
      process.exit(1);
    }
  }
}
