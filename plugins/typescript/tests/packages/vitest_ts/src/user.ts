/** User records with optional nested data. */

export interface User {
  name: string;
  age: number;
  address?: { city?: string };
}

export function city(user: User): string {
  return user.address?.city ?? "unknown";
}

export function isAdult(user: User): boolean {
  return user.age >= 18;
}

export async function loadName(fetchUser: () => Promise<User>): Promise<string> {
  const user = await fetchUser();
  return user.name.toUpperCase();
}
