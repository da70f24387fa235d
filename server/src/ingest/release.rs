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
    Some(order(&a, &b))
}

/// The order of two versions: their numbers, then a pre-release before the release itself.
fn order(a: &Version<'_>, b: &Version<'_>) -> Ordering {
    a.numbers.cmp(&b.numbers).then_with(|| match (a.pre, b.pre) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => compare_pre(x, y),
    })
}

/// Whether a release's version (after its package) is a semantic version.
pub fn is_semver(release: &str) -> bool {
    parse(release).is_some()
}

/// The order of two releases by their semantic versions whatever their packages, as Sentry's
/// `sort=semver` orders an organization's releases; one that is no semantic version comes
/// before every one that is.
pub fn semver_order(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => order(&a, &b),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

/// A release's build number (Sentry's `build_number`): the part after `+` when it is a number,
/// as in `app@1.2.0+345`.
pub fn build_number(release: &str) -> Option<u64> {
    let (_, build) = release.rsplit_once('+')?;
    build.parse().ok()
}

/// A version that a search compares releases with (`release.version:>=1.2`,
/// `release.version:app@2.0.0-rc.1`, `release.version:1.2.*`): the numbers written (the others
/// are zeros), a pre-release, a package, or a trailing `.*` for any numbers after those written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionBound {
    package: Option<String>,
    numbers: [u64; 4],
    written: usize,
    pre: Option<String>,
    wildcard: bool,
}

impl VersionBound {
    /// Parses a search's version; `None` when it is not one.
    pub fn parse(text: &str) -> Option<VersionBound> {
        let (package, version) = match text.rsplit_once('@') {
            Some((package, version)) if !package.is_empty() => (Some(package.to_owned()), version),
            _ => (None, text),
        };
        let version = version.strip_prefix('v').unwrap_or(version);
        let (version, wildcard) = match version.strip_suffix(".*") {
            Some(prefix) => (prefix, true),
            None => (version, false),
        };
        let (core, pre) = match version.split_once('-') {
            Some((_, _)) if wildcard => return None,
            Some((core, pre)) if !pre.is_empty() => (core, Some(pre.to_owned())),
            Some(_) => return None,
            None => (version, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if core.is_empty() || parts.len() > 4 {
            return None;
        }
        let mut numbers = [0u64; 4];
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            numbers[i] = part.parse().ok()?;
        }
        Some(VersionBound { package, numbers, written: parts.len(), pre, wildcard })
    }

    /// Whether it ends in `.*` (which only `=` can compare with).
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// Whether `release` stands in relation `op` (`>`, `>=`, `<`, `<=`, `=`) to this version, as
    /// Sentry's semver search compares: releases that are no semantic version never match, and
    /// a version with a package only matches releases of that package.
    pub fn matches(&self, op: &str, release: &str) -> bool {
        let Some(version) = parse(release) else { return false };
        if self.package.as_deref().is_some_and(|p| version.package != Some(p)) {
            return false;
        }
        if self.wildcard {
            return version.numbers[..self.written] == self.numbers[..self.written];
        }
        let bound = Version { package: None, numbers: self.numbers, pre: self.pre.as_deref() };
        let order = order(&version, &bound);
        match op {
            ">" => order == Ordering::Greater,
            ">=" => order != Ordering::Less,
            "<" => order == Ordering::Less,
            "<=" => order != Ordering::Greater,
            _ => order == Ordering::Equal,
        }
    }
}

/// The package of a release (`app` of `app@1.2.3`), if it names one.
pub fn package(release: &str) -> Option<&str> {
    release.rsplit_once('@').map(|(package, _)| package).filter(|p| !p.is_empty())
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
    fn search_versions_compare_with_releases_as_sentrys_semver_search() {
        let bound = |text: &str| VersionBound::parse(text).expect(text);
        assert!(bound(">=1.2".trim_start_matches(">=")).matches(">=", "app@1.2.0"));
        assert!(bound("1.2").matches(">=", "app@1.10.0"));
        assert!(!bound("1.2").matches(">=", "app@1.1.9"));
        assert!(bound("2.0.0").matches("<", "2.0.0-rc.1"), "a pre-release is before");
        assert!(bound("2.0.0-rc.1").matches(">", "2.0.0-rc.2"));
        assert!(bound("1.2.3").matches("=", "app@1.2.3+45"), "the build does not count");
        assert!(bound("v1.2.3").matches("=", "1.2.3"));
        assert!(bound("app@1.0").matches(">", "app@1.1"));
        assert!(!bound("app@1.0").matches(">", "web@1.1"), "another package");
        assert!(bound("1.2.*").matches("=", "app@1.2.9"));
        assert!(!bound("1.2.*").matches("=", "app@1.3.0"));
        assert!(!bound("1.0").matches(">", "a1b2c3d"), "not a semantic version");
        for bad in ["", "1.2.x", "1..2", "1.2.3.4.5", "1.2.*-rc", "1.0-", "@"] {
            assert_eq!(VersionBound::parse(bad), None, "{bad:?}");
        }
        assert_eq!(package("app@1.0"), Some("app"));
        assert_eq!(package("1.0"), None);
    }

    #[test]
    fn releases_sort_by_semver_across_packages_and_by_build_number() {
        let mut releases = ["web@1.10.0", "api@2.0.0-rc.1", "a1b2c3d", "api@2.0.0", "1.9.0"];
        releases.sort_by(|a, b| semver_order(b, a));
        assert_eq!(releases, ["api@2.0.0", "api@2.0.0-rc.1", "web@1.10.0", "1.9.0", "a1b2c3d"]);
        assert!(is_semver("app@1.0") && !is_semver("a1b2c3d"));
        assert_eq!(build_number("app@1.2.0+345"), Some(345));
        assert_eq!(build_number("app@1.2.0+build.7"), None);
        assert_eq!(build_number("app@1.2.0"), None);
    }

    #[test]
    fn other_releases_are_not_ordered() {
        assert_eq!(compare("a1b2c3d", "1.0.0"), None);
        assert_eq!(compare("web@1.0.0", "api@2.0.0"), None);
        assert_eq!(compare("1.0.x", "1.0.1"), None);
        assert_eq!(compare("", "1.0.0"), None);
    }
}
