//! Release health as the releases pages show it: Sentry's short version names and crash-free
//! percentages, one table row per release and project ([`ReleaseTable`]) with an adoption bar
//! and the trend against the previous period.
//!
//! Presentational: rows are built from API answers by pure functions, so `tests/web.rs` mounts
//! the table without a server. Versions and project names come from SDKs and are only ever
//! rendered as text.

use std::collections::HashMap;

use cairn_types::api::{Deploy, Release, ReleaseAdoptionStage, SessionsResponse};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::time_ago::{absolute_time, TimeAgo};
use crate::routes::Page;

/// Sentry's short form of a release version (`formatVersion`, the release parser's
/// `describe`): the package is dropped, a semantic version shows as `1.2.3` with its
/// pre-release and, in parentheses, its build (a build hash cut to 12 characters); a version that
/// is itself a commit hash shows its first 12 characters; anything else shows unchanged.
pub fn short_version(raw: &str) -> String {
    let release = raw.trim();
    // Sentry's `^(@?[^@]+)@(.+?)$`: a package, then everything after the first `@` that
    // follows it.
    let after_at = usize::from(release.starts_with('@'));
    let version = match release[after_at..].find('@') {
        Some(at) if at > 0 && after_at + at + 1 < release.len() => &release[after_at + at + 1..],
        _ => release,
    };
    if is_build_hash(version) {
        return version[..12].to_owned();
    }
    match parse_version(version) {
        Some(parsed) => {
            let mut out = parsed.numbers.to_owned();
            if let Some(pre) = parsed.pre {
                out.push('-');
                out.push_str(pre);
            }
            if let Some(build) = parsed.build {
                let build = if is_build_hash(build) { &build[..12] } else { build };
                out.push_str(&format!(" ({build})"));
            }
            out
        }
        None => release.to_owned(),
    }
}

/// Whether `s` is a commit or build hash as Sentry's release parser sees one.
fn is_build_hash(s: &str) -> bool {
    matches!(s.len(), 12 | 16 | 20 | 32 | 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A version the release parser understands: up to four dotted numbers, a pre-release (after
/// `-` or starting with a lower-case letter) and a `+build`.
struct ParsedVersion<'a> {
    numbers: &'a str,
    pre: Option<&'a str>,
    build: Option<&'a str>,
}

fn parse_version(version: &str) -> Option<ParsedVersion<'_>> {
    let (main, build) = match version.split_once('+') {
        Some((main, build)) => (main, Some(build)),
        None => (version, None),
    };
    let identifier = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|part| {
                !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    if build.is_some_and(|b| !identifier(b)) {
        return None;
    }
    // The numbers: digits, then at most three `.digits`.
    let bytes = main.as_bytes();
    let mut end = 0;
    let mut components = 0;
    loop {
        let start = end;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return None;
        }
        components += 1;
        let more = components < 4
            && bytes.get(end) == Some(&b'.')
            && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if !more {
            break;
        }
        end += 1;
    }
    let numbers = &main[..end];
    let rest = &main[end..];
    let pre = if rest.is_empty() {
        None
    } else if let Some(pre) = rest.strip_prefix('-') {
        if !identifier(pre) {
            return None;
        }
        Some(pre)
    } else if rest.as_bytes()[0].is_ascii_lowercase() && identifier(rest) {
        Some(rest)
    } else {
        return None;
    };
    Some(ParsedVersion { numbers, pre: pre.filter(|p| !p.is_empty()), build })
}

/// A crash-free rate as Sentry shows it (`displayCrashFreePercent`): whole percents, three
/// decimals above 95 %, never rounded up to 100 % when something crashed; `―` without data.
pub fn format_crash_free(percent: Option<f64>) -> String {
    let Some(percent) = percent.filter(|p| p.is_finite()) else {
        return "\u{2015}".to_owned();
    };
    let decimals = if percent > 95.0 { 3 } else { 0 };
    let scale = 10f64.powi(decimals);
    let mut rounded = (percent * scale).round() / scale;
    if rounded >= 100.0 && percent < 100.0 {
        rounded = (percent * scale).floor() / scale;
    }
    let text = format!("{rounded:.*}", decimals as usize);
    // `99.500` reads `99.5`, as JavaScript's number formatting shows it.
    let text =
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    format!("{text}%")
}

/// An adoption share: whole percents (one decimal under 1 %), `―` without data.
pub fn format_share(percent: Option<f64>) -> String {
    match percent.filter(|p| p.is_finite()) {
        None => "\u{2015}".to_owned(),
        Some(p) if p > 0.0 && p < 1.0 => format!("{p:.1}%"),
        Some(p) => format!("{p:.0}%"),
    }
}

/// A session duration in seconds as text: `850 ms`, `12.3 s`, `4 min 5 s`, `2 h 3 min`; a bar
/// when there is none (no session exited cleanly).
pub fn format_duration(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "\u{2015}".to_owned();
    };
    if seconds < 1.0 {
        return format!("{:.0} ms", seconds * 1000.0);
    }
    if seconds < 60.0 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round() as i64;
    if whole < 3_600 {
        format!("{} min {} s", whole / 60, whole % 60)
    } else {
        format!("{} h {} min", whole / 3_600, whole % 3_600 / 60)
    }
}

