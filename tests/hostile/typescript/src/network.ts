// Network: open a TCP connection to a public address; exit 3 with the error when denied.
const net = require("net");

export function run(): void {
  const socket = net.connect({ host: "1.1.1.1", port: 80, timeout: 3000 });
  socket.on("connect", () => {
    console.log("CONNECTED");
    socket.destroy();
  });
  const deny = (why: string): void => {
    process.stderr.write(`network denied: ${why}\n`);
    process.exit(3);
  };
  socket.on("error", (e: Error) => deny(e.message));
  socket.on("timeout", () => deny("timed out"));
}
