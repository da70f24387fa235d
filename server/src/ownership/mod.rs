//! Issue ownership: Sentry's ownership rules (`path:src/billing/** #billing`) and imported
//! CODEOWNERS files, parsed, resolved to members and teams, compiled, and matched against
//! events.
//!
//! The way of a rule set: [`parse_rules`] reads the text (line numbers in its errors) →
//! [`resolve`] turns each owner into a member or team of the organization (unknown ones are
//! refused by name) → the resolved [`OwnershipSchema`] is stored → [`Ruleset::compile`] builds
//! the globs once per project (ingestion caches the result) → [`Ruleset::winner`] finds the
//! owner of each new or regressed issue.
//!
//! Precedence: the last rule that matches an event wins. CODEOWNERS rules are evaluated
//! before the project's ownership rules, so an ownership rule that matches overrides them
//! (Sentry: ownership rules "allow you to override the assignments based on code owners").

pub mod codeowners;
mod glob;

use std::collections::BTreeSet;

use cairn_types::api::{OwnershipMatch, OwnershipRule, OwnershipSchema, RuleMatcher, RuleOwner};
use serde_json::{Map, Value};

use self::glob::Glob;
use crate::store::{Assignee, EventOwnership, IngestOwnership, MatchedOwners};

/// Rule text that does not parse: the message names the line (Sentry's wording).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Parse error: {message} (line {line})")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Owners that name no member or team of the organization (Sentry's wording).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid rule owners: {}", .0.join(", "))]
pub struct UnknownOwners(pub Vec<String>);

/// An owner as written in a rule, before it is looked up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum OwnerRef {
    /// `#slug`
    TeamSlug(String),
    /// `team:<id>`
    TeamId(i64),
    /// `someone@example.com`
    Email(String),
    /// `user:<id>`
    UserId(i64),
    /// Anything else (a bare name): never resolves, so it is reported as unknown.
    Other(String),
}

impl OwnerRef {
    /// Reads one owner token.
    pub fn parse(token: &str) -> OwnerRef {
        if let Some(slug) = token.strip_prefix('#') {
            return OwnerRef::TeamSlug(slug.to_lowercase());
        }
        if let Some(id) = token.strip_prefix("team:").and_then(|id| id.parse().ok()) {
            return OwnerRef::TeamId(id);
        }
        if let Some(id) = token.strip_prefix("user:").and_then(|id| id.parse().ok()) {
            return OwnerRef::UserId(id);
        }
        if token.contains('@') && !token.starts_with('@') {
            return OwnerRef::Email(token.to_lowercase());
        }
        OwnerRef::Other(token.to_owned())
    }

    /// As written back in rule text.
    pub fn text(&self) -> String {
        match self {
            OwnerRef::TeamSlug(slug) => format!("#{slug}"),
            OwnerRef::TeamId(id) => format!("team:{id}"),
            OwnerRef::Email(email) => email.clone(),
            OwnerRef::UserId(id) => format!("user:{id}"),
            OwnerRef::Other(text) => text.clone(),
        }
    }
}

/// A rule as parsed, owners not yet looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRule {
    /// `path`, `module`, `url`, `tags.<key>` or `codeowners`.
    pub kind: String,
    /// The glob.
    pub pattern: String,
    /// The owners as written.
    pub owners: Vec<OwnerRef>,
}

/// Reads Sentry's ownership rule syntax: one `type:pattern owner...` per line (a line without
/// a type is a `path:` rule, as in Sentry), `#` comments at the start of a line, blank lines.
pub fn parse_rules(raw: &str) -> Result<Vec<ParsedRule>, ParseError> {
    let mut rules = Vec::new();
    for (index, line) in raw.lines().enumerate() {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: String| ParseError { line: line_no, message };
        let (matcher, rest) = split_first_token(line).map_err(err)?;
        let (kind, pattern) = match matcher.split_once(':') {
            Some((kind, pattern)) => (kind.to_owned(), pattern.to_owned()),
            None => ("path".to_owned(), matcher.clone()),
        };
        let pattern = unquote(&pattern);
        let valid_kind = matches!(kind.as_str(), "path" | "module" | "url" | "codeowners")
            || kind.strip_prefix("tags.").is_some_and(|key| !key.is_empty());
        if !valid_kind {
            return Err(err(format!(
                "unknown rule type {kind:?}; expected path, module, url, codeowners or tags.<key>"
            )));
        }
        if pattern.is_empty() {
            return Err(err("the rule has no pattern".into()));
        }
        let owners: Vec<OwnerRef> = rest.split_whitespace().map(OwnerRef::parse).collect();
        if owners.is_empty() {
            return Err(err(format!("the rule {matcher:?} names no owner")));
        }
        rules.push(ParsedRule { kind, pattern, owners });
    }
    Ok(rules)
}

