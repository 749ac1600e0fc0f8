// Fork bomb: spawn lingering children until the process limit stops us.
const { spawn } = require("child_process");

export function run(): void {
  let n = 0;
  const next = (): void => {
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    child.on("error", (e: Error) => {
      process.stderr.write(`spawn failed after ${n} children: ${e.message}\n`);
      process.exit(1);
    });
    child.on("spawn", () => {
      n += 1;
      next();
    });
  };
  next();
}
