// A node:test reporter that writes the runner's own completion events as JSON lines, one per
// test or suite, in the order node reports them (children before their parents).
export default async function* gauntletReporter(source) {
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const d = event.data;
    const error = d.details?.error;
    yield JSON.stringify({
      event: event.type === "test:pass" ? "pass" : "fail",
      name: d.name,
      nesting: d.nesting,
      file: d.file ?? null,
      kind: d.details?.type ?? "test",
      skip: d.skip !== undefined && d.skip !== false,
      todo: d.todo !== undefined && d.todo !== false,
      duration_ms: d.details?.duration_ms ?? null,
      failure: error ? error.failureType ?? null : null,
      message: error ? String(error.cause?.message ?? error.message ?? error).slice(0, 2000) : null,
    }) + "\n";
  }
}
