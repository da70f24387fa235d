//! Sentry's glob for ownership rules: `*` (and `**`) match any run of characters, `/`
//! included, `?` matches one character, everything else is literal; case is ignored.

/// A compiled glob.
#[derive(Debug, Clone)]
pub struct Glob(regex::Regex);

impl Glob {
    /// Compiles a glob. Every pattern compiles: all characters but the wildcards are escaped.
    pub fn new(pattern: &str) -> Glob {
        let mut source = String::with_capacity(pattern.len() + 8);
        source.push_str("(?is)^");
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    while chars.peek() == Some(&'*') {
                        chars.next();
                    }
                    source.push_str(".*");
                }
                '?' => source.push('.'),
                c => source.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
        }
        source.push('$');
        // The source is built from escaped literals and `.*`/`.`: it always compiles; a regex
        // that never matches is the safe stand-in should that ever change.
        Glob(regex::Regex::new(&source).unwrap_or_else(|_| never()))
    }

    /// Whether the whole value matches.
    pub fn matches(&self, value: &str) -> bool {
        self.0.is_match(value)
    }
}

/// A regex that matches nothing.
pub(super) fn never() -> regex::Regex {
    regex::Regex::new("[^\\s\\S]").unwrap_or_else(|_| unreachable!("a constant pattern"))
}
