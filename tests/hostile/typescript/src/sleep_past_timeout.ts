// Sleep far past any timeout.
export function run(): void {
  setTimeout(() => undefined, 3600 * 1000);
}
