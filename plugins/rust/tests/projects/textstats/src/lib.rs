//! Small text statistics: word counts, longest word, averages.

/// Why a statistic could not be computed.
#[derive(Debug, PartialEq, Eq)]
pub enum StatsError {
    Empty,
}

/// Number of whitespace-separated words in `text`.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The longest word (the first one on ties), or None for text without words.
pub fn longest_word(text: &str) -> Option<&str> {
    let mut best: Option<&str> = None;
    for word in text.split_whitespace() {
        match best {
            Some(b) if word.len() <= b.len() => {}
            _ => best = Some(word),
        }
    }
    best
}

/// Mean word length, rounded down.
pub fn mean_word_length(text: &str) -> Result<usize, StatsError> {
    let words = word_count(text);
    if words == 0 {
        return Err(StatsError::Empty);
    }
    let letters: usize = text.split_whitespace().map(str::len).sum();
    Ok(letters / words)
}

/// Words of at least `min` characters.
pub fn long_words(text: &str, min: usize) -> Vec<&str> {
    text.split_whitespace().filter(|w| w.len() >= min).collect()
}

/// Is `word` a palindrome (ASCII, case-insensitive)?
pub fn is_palindrome(word: &str) -> bool {
    let bytes: Vec<u8> = word.bytes().map(|b| b.to_ascii_lowercase()).collect();
    let n = bytes.len();
    let mut i = 0;
    while i < n / 2 {
        if bytes[i] != bytes[n - 1 - i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Parse "a,b,c" counts and add them up.
pub fn sum_counts(list: &str) -> Result<u32, std::num::ParseIntError> {
    let mut total = 0;
    for part in list.split(',') {
        let n: u32 = part.trim().parse()?;
        total += n;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words() {
        assert_eq!(word_count("the quick  brown fox"), 4);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn finds_longest_word() {
        assert_eq!(longest_word("a bbb cc ddd"), Some("bbb"));
        assert_eq!(longest_word("   "), None);
    }

    #[test]
    fn mean_length() {
        assert_eq!(mean_word_length("ab abcd"), Ok(3));
        assert_eq!(mean_word_length(""), Err(StatsError::Empty));
    }

    #[test]
    fn filters_long_words() {
        assert_eq!(long_words("a bb ccc dddd", 3), vec!["ccc", "dddd"]);
    }

    #[test]
    fn palindromes() {
        assert!(is_palindrome("Level"));
        assert!(is_palindrome(""));
        assert!(!is_palindrome("rust"));
    }

    #[test]
    fn sums_counts() {
        assert_eq!(sum_counts("1, 2,3"), Ok(6));
        assert!(sum_counts("1,x").is_err());
    }

    #[test]
    #[ignore = "slow: runs only on demand"]
    fn huge_text() {
        let text = "word ".repeat(1_000_000);
        assert_eq!(word_count(&text), 1_000_000);
    }

    mod nested {
        #[test]
        fn nested_module_test() {
            assert_eq!(super::super::word_count("x y"), 2);
        }
    }
}
