// Syntax-checks JavaScript files with `node --check`, one child per file, and prints a JSON list
// of {file, line, message} for the files that do not parse.  Usage: node - a.js b.mjs ...
const { spawnSync } = require("node:child_process");
const files = process.argv.slice(2).filter((a) => a !== "-");
const problems = [];
for (const file of files) {
  const r = spawnSync(process.execPath, ["--check", file], { encoding: "utf8" });
  if (r.status === 0) continue;
  const err = r.stderr || "";
  const where = err.match(/^(.*):(\d+)\r?$/m);
  const what = err.match(/^(\w*Error)(?: \[\w+\])?: (.*)$/m);
  problems.push({
    file,
    line: where ? Number(where[2]) : null,
    message: what ? `${what[1]}: ${what[2]}` : err.trim().split("\n").slice(-3).join(" "),
  });
}
process.stdout.write(JSON.stringify(problems));
