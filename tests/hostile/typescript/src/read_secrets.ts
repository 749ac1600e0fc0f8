// Read secrets: a file in the harness user's real home, then the environment and command line of every
// process /proc shows: init's, our parent's, the harness's own.
const fs = require("fs");

export function run(secret: string): void {
  try {
    console.log("SECRET-FILE:" + fs.readFileSync(secret, "utf8"));
  } catch (e) {
    process.stderr.write(`secret file unreadable: ${(e as Error).message}\n`);
  }
  let pids: string[];
  try {
    pids = fs.readdirSync("/proc").filter((name: string) => /^\d+$/.test(name));
  } catch {
    pids = []; // no /proc at all
  }
  console.log(`PROCS ${pids.length}`);
  for (const pid of new Set(["1", String(process.ppid), ...pids])) {
    for (const part of ["environ", "cmdline"]) {
      let text: string;
      try {
        text = fs.readFileSync(`/proc/${pid}/${part}`, "utf8");
      } catch {
        continue;
      }
      console.log(`PROC ${pid} ${part}: ${text.replace(/\0/g, " ").slice(0, 4000)}`);
    }
  }
}
