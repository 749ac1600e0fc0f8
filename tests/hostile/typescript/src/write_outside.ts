// Write outside the workspace: overwrite a host file.
const fs = require("fs");

export function run(path: string): void {
  try {
    fs.writeFileSync(path, "pwned by write_outside");
  } catch (e) {
    process.stderr.write(`write denied: ${(e as Error).message}\n`);
    process.exit(1);
  }
  console.log("WROTE");
}