/// The first token of a line (a pattern may be quoted to hold spaces) and the rest.
fn split_first_token(line: &str) -> Result<(String, &str), String> {
    let mut in_quotes = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => return Ok((line[..i].to_owned(), &line[i..])),
            _ => {}
        }
    }
    if in_quotes {
        return Err("a quote is not closed".into());
    }
    Ok((line.to_owned(), ""))
}

fn unquote(pattern: &str) -> String {
    pattern.strip_prefix('"').and_then(|p| p.strip_suffix('"')).unwrap_or(pattern).to_owned()
}

/// The members and teams of an organization, to resolve owners against.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// `(user id, email)` of each member.
    pub users: Vec<(i64, String)>,
    /// `(team id, slug)` of each team.
    pub teams: Vec<(i64, String)>,
}

impl Directory {
    /// The member or team an owner names, as a schema owner.
    pub fn find(&self, owner: &OwnerRef) -> Option<RuleOwner> {
        let user = |(id, email): &(i64, String)| RuleOwner {
            kind: "user".into(),
            id: *id,
            name: email.clone(),
        };
        let team = |(id, slug): &(i64, String)| RuleOwner {
            kind: "team".into(),
            id: *id,
            name: slug.clone(),
        };
        match owner {
            OwnerRef::TeamSlug(slug) => self.teams.iter().find(|(_, s)| s == slug).map(team),
            OwnerRef::TeamId(id) => self.teams.iter().find(|(i, _)| i == id).map(team),
            OwnerRef::Email(email) => {
                self.users.iter().find(|(_, e)| e.eq_ignore_ascii_case(email)).map(user)
            }
            OwnerRef::UserId(id) => self.users.iter().find(|(i, _)| i == id).map(user),
            OwnerRef::Other(_) => None,
        }
    }
}

/// Looks every owner up; any unknown owner refuses the whole rule set, naming all of them.
pub fn resolve(
    rules: &[ParsedRule],
    directory: &Directory,
) -> Result<OwnershipSchema, UnknownOwners> {
    let mut unknown = BTreeSet::new();
    let mut schema = OwnershipSchema { version: 1, rules: Vec::with_capacity(rules.len()) };
    for rule in rules {
        let mut owners = Vec::with_capacity(rule.owners.len());
        for owner in &rule.owners {
            match directory.find(owner) {
                Some(found) if !owners.contains(&found) => owners.push(found),
                Some(_) => {}
                None => {
                    unknown.insert(owner.text());
                }
            }
        }
        schema.rules.push(OwnershipRule {
            matcher: RuleMatcher { kind: rule.kind.clone(), pattern: rule.pattern.clone() },
            owners,
        });
    }
    if unknown.is_empty() {
        Ok(schema)
    } else {
        Err(UnknownOwners(unknown.into_iter().collect()))
    }
}

/// A rule as written back in Sentry's syntax (what the reasons show).
pub fn rule_text(rule: &OwnershipRule) -> String {
    let mut text = format!("{}:{}", rule.matcher.kind, rule.matcher.pattern);
    for owner in &rule.owners {
        text.push(' ');
        if owner.kind == "team" {
            text.push('#');
        }
        text.push_str(&owner.name);
    }
    text
}

/// What an event offers to the rules: its frames, request URL and tags.
#[derive(Debug, Default)]
pub struct EventView<'a> {
    frames: Vec<&'a Map<String, Value>>,
    url: Option<&'a str>,
    tags: Vec<(&'a str, &'a str)>,
}

