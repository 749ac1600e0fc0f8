// Leftover: exit at once and leave two `node -e` loopers behind, stdio ignored and unref'd so nothing waits for
// them: a detached one (its own session) ignoring SIGTERM and SIGHUP, and a plain child ignoring SIGTERM.
const { spawn } = require("child_process");

function looper(ignored: string[], detached: boolean): void {
  const code = ignored.map((sig) => `process.on("${sig}", () => undefined);`).join(" ") + " setInterval(() => undefined, 1000);";
  spawn(process.execPath, ["-e", code], { detached, stdio: "ignore" }).unref();
}

export function run(): void {
  looper(["SIGTERM", "SIGHUP"], true);
  looper(["SIGTERM"], false);
  console.log("LEFTOVER started");
}
