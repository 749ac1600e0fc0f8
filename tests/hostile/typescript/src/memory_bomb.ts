// Memory bomb: keep allocating 16 MiB blocks, every byte written.
const kept: unknown[] = [];

export function run(): void {
  for (;;) {
    kept.push(Buffer.alloc(16 << 20, 1));
  }
}