impl<'a> EventView<'a> {
    /// The frames of every exception (chained ones too), of the event's own stack trace and
    /// of its threads; the request URL; the tags, with `level`, `environment` and `release`
    /// as Sentry counts them among the tags.
    pub fn new(event: &'a Map<String, Value>) -> Self {
        let mut frames = Vec::new();
        let mut add_frames = |stacktrace: Option<&'a Value>| {
            let list = stacktrace.and_then(|s| s.get("frames")).and_then(Value::as_array);
            frames.extend(list.into_iter().flatten().filter_map(Value::as_object));
        };
        for key in ["exception", "threads"] {
            let values = event.get(key).and_then(|v| v.get("values")).and_then(Value::as_array);
            for value in values.into_iter().flatten() {
                add_frames(value.get("stacktrace"));
            }
        }
        add_frames(event.get("stacktrace"));
        let url = event.get("request").and_then(|r| r.get("url")).and_then(Value::as_str);
        let mut tags = Vec::new();
        for key in ["level", "environment", "release"] {
            if let Some(value) = event.get(key).and_then(Value::as_str) {
                tags.push((key, value));
            }
        }
        for pair in event.get("tags").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(key), Some(value)) =
                (pair.get(0).and_then(Value::as_str), pair.get(1).and_then(Value::as_str))
            {
                tags.push((key, value));
            }
        }
        EventView { frames, url, tags }
    }
}

/// How a rule tests an event.
#[derive(Debug, Clone)]
enum Test {
    /// Frame `filename` or `abs_path` (Sentry's glob, backslashes read as slashes).
    Path(Glob),
    /// Frame `module`.
    Module(Glob),
    /// The request URL.
    Url(Glob),
    /// The value of one tag.
    Tag(String, Glob),
    /// Frame paths with CODEOWNERS semantics.
    Codeowners(codeowners::PathPattern),
}

/// A rule compiled for matching.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// The rule as stored.
    pub rule: OwnershipRule,
    /// `codeowners` for rules imported from a CODEOWNERS file, else `ownershipRule`.
    pub source: &'static str,
    test: Test,
}

/// What one rule matched in an event.
#[derive(Debug, Clone)]
pub struct RuleMatch<'r> {
    /// The rule.
    pub rule: &'r CompiledRule,
    /// The field and value it matched.
    pub matched: OwnershipMatch,
}

/// A project's rules, compiled once: CODEOWNERS rules first, then ownership rules.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    rules: Vec<CompiledRule>,
}

impl Ruleset {
    /// Compiles the stored schemas; a rule whose type is unknown (a hand-edited database) is
    /// skipped rather than failing the project's events.
    pub fn compile(
        codeowners: Option<&OwnershipSchema>,
        ownership: Option<&OwnershipSchema>,
    ) -> Self {
        let mut rules = Vec::new();
        let sources = [(codeowners, "codeowners"), (ownership, "ownershipRule")];
        for (schema, source) in sources {
            for rule in schema.into_iter().flat_map(|s| &s.rules) {
                let pattern = &rule.matcher.pattern;
                let test = match rule.matcher.kind.as_str() {
                    "path" => Test::Path(Glob::new(&pattern.replace('\\', "/"))),
                    "module" => Test::Module(Glob::new(pattern)),
                    "url" => Test::Url(Glob::new(pattern)),
                    "codeowners" => Test::Codeowners(codeowners::PathPattern::new(pattern)),
                    kind => match kind.strip_prefix("tags.") {
                        Some(key) => Test::Tag(key.to_owned(), Glob::new(pattern)),
                        None => continue,
                    },
                };
                rules.push(CompiledRule { rule: rule.clone(), source, test });
            }
        }
        Ruleset { rules }
    }

    /// Whether there is no rule at all.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every rule that matches the event, in rule order (the last one wins).
    pub fn matches<'r>(&'r self, event: &EventView<'_>) -> Vec<RuleMatch<'r>> {
        self.rules.iter().filter_map(|rule| rule.test(event)).collect()
    }

    /// The rule that decides the event's owner: the last one that matches. Its owners may be
    /// empty (a CODEOWNERS line without owners un-owns its paths).
    pub fn winner<'r>(&'r self, event: &EventView<'_>) -> Option<RuleMatch<'r>> {
        self.rules.iter().rev().find_map(|rule| rule.test(event))
    }
}

