//! Word counts: the words of a text, lowercased, with how often each occurs.

use std::collections::BTreeMap;

/// The words of `text`: runs of letters, digits and apostrophes, lowercased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.to_lowercase())
        .collect()
}

/// How often each word of `text` occurs, in alphabetical order.
pub fn counts(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for w in words(text) {
        *out.entry(w).or_insert(0) += 1;
    }
    out
}

/// The `n` most frequent words, most frequent first; ties in alphabetical order.
pub fn top(text: &str, n: usize) -> Vec<(String, usize)> {
    let mut all: Vec<(String, usize)> = counts(text).into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(n);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_spaces_and_punctuation() {
        assert_eq!(words("Hello, world!"), vec!["hello", "world"]);
    }

    #[test]
    fn keeps_apostrophes() {
        assert_eq!(words("don't stop"), vec!["don't", "stop"]);
    }

    #[test]
    fn empty_text_has_no_words() {
        assert!(words("  ").is_empty());
    }

    #[test]
    fn counts_repeated_words() {
        let c = counts("the cat and the hat");
        assert_eq!(c["the"], 2);
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn top_orders_by_count_then_word() {
        let t = top("b a b c a b", 2);
        assert_eq!(t, vec![("b".to_string(), 3), ("a".to_string(), 2)]);
    }
}
