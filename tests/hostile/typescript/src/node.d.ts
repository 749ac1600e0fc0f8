// The few Node built-ins the cases use, declared here so that tsc needs no @types/node (offline).
declare const process: {
  argv: string[];
  env: Record<string, string | undefined>;
  execPath: string;
  pid: number;
  ppid: number;
  stdout: { write(s: string): boolean };
  stderr: { write(s: string): boolean };
  exit(code?: number): never;
  cwd(): string;
  kill(pid: number, signal?: string): true;
};
declare function require(name: string): any;
declare const Buffer: { alloc(size: number, fill?: number): { length: number } };
declare const console: { log(...args: unknown[]): void };
declare function setTimeout(fn: () => void, ms: number): unknown;
