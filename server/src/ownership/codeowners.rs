//! CODEOWNERS files (GitHub's and GitLab's syntax): patterns with gitignore semantics, the
//! last matching line wins, a line without owners un-owns its paths.
//!
//! Sentry maps GitHub/GitLab handles to members and teams through "external users and teams"
//! of an integration; Cairn has no integrations, so the import request carries the mapping.
//! Emails written in the file need none. Whatever cannot be mapped is reported in Sentry's
//! `errors` shape, never dropped silently.
//!
//! Patterns are matched against frame paths (a leading `./` or `/` ignored). A file imported
//! through a code mapping (Sentry's `codeMappingId`) has the patterns under the mapping's
//! source root rewritten under its stack root ([`Roots`]), so that repository paths match the
//! paths frames have; without one, they are matched as written.

use std::collections::{BTreeMap, BTreeSet};

use cairn_types::api::{CodeownersErrors, OwnershipRule, OwnershipSchema, RuleMatcher};

use super::{Directory, OwnerRef, ParseError};

/// A code mapping's roots, through which a CODEOWNERS file written for the repository is
/// imported (Sentry's `codeMappingId`): a pattern under the source root is rewritten under the
/// stack root, so that it matches the paths frames have.
#[derive(Debug, Clone, Copy)]
pub struct Roots<'a> {
    /// The prefix as stack traces show it.
    pub stack_root: &'a str,
    /// The repository path it stands for.
    pub source_root: &'a str,
}

impl Roots<'_> {
    /// `pattern` with its source root replaced by the stack root; patterns elsewhere, and
    /// those that match at any depth (no `/` but a trailing one), are left as written.
    pub fn to_stack_path(self, pattern: &str) -> String {
        let relative = pattern.trim_start_matches('/');
        let floating = !pattern.starts_with('/') && !relative.trim_end_matches('/').contains('/');
        let source = self.source_root.trim_matches('/');
        let rest = if floating {
            None
        } else if source.is_empty() {
            Some(relative)
        } else {
            relative.strip_prefix(source).filter(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let Some(rest) = rest else {
            return pattern.to_owned();
        };
        let (stack, rest) = (self.stack_root.trim_matches('/'), rest.trim_start_matches('/'));
        match (stack.is_empty(), rest.is_empty()) {
            (true, _) => format!("/{rest}"),
            (false, true) => format!("/{stack}/"),
            (false, false) => format!("/{stack}/{rest}"),
        }
    }
}

/// A CODEOWNERS path pattern, compiled.
#[derive(Debug, Clone)]
pub struct PathPattern(regex::Regex);

impl PathPattern {
    /// Compiles a pattern with gitignore semantics: a leading `/` (or a `/` inside) anchors it
    /// at the repository root, a pattern without `/` matches at any depth, a trailing `/`
    /// names a directory, `*` and `?` stay within one path segment, `**` crosses them; a
    /// pattern that names a directory owns everything below it, unless its last segment has a
    /// `*` (GitHub's `docs/*`). Case matters, as on GitHub.
    pub fn new(pattern: &str) -> PathPattern {
        let (pattern, directory) = match pattern.strip_suffix('/') {
            Some(dir) => (dir, true),
            None => (pattern, false),
        };
        let anchored = pattern.starts_with('/') || pattern.contains('/');
        let pattern = pattern.trim_start_matches('/');
        let mut source = String::from("^");
        if !anchored {
            source.push_str("(?:.*/)?");
        }
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    if chars.get(i + 2) == Some(&'/') {
                        source.push_str("(?:.*/)?");
                        i += 3;
                    } else {
                        source.push_str(".*");
                        i += 2;
                    }
                    continue;
                }
                '*' => source.push_str("[^/]*"),
                '?' => source.push_str("[^/]"),
                c => source.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
            i += 1;
        }
        // GitHub departs from gitignore here: `docs/*` owns the files in `docs`, not the
        // files of its subdirectories, so a wildcard in the last segment does not descend.
        let last = pattern.rsplit('/').next().unwrap_or_default();
        let descends = !last.contains('*') || last.contains("**");
        source.push_str(match (directory, descends) {
            (true, _) => "/.*$",
            (false, true) => "(?:/.*)?$",
            (false, false) => "$",
        });
        PathPattern(regex::Regex::new(&source).unwrap_or_else(|_| super::glob::never()))
    }

    /// Whether a frame's path is owned by this pattern.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.replace('\\', "/");
        let path = path.trim_start_matches("./").trim_start_matches('/');
        self.0.is_match(path)
    }
}

