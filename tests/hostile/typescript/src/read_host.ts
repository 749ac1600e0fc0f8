// Read the host: dump the environment, list HOME, and read a host file outside the workspace.
const fs = require("fs");
const os = require("os");

export function run(canary: string): void {
  for (const [key, value] of Object.entries(process.env)) {
    console.log(`ENV ${key}=${value}`);
  }
  const home: string = os.homedir();
  let names: string[] = [];
  try {
    names = fs.readdirSync(home);
  } catch {
    names = [];
  }
  console.log("HOME", home, JSON.stringify(names));
  try {
    console.log("CANARY:" + fs.readFileSync(canary, "utf8"));
  } catch (e) {
    console.log(`canary unreadable: ${(e as Error).message}`);
  }
}
