// Delete the workspace: remove everything in the working directory, then the directory itself.
const fs = require("fs");
const path = require("path");

export function run(): void {
  const cwd = process.cwd();
  for (const name of fs.readdirSync(cwd)) {
    fs.rmSync(path.join(cwd, name), { recursive: true, force: true });
  }
  try {
    fs.rmdirSync(cwd);
  } catch (e) {
    console.log(`rmdir refused: ${(e as Error).message}`);
  }
  console.log("DELETED");
}
