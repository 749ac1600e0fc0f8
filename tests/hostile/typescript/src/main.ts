// Runs one hostile case: `node dist/main.js CASE ARG`; each case is a module exporting run(arg).
const [name = "", arg = ""] = process.argv.slice(2);
if (name === "ok") {
  console.log("ok");
} else {
  let mod: { run(arg: string): void };
  try {
    mod = require(`./${name}`);
  } catch {
    process.stderr.write(`unknown case ${JSON.stringify(name)}\n`);
    process.exit(2);
  }
  mod.run(arg);
}

export {};
