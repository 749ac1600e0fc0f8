// Lists the package's source files (relative paths, JSON) with the given suffixes, skipping
// node_modules, build outputs and dot folders.  Usage: node - .ts .tsx ...
const fs = require("node:fs");
const path = require("node:path");
const SKIP = new Set(["node_modules", "dist", "build", "coverage", "out"]);
const suffixes = process.argv.slice(2).filter((a) => a !== "-");
const out = [];
function walk(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = dir === "." ? e.name : path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP.has(e.name) && !e.name.startsWith(".")) walk(rel);
    } else if (e.isFile() && suffixes.some((s) => e.name.endsWith(s)) && !e.name.endsWith(".d.ts")) {
      out.push(rel);
    }
  }
}
walk(".");
out.sort();
process.stdout.write(JSON.stringify(out));