impl CompiledRule {
    fn test(&self, event: &EventView<'_>) -> Option<RuleMatch<'_>> {
        let found = |field: &str, value: &str| OwnershipMatch {
            field: field.to_owned(),
            value: value.to_owned(),
        };
        let matched = match &self.test {
            Test::Path(glob) => event.frames.iter().find_map(|frame| {
                ["filename", "abs_path"].into_iter().find_map(|field| {
                    let value = frame.get(field).and_then(Value::as_str)?;
                    glob.matches(&value.replace('\\', "/")).then(|| found(field, value))
                })
            }),
            Test::Codeowners(pattern) => event.frames.iter().find_map(|frame| {
                ["filename", "abs_path"].into_iter().find_map(|field| {
                    let value = frame.get(field).and_then(Value::as_str)?;
                    pattern.matches(value).then(|| found(field, value))
                })
            }),
            Test::Module(glob) => event.frames.iter().find_map(|frame| {
                let value = frame.get("module").and_then(Value::as_str)?;
                glob.matches(value).then(|| found("module", value))
            }),
            Test::Url(glob) => {
                event.url.filter(|url| glob.matches(url)).map(|url| found("url", url))
            }
            Test::Tag(key, glob) => event
                .tags
                .iter()
                .find(|(k, v)| k == key && glob.matches(v))
                .map(|(k, v)| found(&format!("tags.{k}"), v)),
        }?;
        Some(RuleMatch { rule: self, matched })
    }
}

/// A project's ownership, compiled for ingestion (cached with the project's other settings).
#[derive(Debug, Clone, Default)]
pub struct ProjectRules {
    /// CODEOWNERS rules, then ownership rules.
    pub rules: Ruleset,
    /// Everyone owns what no rule matches.
    pub fallthrough: bool,
    /// New and regressed issues are assigned to their owner.
    pub auto_assign: bool,
}

impl ProjectRules {
    /// Compiles what the store keeps; `None` when there is nothing to match (the ingest path
    /// then skips ownership entirely). Schemas that no longer decode are ignored, with a
    /// warning, rather than refusing the project's events.
    pub fn from_settings(settings: &IngestOwnership, project_id: i64) -> Option<ProjectRules> {
        let decode = |json: Option<&str>| {
            let json = json?;
            serde_json::from_str::<OwnershipSchema>(json)
                .map_err(|err| tracing::warn!(%err, project_id, "unreadable ownership rules"))
                .ok()
        };
        let codeowners = decode(settings.codeowners_schema.as_deref());
        let ownership = decode(settings.rules_schema.as_deref());
        let rules = Ruleset::compile(codeowners.as_ref(), ownership.as_ref());
        if rules.is_empty() {
            return None;
        }
        Some(ProjectRules {
            rules,
            fallthrough: settings.fallthrough,
            // Cairn knows no commits: "suspect commits" falls back to the issue owner, as
            // Sentry does when it finds no suspect commit.
            auto_assign: settings.auto_assignment != cairn_types::api::AUTO_ASSIGN_OFF,
        })
    }

