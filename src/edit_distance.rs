//! Suggestions by edit distance, as cargo gives them: at most 3 edits, and never more than a
//! third of the word.

/// The edit distance between two strings (by `char`): insertions, deletions, substitutions and
/// transpositions of two neighbours (`rmp` → `rpm`) each count 1.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is within 3 edits (and a third of the length).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count().max(3) / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("debian-12", "debian-12"), 0);
        assert_eq!(distance("rmp", "rpm"), 1);
    }

    #[test]
    fn closest_suggests_only_near_words() {
        let c = ["debian-12", "debian-13", "fedora-43", "arch"];
        assert_eq!(closest("debain-12", c), Some("debian-12"));
        assert_eq!(closest("fedora43", c), Some("fedora-43"));
        assert_eq!(closest("gentoo", c), None);
        assert_eq!(closest("asets", ["assets", "scripts"]), Some("assets"));
    }
}
