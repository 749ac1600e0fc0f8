// Write to the host: create a file at each of the comma-separated absolute paths; exit 3 when all are denied.
const fs = require("fs");

export function run(paths: string): void {
  let wrote = false;
  for (const path of paths.split(",")) {
    try {
      fs.writeFileSync(path, "pwned by write_host");
    } catch (e) {
      process.stderr.write(`write denied: ${path}: ${(e as Error).message}\n`);
      continue;
    }
    wrote = true;
    console.log(`WROTE ${path}`);
  }
  process.exit(wrote ? 0 : 3);
}
