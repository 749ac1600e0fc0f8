// Daemon: start `sleep ARG` in a new session, detached, and exit at once, hoping it outlives us.
const { spawn } = require("child_process");

export function run(seconds: string): void {
  spawn("sleep", [seconds], { detached: true, stdio: "ignore" }).unref();
  console.log("DAEMON started");
}
