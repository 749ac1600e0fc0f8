/** Small numeric helpers: the code under test. */

export function clamp(x: number, lo: number, hi: number): number {
  if (x < lo) {
    return lo;
  }
  if (x > hi) {
    return hi;
  }
  return x;
}

export function sum(xs: number[]): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) {
    total += xs[i];
  }
  return total;
}

export function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    out.push(i);
  }
  return out;
}

export function isEven(n: number): boolean {
  return n % 2 === 0;
}

export function divide(a: number, b: number): number {
  if (b === 0) {
    throw new Error("division by zero");
  }
  return a / b;
}

export function subtract(a: number, b: number): number {
  return a - b;
}

export function between(x: number, lo: number, hi: number): boolean {
  return clamp(x, lo, hi) === x;
}