/// A CODEOWNERS file turned into `codeowners` rules, with what could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// One rule per line that owns (or un-owns) something.
    pub schema: OwnershipSchema,
    /// Handles and emails that resolve to nobody.
    pub errors: CodeownersErrors,
}

/// Reads a CODEOWNERS file. `mapping` takes handles (`@user`, `@org/team`) to a member email
/// or a `#team-slug` (or `user:<id>`, `team:<id>`). A line whose owners all fail to map is left
/// out (its handles are reported); a line written without owners is kept and un-owns.
pub fn import(
    raw: &str,
    mapping: &BTreeMap<String, String>,
    directory: &Directory,
    roots: Option<Roots<'_>>,
) -> Result<Import, ParseError> {
    let lookup: BTreeMap<String, &String> =
        mapping.iter().map(|(handle, target)| (handle.to_lowercase(), target)).collect();
    let mut missing_users = BTreeSet::new();
    let mut missing_teams = BTreeSet::new();
    let mut missing_emails = BTreeSet::new();
    let mut rules = Vec::new();
    for (index, line) in raw.lines().enumerate() {
        let line = line.trim();
        // Comments, and GitLab's section headers (`[Section]`, `^[Optional section]`).
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with('[')
            || line.starts_with("^[")
        {
            continue;
        }
        let err = |message: &str| ParseError { line: index + 1, message: message.to_owned() };
        let mut tokens = line.split_whitespace();
        let Some(pattern) = tokens.next() else { continue };
        if pattern.starts_with('!') {
            return Err(err("negated patterns (`!`) are not supported in CODEOWNERS"));
        }
        if pattern.contains('[') || pattern.contains(']') {
            return Err(err("character ranges (`[ ]`) are not supported in CODEOWNERS"));
        }
        let written: Vec<&str> = tokens.take_while(|token| !token.starts_with('#')).collect();
        let mut owners = Vec::new();
        for handle in &written {
            let is_team = handle.starts_with('@') && handle.contains('/');
            let target = if handle.starts_with('@') {
                lookup.get(&handle.to_lowercase()).map(|target| OwnerRef::parse(target.trim()))
            } else {
                Some(OwnerRef::parse(handle))
            };
            match target.as_ref().and_then(|owner| directory.find(owner)) {
                Some(owner) if !owners.contains(&owner) => owners.push(owner),
                Some(_) => {}
                None if is_team => {
                    missing_teams.insert((*handle).to_owned());
                }
                None if handle.starts_with('@') || !handle.contains('@') => {
                    missing_users.insert((*handle).to_owned());
                }
                None => {
                    missing_emails.insert(handle.to_lowercase());
                }
            }
        }
        if !written.is_empty() && owners.is_empty() {
            continue;
        }
        let pattern = match roots {
            Some(roots) => roots.to_stack_path(pattern),
            None => pattern.to_owned(),
        };
        rules.push(OwnershipRule {
            matcher: RuleMatcher { kind: "codeowners".into(), pattern },
            owners,
        });
    }
    Ok(Import {
        schema: OwnershipSchema { version: 1, rules },
        errors: CodeownersErrors {
            missing_external_users: missing_users.into_iter().collect(),
            missing_external_teams: missing_teams.into_iter().collect(),
            missing_user_emails: missing_emails.into_iter().collect(),
            teams_without_access: Vec::new(),
            users_without_access: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_code_mappings_roots_turn_repository_patterns_into_stack_paths() {
        let roots = Roots { stack_root: "app/", source_root: "src/app/" };
        assert_eq!(roots.to_stack_path("/src/app/"), "/app/");
        assert_eq!(roots.to_stack_path("src/app/models.py"), "/app/models.py");
        assert_eq!(roots.to_stack_path("/src/app/api/**"), "/app/api/**");
        // Elsewhere in the repository, or matching at any depth: as written.
        assert_eq!(roots.to_stack_path("/docs/"), "/docs/");
        assert_eq!(roots.to_stack_path("/src/application.py"), "/src/application.py");
        assert_eq!(roots.to_stack_path("*.py"), "*.py");
        assert_eq!(roots.to_stack_path("models/"), "models/");
        let whole = Roots { stack_root: "app", source_root: "" };
        assert_eq!(whole.to_stack_path("/lib/x.py"), "/app/lib/x.py");
        let bare = Roots { stack_root: "", source_root: "backend/" };
        assert_eq!(bare.to_stack_path("backend/src/"), "/src/");
    }

    use serde_json::json;

    use super::super::{rule_text, EventView, Ruleset};
    use super::*;

    fn owned(pattern: &str, path: &str) -> bool {
        PathPattern::new(pattern).matches(path)
    }

    #[test]
    fn gitignore_style_patterns() {
        // A leading slash anchors at the root.
        assert!(owned("/build/logs/", "build/logs/a/b.log"));
        assert!(!owned("/build/logs/", "src/build/logs/a.log"));
        // No slash: any depth, file or directory.
        assert!(owned("*.js", "web/app/index.js"));
        assert!(owned("apps/", "deep/apps/x/y.rb"));
        assert!(owned("logs", "a/logs/today.txt"));
        // A slash inside anchors too; `*` stays in its segment.
        assert!(owned("docs/*", "docs/getting-started.md"));
        assert!(!owned("docs/*", "docs/build-app/troubleshooting.md"));
        assert!(!owned("docs/*", "x/docs/a.md"));
        // `**` crosses segments.
        assert!(owned("**/logs", "a/b/logs/x.txt"));
        assert!(owned("/src/**/billing.rs", "src/a/b/billing.rs"));
        assert!(owned("/src/**/billing.rs", "src/billing.rs"));
        assert!(owned("src/billing/**", "src/billing/a/b.rs"));
        // A trailing slash is a directory: the file of that name is not owned.
        assert!(!owned("/config/", "config"));
        assert!(owned("/config", "config/app.toml"));
        // `?` is one character within a segment; case matters; `./` and `/` are ignored.
        assert!(owned("/a?.rs", "ab.rs"));
        assert!(!owned("/a?.rs", "a/.rs"));
        assert!(!owned("/SRC/", "src/a.rs"));
        assert!(owned("/src/", "./src/a.rs"));
        assert!(owned("/src/", "/src/a.rs"));
    }

    fn directory() -> Directory {
        Directory {
            users: vec![(7, "ann@example.com".into())],
            teams: vec![(3, "billing".into()), (4, "web".into())],
        }
    }

    const FILE: &str = "# Owners of the shop\n\
        [Backend]\n\
        *                 @acme/web\n\
        /src/billing/     @acme/billing @octocat   # money\n\
        /src/billing/generated/\n\
        /docs/            ann@example.com nobody@example.com\n\
        /vendor/          @ghost @acme/ops\n";

    fn mapping() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("@acme/web".to_owned(), "#web".to_owned()),
            ("@acme/billing".to_owned(), "#billing".to_owned()),
            ("@acme/ops".to_owned(), "#ops".to_owned()),
        ])
    }

    #[test]
    fn import_maps_handles_and_reports_what_it_cannot() {
        let import = import(FILE, &mapping(), &directory(), None).expect("parses");
        let texts: Vec<String> = import.schema.rules.iter().map(rule_text).collect();
        assert_eq!(
            texts,
            [
                "codeowners:* #web",
                "codeowners:/src/billing/ #billing",
                "codeowners:/src/billing/generated/",
                "codeowners:/docs/ ann@example.com",
            ],
            "the /vendor/ line has no owner left and is dropped"
        );
        assert_eq!(import.errors.missing_external_users, ["@ghost", "@octocat"]);
        // `@acme/ops` is mapped, but to a team that does not exist.
        assert_eq!(import.errors.missing_external_teams, ["@acme/ops"]);
        assert_eq!(import.errors.missing_user_emails, ["nobody@example.com"]);
    }

    #[test]
    fn last_matching_line_wins_and_a_line_without_owners_unowns() {
        let import = import(FILE, &mapping(), &directory(), None).expect("parses");
        let rules = Ruleset::compile(Some(&import.schema), None);
        let frame = |path: &str| {
            json!({"exception": {"values": [{"stacktrace": {"frames": [{"filename": path}]}}]}})
                .as_object()
                .cloned()
                .expect("object")
        };
        let owner = |path: &str| {
            let event = frame(path);
            let winner = rules.winner(&EventView::new(&event)).expect("a line matches");
            winner.rule.rule.owners.iter().map(|o| o.name.clone()).collect::<Vec<_>>()
        };
        assert_eq!(owner("src/billing/invoice.rs"), ["billing"]);
        assert_eq!(owner("src/web/page.rs"), ["web"]);
        assert!(owner("src/billing/generated/api.rs").is_empty());
        assert_eq!(owner("docs/index.md"), ["ann@example.com"]);
    }

    #[test]
    fn unsupported_syntax_names_the_line() {
        let err =
            import("* @a\n!/x @b", &BTreeMap::new(), &directory(), None).expect_err("negation");
        assert_eq!(err.line, 2);
        let err = import("/[ab].rs @a", &BTreeMap::new(), &directory(), None).expect_err("ranges");
        assert_eq!(err.line, 1);
    }
}
