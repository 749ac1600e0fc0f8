/** Word counts: the words of a text, lowercased, with how often each occurs. */

/** The words of `text`: runs of letters, digits and apostrophes, lowercased. */
export function words(text: string): string[] {
  return text.split(/[^\p{L}\p{N}']/u).map((w) => w.toLowerCase());
}

/** How often each word of `text` occurs. */
export function counts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of words(text)) {
    out.set(w, (out.get(w) ?? 0) + 1);
  }
  return out;
}

/** The `n` most frequent words, most frequent first; ties in alphabetical order. */
export function top(text: string, n: number): [string, number][] {
  const all = [...counts(text).entries()];
  all.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return all.slice(0, n);
}
