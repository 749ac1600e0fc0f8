// Infinite loop: burn CPU until the wall-clock timeout.
export function run(): void {
  let n = 0;
  for (;;) {
    n = (n + 1) | 0;
  }
}