    /// The ownership of one event: the winning rule's owners, or the fallthrough flag.
    pub fn evaluate(&self, event: &Map<String, Value>) -> EventOwnership {
        let winner = self.rules.winner(&EventView::new(event));
        let owner =
            winner.filter(|found| !found.rule.rule.owners.is_empty()).map(|found| MatchedOwners {
                kind: found.rule.source,
                owners: found
                    .rule
                    .rule
                    .owners
                    .iter()
                    .map(|owner| match owner.kind.as_str() {
                        "team" => Assignee::Team(owner.id),
                        _ => Assignee::User(owner.id),
                    })
                    .collect(),
                rule: rule_text(&found.rule.rule),
                matched: serde_json::to_string(&found.matched).unwrap_or_default(),
            });
        EventOwnership {
            fallthrough: owner.is_none() && self.fallthrough,
            owner,
            auto_assign: self.auto_assign,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn directory() -> Directory {
        Directory {
            users: vec![(7, "ann@example.com".into()), (8, "bob@example.com".into())],
            teams: vec![(3, "billing".into()), (4, "web".into())],
        }
    }

    fn ruleset(raw: &str) -> Ruleset {
        let schema = resolve(&parse_rules(raw).expect("parses"), &directory()).expect("resolves");
        Ruleset::compile(None, Some(&schema))
    }

    fn event(value: Value) -> Map<String, Value> {
        value.as_object().expect("object").clone()
    }

    fn frames(paths: &[&str]) -> Map<String, Value> {
        let frames: Vec<Value> = paths.iter().map(|p| json!({"filename": p})).collect();
        event(json!({"exception": {"values": [{"stacktrace": {"frames": frames}}]}}))
    }

    /// The rule text of the winner, or `None`.
    fn winner(rules: &Ruleset, event: &Map<String, Value>) -> Option<String> {
        rules.winner(&EventView::new(event)).map(|m| rule_text(&m.rule.rule))
    }

    #[test]
    fn parses_every_rule_type_with_comments_and_blank_lines() {
        let raw = "# billing owns its code\n\npath:src/billing/** #billing\nmodule:app.web.* \
                   ann@example.com\nurl:https://*.example.com/checkout/* user:8\n\
                   tags.transaction:/api/* team:4 bob@example.com\ncodeowners:/docs/ #web\n\
                   src/legacy/* ann@example.com";
        let rules = parse_rules(raw).expect("parses");
        let kinds: Vec<&str> = rules.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["path", "module", "url", "tags.transaction", "codeowners", "path"]);
        assert_eq!(rules[0].owners, [OwnerRef::TeamSlug("billing".into())]);
        assert_eq!(rules[2].owners, [OwnerRef::UserId(8)]);
        assert_eq!(
            rules[3].owners,
            [OwnerRef::TeamId(4), OwnerRef::Email("bob@example.com".into())]
        );
        let schema = resolve(&rules, &directory()).expect("resolves");
        assert_eq!(schema.rules[3].owners[0].name, "web");
        assert_eq!(rule_text(&schema.rules[0]), "path:src/billing/** #billing");
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = parse_rules("# ok\npath:src/* #a\nfile:x #a").expect_err("unknown type");
        assert_eq!(err.line, 3);
        assert!(err.to_string().starts_with("Parse error: unknown rule type"), "{err}");
        assert!(err.to_string().ends_with("(line 3)"), "{err}");
        assert_eq!(parse_rules("path:src/*").expect_err("no owner").line, 1);
        assert_eq!(parse_rules("\n\nurl: #a").expect_err("no pattern").line, 3);
        assert_eq!(parse_rules("url:\"a b #x").expect_err("open quote").line, 1);
        assert_eq!(parse_rules("tags.:x #a").expect_err("no tag key").line, 1);
    }

    #[test]
    fn unknown_owners_are_refused_by_name() {
        let rules = parse_rules("path:a #billing #nope\nurl:b zed@example.com user:99 carl")
            .expect("parses");
        let err = resolve(&rules, &directory()).expect_err("unknown owners");
        assert_eq!(err.0, ["#nope", "carl", "user:99", "zed@example.com"]);
        assert_eq!(err.to_string(), "Invalid rule owners: #nope, carl, user:99, zed@example.com");
        // Emails and slugs are matched without regard to case.
        assert!(
            resolve(&parse_rules("path:a ANN@example.com #Billing").unwrap(), &directory()).is_ok()
        );
    }

    #[test]
    fn path_rules_match_filename_or_abs_path_of_any_frame_of_any_exception() {
        let rules = ruleset("path:src/billing/* #billing");
        assert_eq!(
            winner(&rules, &frames(&["src/billing/invoice.rs"])).as_deref(),
            Some("path:src/billing/* #billing")
        );
        // Sentry's `*` crosses directories; matching ignores case.
        assert!(winner(&rules, &frames(&["SRC/Billing/tax/vat.rs"])).is_some());
        assert!(winner(&rules, &frames(&["src/web/page.rs"])).is_none());
        let chained = event(json!({"exception": {"values": [
            {"stacktrace": {"frames": [{"filename": "lib/x.rs"}]}},
            {"stacktrace": {"frames": [{"abs_path": "src\\billing\\a.rs"}, {"filename": "b.rs"}]}}
        ]}}));
        let matched = rules.winner(&EventView::new(&chained)).expect("matches");
        assert_eq!(
            matched.matched,
            OwnershipMatch { field: "abs_path".into(), value: "src\\billing\\a.rs".into() }
        );
    }

    #[test]
    fn globs_star_doublestar_and_question_mark() {
        let rules = ruleset("path:*/models/?.py #web");
        assert!(winner(&rules, &frames(&["app/deep/models/a.py"])).is_some());
        assert!(winner(&rules, &frames(&["app/models/ab.py"])).is_none());
        let rules = ruleset("path:src/**/tests/* #web");
        assert!(winner(&rules, &frames(&["src/a/b/tests/t.rs"])).is_some());
        assert!(winner(&rules, &frames(&["lib/a/tests/t.rs"])).is_none());
        // Characters that mean something to regular expressions are literal.
        let rules = ruleset("path:src/(a)+.rs #web");
        assert!(winner(&rules, &frames(&["src/(a)+.rs"])).is_some());
        assert!(winner(&rules, &frames(&["src/aa.rs"])).is_none());
    }

    #[test]
    fn module_url_and_tag_rules() {
        let rules = ruleset(
            "module:app.billing.* #billing\nurl:*/checkout/* ann@example.com\n\
             tags.server:web-? #web\ntags.level:fatal bob@example.com",
        );
        let by_module = event(json!({"exception": {"values": [{"stacktrace": {"frames": [
            {"module": "app.billing.tax", "filename": "tax.py"}]}}]}}));
        assert_eq!(winner(&rules, &by_module).as_deref(), Some("module:app.billing.* #billing"));
        let by_url = event(json!({"request": {"url": "https://shop.example.com/checkout/pay"}}));
        assert_eq!(winner(&rules, &by_url).as_deref(), Some("url:*/checkout/* ann@example.com"));
        let by_tag = event(json!({"tags": [["server", "WEB-1"]]}));
        let matched = rules.winner(&EventView::new(&by_tag)).expect("tag matches");
        assert_eq!(matched.matched.field, "tags.server");
        let by_level = event(json!({"level": "fatal"}));
        assert_eq!(winner(&rules, &by_level).as_deref(), Some("tags.level:fatal bob@example.com"));
        assert!(winner(&rules, &event(json!({"tags": [["server", "db-1"]]}))).is_none());
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let rules = ruleset("path:src/* #web\npath:src/billing/* #billing\nurl:*/nomatch #web");
        let both = frames(&["src/billing/a.rs"]);
        assert_eq!(winner(&rules, &both).as_deref(), Some("path:src/billing/* #billing"));
        assert_eq!(rules.matches(&EventView::new(&both)).len(), 2);
        let rules = ruleset("path:src/billing/* #billing\npath:src/* #web");
        assert_eq!(winner(&rules, &both).as_deref(), Some("path:src/* #web"));
        // Across frames too: the rule order decides, not the frame order.
        let rules = ruleset("path:a/* #web\npath:b/* #billing");
        assert_eq!(winner(&rules, &frames(&["b/x", "a/y"])).as_deref(), Some("path:b/* #billing"));
    }

    #[test]
    fn ownership_rules_override_codeowners() {
        let codeowners = OwnershipSchema {
            version: 1,
            rules: vec![OwnershipRule {
                matcher: RuleMatcher { kind: "codeowners".into(), pattern: "/src/".into() },
                owners: vec![RuleOwner { kind: "team".into(), id: 4, name: "web".into() }],
            }],
        };
        let ownership =
            resolve(&parse_rules("path:src/billing/* #billing").unwrap(), &directory()).unwrap();
        let rules = Ruleset::compile(Some(&codeowners), Some(&ownership));
        let billing = rules.winner(&EventView::new(&frames(&["src/billing/a.rs"]))).unwrap();
        assert_eq!((billing.rule.source, billing.rule.rule.owners[0].id), ("ownershipRule", 3));
        let web = rules.winner(&EventView::new(&frames(&["src/web/a.rs"]))).unwrap();
        assert_eq!((web.rule.source, web.rule.rule.owners[0].id), ("codeowners", 4));
    }
}
