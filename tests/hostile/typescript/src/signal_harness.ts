// Signal the harness: SIGKILL the harness's host PID, our parent and init; report each outcome, and that we
// are still alive.  Node has no ptrace.
export function run(harness: string): void {
  if (!/^\d+$/.test(harness)) {
    process.stderr.write(`not a PID: ${JSON.stringify(harness)}\n`);
    process.exit(2);
  }
  const targets: [string, number][] = [["harness", Number(harness)], ["parent", process.ppid], ["init", 1]];
  for (const [name, pid] of targets) {
    try {
      process.kill(pid, "SIGKILL");
      console.log(`SIGNAL ${name} ok`);
    } catch (e) {
      console.log(`SIGNAL ${name} ${(e as Error).message}`);
    }
  }
  console.log("PTRACE unavailable");
  setTimeout(() => console.log("ALIVE"), 200);
}