/// One line of the releases table: a release in one of its projects.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthRow {
    /// The full version.
    pub version: String,
    /// The project's slug.
    pub project: String,
    /// When the release was created.
    pub date_created: DateTime<Utc>,
    /// Share of the project's users of the last 24 hours on this release (percent).
    pub adoption: Option<f64>,
    /// Share of the project's sessions of the last 24 hours (percent).
    pub sessions_adoption: Option<f64>,
    /// Crash-free sessions over the period (percent).
    pub crash_free_sessions: Option<f64>,
    /// Crash-free users over the period (percent).
    pub crash_free_users: Option<f64>,
    /// Crash-free sessions over the period before (percent), for the trend.
    pub previous_crash_free_sessions: Option<f64>,
    /// Crash-free users over the period before (percent).
    pub previous_crash_free_users: Option<f64>,
    /// Sessions over the period.
    pub total_sessions: i64,
    /// Users over the period.
    pub total_users: i64,
    /// Issues first seen in this release in this project.
    pub new_issues: i64,
    /// The release's newest deploy.
    pub last_deploy: Option<Deploy>,
    /// Its adoption stage in the project (in the chosen environment, or the furthest of any).
    pub stage: Option<ReleaseAdoptionStage>,
}

/// Crash-free sessions and users (percent) of the period before, per (project id, release).
pub type PreviousRates = HashMap<(i64, String), (Option<f64>, Option<f64>)>;

/// The [`PreviousRates`] of a sessions answer grouped by `project` and `release` with both
/// `crash_free_rate` fields.
pub fn previous_rates(previous: &SessionsResponse) -> PreviousRates {
    previous
        .groups
        .iter()
        .filter_map(|group| {
            let project = group.by.get("project")?.as_i64()?;
            let release = group.by.get("release")?.as_str()?.to_owned();
            let rate = |field: &str| group.totals.get(field)?.as_f64().map(|r| r * 100.0);
            let rates = (rate("crash_free_rate(session)"), rate("crash_free_rate(user)"));
            Some(((project, release), rates))
        })
        .collect()
}

/// The table's rows: one per release and project, in the releases' order.
pub fn health_rows(releases: &[Release], previous: &PreviousRates) -> Vec<HealthRow> {
    let mut rows = Vec::new();
    for release in releases {
        for project in &release.projects {
            let health = project.health_data.as_ref();
            let (prev_sessions, prev_users) = previous
                .get(&(project.id, release.version.clone()))
                .copied()
                .unwrap_or((None, None));
            rows.push(HealthRow {
                version: release.version.clone(),
                project: project.slug.clone(),
                date_created: release.date_created,
                adoption: health.and_then(|h| h.adoption),
                sessions_adoption: health.and_then(|h| h.sessions_adoption),
                crash_free_sessions: health.and_then(|h| h.crash_free_sessions),
                crash_free_users: health.and_then(|h| h.crash_free_users),
                previous_crash_free_sessions: prev_sessions,
                previous_crash_free_users: prev_users,
                total_sessions: health.and_then(|h| h.total_sessions).unwrap_or(0),
                total_users: health.and_then(|h| h.total_users).unwrap_or(0),
                new_issues: project.new_groups,
                last_deploy: release.last_deploy.clone(),
                stage: release
                    .adoption_stages
                    .as_ref()
                    .and_then(|stages| stages.get(&project.slug))
                    .cloned(),
            });
        }
    }
    rows
}

