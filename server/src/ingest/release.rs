//! Which of two releases is newer, for "resolved in release" regressions: by semantic version
//! when both are one (Sentry's semver ordering: `package@1.2.10` after `package@1.2.9`, a
//! pre-release before its release), else unknown (the caller falls back to when each release
//! was first seen).

use std::cmp::Ordering;

/// A parsed `[package@]major[.minor[.patch[.revision]]][-pre][+build]`.
#[derive(Debug, PartialEq, Eq)]
struct Version<'a> {
    package: Option<&'a str>,
    numbers: [u64; 4],
    pre: Option<&'a str>,
}

fn parse(release: &str) -> Option<Version<'_>> {
    let (package, version) = match release.rsplit_once('@') {
        Some((package, version)) => (Some(package), version),
        None => (None, release),
    };
    let version = version.strip_prefix('v').unwrap_or(version);
    let version = version.split_once('+').map_or(version, |(v, _build)| v);
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let mut numbers = [0u64; 4];
    let mut parts = core.split('.');
    for (i, part) in parts.by_ref().take(4).enumerate() {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        numbers[i] = part.parse().ok()?;
    }
    if parts.next().is_some() || core.is_empty() {
        return None;
    }
    Some(Version { package, numbers, pre })
}

/// `Some(order)` of `a` relative to `b` when both are semantic versions of the same package.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (parse(a)?, parse(b)?);
    if a.package != b.package {
        return None;
    }
    Some(a.numbers.cmp(&b.numbers).then_with(|| match (a.pre, b.pre) {
        (None, None) => Ordering::Equal,
        // A pre-release comes before the release itself.
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => compare_pre(x, y),
    }))
}

/// Pre-release identifiers compare numerically when both are numbers, else as text.
fn compare_pre(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_versions_compare_numerically() {
        assert_eq!(compare("backend@1.2.10", "backend@1.2.9"), Some(Ordering::Greater));
        assert_eq!(compare("1.10.0", "1.9.9"), Some(Ordering::Greater));
        assert_eq!(compare("v2.0", "2.0.0"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.0+build.7", "1.0.0+build.9"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.0.1", "1.0.0"), Some(Ordering::Greater));
    }

    #[test]
    fn pre_releases_come_before_their_release() {
        assert_eq!(compare("2.0.0-rc.1", "2.0.0"), Some(Ordering::Less));
        assert_eq!(compare("2.0.0-rc.10", "2.0.0-rc.2"), Some(Ordering::Greater));
        assert_eq!(compare("2.0.0-beta", "2.0.0-alpha"), Some(Ordering::Greater));
    }

    #[test]
    fn other_releases_are_not_ordered() {
        assert_eq!(compare("a1b2c3d", "1.0.0"), None);
        assert_eq!(compare("web@1.0.0", "api@2.0.0"), None);
        assert_eq!(compare("1.0.x", "1.0.1"), None);
        assert_eq!(compare("", "1.0.0"), None);
    }
}
