// Setuid: run a setuid-root copy of `id` to gain root; no_new_privs or a nosuid mount would stop it.
const fs = require("fs");
const { spawnSync } = require("child_process");

export function run(id: string): void {
  let nnp = "?";
  try {
    const line = fs.readFileSync("/proc/self/status", "utf8").split("\n").find((l: string) => l.startsWith("NoNewPrivs:"));
    nnp = line ? line.slice("NoNewPrivs:".length).trim() : "?";
  } catch {
    nnp = "?";
  }
  console.log(`NNP ${nnp}`);
  const r = spawnSync(id, ["-u"], { encoding: "utf8" });
  if (r.error) {
    process.stderr.write(`exec denied: ${r.error.message}\n`);
    process.exit(3);
  }
  console.log(`EUID ${r.stdout.trim()}`);
}