/// The sorts of the releases page (Sentry's `sort` values), with their labels.
pub const SORTS: &[(&str, &str)] = &[
    ("date", "Date created"),
    ("sessions", "Total sessions"),
    ("users", "Total users"),
    ("crash_free_sessions", "Crash-free sessions"),
    ("crash_free_users", "Crash-free users"),
    ("adoption", "Adoption"),
    ("semver", "Semantic version"),
    ("build", "Build number"),
];

/// Sorts rows as Sentry's releases list does: newest, most sessions or users, highest rates or
/// adoption first; rows without the figure last; ties by date. By version or build the rows stay
/// in the server's order (it leaves out the releases without one).
pub fn sort_rows(rows: &mut [HealthRow], sort: &str) {
    if matches!(sort, "semver" | "build") {
        return;
    }
    let key = |row: &HealthRow| -> Option<f64> {
        match sort {
            "sessions" => Some(row.total_sessions as f64),
            "users" => Some(row.total_users as f64),
            "crash_free_sessions" => row.crash_free_sessions,
            "crash_free_users" => row.crash_free_users,
            "adoption" => row.adoption.or(row.sessions_adoption),
            _ => None,
        }
    };
    rows.sort_by(|a, b| {
        let by_key = match (key(a), key(b)) {
            (Some(a), Some(b)) => b.total_cmp(&a),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_key.then(b.date_created.cmp(&a.date_created))
    });
}

/// The change of a rate against the period before, in percentage points: `▲ 1.2` / `▼ 0.5`;
/// nothing when either is unknown.
#[component]
pub fn Trend(
    /// This period's rate.
    current: Option<f64>,
    /// The previous period's rate.
    previous: Option<f64>,
) -> impl IntoView {
    let (Some(current), Some(previous)) = (current, previous) else {
        return ().into_any();
    };
    let delta = current - previous;
    let (class, arrow) = if delta.abs() < 0.0005 {
        ("trend trend-flat", "=")
    } else if delta > 0.0 {
        ("trend trend-up", "\u{25B2}")
    } else {
        ("trend trend-down", "\u{25BC}")
    };
    let title = format!("{} in the period before", format_crash_free(Some(previous)));
    let text = if arrow == "=" { arrow.to_owned() } else { format!("{arrow} {:.2}", delta.abs()) };
    view! { <span class=class title=title>{text}</span> }.into_any()
}

/// A horizontal bar filled to `percent`, with the figure next to it.
#[component]
pub fn AdoptionBar(
    /// User adoption (percent), if known.
    adoption: Option<f64>,
    /// Session adoption (percent): shown when user adoption is unknown, and in the tooltip.
    sessions_adoption: Option<f64>,
) -> impl IntoView {
    let shown = adoption.or(sessions_adoption);
    let width = format!("width: {:.1}%", shown.unwrap_or(0.0).clamp(0.0, 100.0));
    let title = format!(
        "{} of users, {} of sessions in the last 24 hours",
        format_share(adoption),
        format_share(sessions_adoption)
    );
    view! {
        <span class="adoption" title=title>
            <span class="adoption-bar" aria-hidden="true">
                <span class="adoption-fill" style=width></span>
            </span>
            <span class="adoption-value">{format_share(shown)}</span>
        </span>
    }
}

/// The name Sentry's dashboard gives an adoption stage, and the class of its badge.
pub fn stage_label(stage: &str) -> (&'static str, &'static str) {
    match stage {
        "adopted" => ("Adopted", "stage-adopted"),
        "replaced" => ("Replaced", "stage-replaced"),
        _ => ("Low adoption", "stage-low"),
    }
}

/// A release's adoption stage as a badge (`.adoption-stage`), its dates in the tooltip;
/// nothing when the API gave none.
#[component]
pub fn AdoptionStageBadge(
    /// The stage, from the release's `adoptionStages`.
    stage: Option<ReleaseAdoptionStage>,
) -> impl IntoView {
    let stage = stage?;
    let (label, class) = stage_label(&stage.stage);
    let title = match (stage.adopted, stage.unadopted) {
        (Some(adopted), Some(unadopted)) => format!(
            "Adopted {}, replaced {}: under a tenth of its environment's sessions since",
            absolute_time(adopted),
            absolute_time(unadopted)
        ),
        (Some(adopted), None) => format!(
            "Adopted {}: at least a tenth of its environment's sessions over the last 6 hours",
            absolute_time(adopted)
        ),
        _ => "Never reached a tenth of its environment's sessions over 6 hours".to_owned(),
    };
    Some(view! {
        <span class=format!("adoption-stage {class}") data-stage=stage.stage title=title>
            {label}
        </span>
    })
}

/// The releases table (`#release-list`), one `.release-row` per release and project, or the
/// empty state. Column headers link to the sort `sort_href` gives.
#[component]
pub fn ReleaseTable(
    /// Organization slug, for the release links.
    #[prop(into)]
    org: String,
    /// The rows, already sorted.
    rows: Vec<HealthRow>,
    /// The current sort.
    #[prop(into)]
    sort: String,
    /// The URL of this view sorted by the given key.
    sort_href: Callback<String, String>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <div id="release-list" class="empty-state">
                <p class="empty-title">"No releases in this view."</p>
                <p>
                    "Releases appear when an SDK sends events or sessions with a "
                    <code>"release"</code>
                    ", or when sentry-cli creates one."
                </p>
            </div>
        }
        .into_any();
    }
    let header = |key: &'static str, label: &'static str| {
        let active = sort == key;
        let class = if active { "sort-link active" } else { "sort-link" };
        let sort_label = if active { Some("descending") } else { None };
        view! {
            <th scope="col" aria-sort=sort_label>
                <a class=class href=sort_href.run(key.to_owned())>{label}</a>
            </th>
        }
    };
    let body = rows
        .into_iter()
        .map(|row| {
            let href = Page::Release { org: org.clone(), version: row.version.clone() }.path();
            let sessions_value = row.crash_free_sessions.map(|v| v.to_string()).unwrap_or_default();
            let users_value = row.crash_free_users.map(|v| v.to_string()).unwrap_or_default();
            let (version, project) = (row.version.clone(), row.project.clone());
            let deploy = row.last_deploy.map(|deploy| {
                view! {
                    <span class="deploy-environment">{deploy.environment}</span>
                    " "
                    <TimeAgo time=deploy.date_finished/>
                }
            });
            view! {
                <tr class="release-row" data-version=version data-project=project>
                    <th scope="row" class="release-version">
                        <a href=href title=row.version.clone()>{short_version(&row.version)}</a>
                        <span class="release-created">
                            "created " <TimeAgo time=row.date_created/>
                        </span>
                    </th>
                    <td class="release-project">{row.project}</td>
                    <td class="release-adoption">
                        <AdoptionBar adoption=row.adoption sessions_adoption=row.sessions_adoption/>
                        <AdoptionStageBadge stage=row.stage/>
                    </td>
                    <td class="release-crash-free-sessions" data-value=sessions_value>
                        <span class="rate">{format_crash_free(row.crash_free_sessions)}</span>
                        <Trend current=row.crash_free_sessions previous=row.previous_crash_free_sessions/>
                    </td>
                    <td class="release-crash-free-users" data-value=users_value>
                        <span class="rate">{format_crash_free(row.crash_free_users)}</span>
                        <Trend current=row.crash_free_users previous=row.previous_crash_free_users/>
                    </td>
                    <td class="release-sessions">{row.total_sessions}</td>
                    <td class="release-new-issues">{row.new_issues}</td>
                    <td class="release-last-deploy">{deploy}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="release-list" class="release-table">
            <thead>
                <tr>
                    {header("date", "Release")}
                    <th scope="col">"Project"</th>
                    {header("adoption", "Adoption")}
                    {header("crash_free_sessions", "Crash-free sessions")}
                    {header("crash_free_users", "Crash-free users")}
                    {header("sessions", "Sessions")}
                    <th scope="col">"New issues"</th>
                    <th scope="col">"Last deploy"</th>
                </tr>
            </thead>
            <tbody>{body}</tbody>
        </table>
    }
    .into_any()
}
