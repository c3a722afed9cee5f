//! The one POSIX-shell quoter of the workspace: command lines shown in errors (`syspack-build`),
//! maintainer scripts written into packages (`syspack-distro`'s Arch `.install`), recipes and CI
//! workflows (`syspack`). It lives here, in the lowest crate, so every user shares one set of
//! characters that stay bare.
//!
//! POSIX (XCU 2.2, Quoting) names the characters that must be quoted to stand for themselves;
//! the ones left bare here are a subset of the rest that no shell expands in any position.

/// The characters besides ASCII letters and digits that [`quote`] leaves bare.
const BARE: &str = "-_./=:,+@%";

/// `s` as one shell word: as it is when every character is an ASCII letter, digit or one of
/// `-_./=:,+@%`, otherwise [`quote_always`].
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || BARE.contains(c))
    {
        s.to_string()
    } else {
        quote_always(s)
    }
}

/// `s` single-quoted whatever it holds, `'` written as `'\''` (for generated files whose words
/// are quoted uniformly, as a PKGBUILD array or an Arch `.install` function).
pub fn quote_always(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(quote("target/release/x"), "target/release/x");
        assert_eq!(quote("PKG_CONFIG_PATH=/x"), "PKG_CONFIG_PATH=/x");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote_always("x"), "'x'");
    }

    /// What `sh` reads back from a quoted word is the word.
    #[test]
    fn sh_reads_back_the_word() {
        for word in [
            "a b",
            "it's",
            "",
            "$(x) `y` \\z \"q\"",
            "*?[a]~#!",
            "x\ny",
            "ünï",
        ] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", quote(word)))
                .output()
                .expect("sh runs (apt-get install -y dash)");
            assert_eq!(String::from_utf8(out.stdout).unwrap(), word);
        }
    }
}
