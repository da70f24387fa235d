//! Why an event grouped as it did: Sentry's *grouping information* (the issue page's *Event
//! Grouping Information*, `GET .../events/{event_id}/grouping-info/`).
//!
//! [`explain`] runs the same preparation as the hashing ([`Prepared`], the stack-trace rules,
//! the fingerprint rules) and lays the strategy that decided out as a tree of components: each
//! exception, stack trace, frame and frame value, with whether it contributes and, when not,
//! why. Each variant's hash is computed from its tree's contributing values, and the tests
//! check it against [`super::hashes_with`] for every grouping test, so the explanation cannot
//! drift from what grouping does.

use std::borrow::Cow;

use cairn_types::api::{GroupingComponent, GroupingValue, GroupingVariant};
use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::{
    checksum_hash, grouped_exceptions, grouped_message, is_custom, is_default_marker, is_recursion,
    normalize_message, ns_error, resolve_variable, sdk_fingerprint, single_exception, stack_frames,
    str_of, variant_hash, ExceptionComponent, FramePart, GroupingConfig, Prepared, Stack, APP,
    BUILTIN_RULES, EMPTY, SYSTEM,
};

/// The variants of a normalized event under a project's rules, those that contribute first.
pub fn explain(event: &Map<String, Value>, config: &GroupingConfig) -> Vec<GroupingVariant> {
    if let Some(checksum) = str_of(event, "checksum") {
        return vec![checksum_variant(checksum)];
    }
    let platform = str_of(event, "platform").unwrap_or("other");
    let prepared = Prepared::of(event, platform, config);
    let crash_stack = prepared.crash_stack();
    let rule = prepared.fingerprint_rule(event, config);
    let fingerprint = match rule {
        Some(rule) => rule.fingerprint.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
        None => sdk_fingerprint(event),
    };
    let resolve =
        |part: &str| resolve_variable(part, event, &prepared.exceptions, crash_stack).into_owned();
    let mut variants = default_variants(event, &prepared);

    if is_custom(&fingerprint) {
        let values: Vec<String> = fingerprint.iter().map(|p| resolve(p)).collect();
        let mut h = Md5::new();
        for value in &values {
            h.update(value.as_bytes());
        }
        let builtin = rule.is_some_and(|r| BUILTIN_RULES.iter().any(|b| std::ptr::eq(b, r)));
        let key = if builtin { "built-in-fingerprint" } else { "custom-fingerprint" };
        let (description, precedence) = match (builtin, rule) {
            (true, _) => ("Sentry's built-in fingerprint rule", "built-in fingerprint rule"),
            (false, Some(_)) => ("fingerprint rule", "fingerprint rule"),
            (false, None) => ("custom fingerprint (sent by the SDK)", "SDK's fingerprint"),
        };
        for variant in &mut variants {
            variant.contributes = false;
            variant.hash = None;
            variant.hint = Some(format!("ignored because the {precedence} takes precedence"));
            if let Some(component) = &mut variant.component {
                component.contributes = false;
            }
        }
        variants.insert(
            0,
            GroupingVariant {
                key: key.to_owned(),
                kind: key.to_owned(),
                description: description.to_owned(),
                hash: Some(hex::encode(h.finalize())),
                hash_mismatch: false,
                contributes: true,
                hint: None,
                component: None,
                values: Some(values),
                matched_rule: rule.map(|r| r.text.clone()),
            },
        );
        return variants;
    }

    // `{{ default }}` with other values: each variant salted by them.
    let salted = fingerprint.len() > 1;
    for variant in &mut variants {
        let Some(component) = variant.component.as_ref().filter(|_| variant.contributes) else {
            continue;
        };
        let mut leaves = Vec::new();
        contributing_values(component, &mut leaves);
        variant.hash =
            Some(variant_hash(&leaves, &fingerprint, event, &prepared.exceptions, crash_stack));
        if salted {
            variant.kind = "salted-component".to_owned();
            variant.values = Some(
                fingerprint
                    .iter()
                    .map(|p| if is_default_marker(p) { p.to_string() } else { resolve(p) })
                    .collect(),
            );
            variant.matched_rule = rule.map(|r| r.text.clone());
        }
    }
    if !variants.iter().any(|v| v.contributes) {
        variants.push(GroupingVariant {
            key: "fallback".to_owned(),
            kind: "fallback".to_owned(),
            description: "nothing else contributes".to_owned(),
            hash: Some(hex::encode(Md5::new().finalize())),
            hash_mismatch: false,
            contributes: true,
            hint: Some("the event has no exception, stack trace or message to group by".into()),
            component: None,
            values: None,
            matched_rule: None,
        });
    }
    variants.sort_by_key(|v| !v.contributes);
    variants
}

fn checksum_variant(checksum: &str) -> GroupingVariant {
    let (hash, verbatim) = checksum_hash(checksum);
    let key = if verbatim { "checksum" } else { "hashed-checksum" };
    GroupingVariant {
        key: key.to_owned(),
        kind: "checksum".to_owned(),
        description: "legacy checksum".to_owned(),
        hash: Some(hash),
        hash_mismatch: false,
        contributes: true,
        hint: None,
        component: None,
        values: Some(vec![checksum.to_owned()]),
        matched_rule: None,
    }
}

/// The text values of the contributing components, depth first: what the variant hashes.
fn contributing_values<'c>(component: &'c GroupingComponent, out: &mut Vec<Cow<'c, str>>) {
    if !component.contributes {
        return;
    }
    for value in &component.values {
        match value {
            GroupingValue::Text(text) => out.push(Cow::Borrowed(text)),
            GroupingValue::Component(child) => contributing_values(child, out),
        }
    }
}

/// The default strategies' variants, as [`super::default_variants`] picks them: the first
/// strategy with a contributing variant (chained exceptions, the thread, the event's stack
/// trace, the message) explains the event. Hashes are left to the caller.
fn default_variants(event: &Map<String, Value>, p: &Prepared<'_>) -> Vec<GroupingVariant> {
    if !p.exceptions.is_empty() {
        let variants = exception_variants(event, p);
        if variants.iter().any(|v| v.contributes) {
            return variants;
        }
    }
    if !p.threads.is_empty() {
        if let (Some(stack), Some(frames)) = (&p.thread_stack, p.thread.and_then(stack_frames)) {
            let variants =
                stack_variants(stack, frames, p.platform, "thread stack-trace", Some("threads"));
            if variants.iter().any(|v| v.contributes) {
                return variants;
            }
        }
    }
    if let (Some(stack), Some(frames)) = (&p.top_stack, p.top_frames) {
        let variants = stack_variants(stack, frames, p.platform, "stack-trace", None);
        if variants.iter().any(|v| v.contributes) {
            return variants;
        }
    }
    match grouped_message(event) {
        Some(message) => {
            let message = text_component("message", true, None, message);
            vec![variant(
                "default",
                "message",
                Some(component("default", true, None, vec![message])),
            )]
        }
        None => Vec::new(),
    }
}

fn variant(key: &str, description: &str, component: Option<GroupingComponent>) -> GroupingVariant {
    let contributes = component.as_ref().is_some_and(|c| c.contributes);
    GroupingVariant {
        key: key.to_owned(),
        kind: "component".to_owned(),
        description: description.to_owned(),
        hash: None,
        hash_mismatch: false,
        contributes,
        hint: None,
        component,
        values: None,
        matched_rule: None,
    }
}

/// A component of `values`.
fn node(
    id: &str,
    contributes: bool,
    hint: Option<&str>,
    values: Vec<GroupingValue>,
) -> GroupingComponent {
    GroupingComponent {
        id: id.to_owned(),
        name: None,
        contributes,
        hint: hint.map(str::to_owned),
        values,
    }
}

/// A component of components.
fn component(
    id: &str,
    contributes: bool,
    hint: Option<&str>,
    values: Vec<GroupingComponent>,
) -> GroupingComponent {
    node(id, contributes, hint, values.into_iter().map(GroupingValue::Component).collect())
}

/// A component of one text value.
fn text_component(
    id: &str,
    contributes: bool,
    hint: Option<&str>,
    text: String,
) -> GroupingComponent {
    node(id, contributes, hint, vec![GroupingValue::Text(text)])
}

const VARIANT_KEYS: [&str; 2] = ["app", "system"];

/// The `app` and `system` variants of a thread's (`wrapper`: `threads`) or the event's stack
/// trace.
fn stack_variants(
    stack: &Stack<'_>,
    frames: &[Value],
    platform: &str,
    description: &str,
    wrapper: Option<&str>,
) -> Vec<GroupingVariant> {
    [APP, SYSTEM]
        .into_iter()
        .map(|v| {
            let stacktrace = stacktrace_component(stack, frames, platform, v);
            let contributes = stacktrace.contributes;
            let inner = match wrapper {
                Some(id) => component(id, contributes, None, vec![stacktrace]),
                None => stacktrace,
            };
            let root = component(VARIANT_KEYS[v], contributes, None, vec![inner]);
            let mut variant = variant(VARIANT_KEYS[v], &describe(v, description), Some(root));
            if !contributes {
                variant.hint = Some(
                    if v == APP { "no in-app frame contributes" } else { "no frame contributes" }
                        .to_owned(),
                );
            }
            variant
        })
        .collect()
}

fn describe(v: usize, what: &str) -> String {
    if v == APP {
        format!("in-app {what}")
    } else {
        what.to_owned()
    }
}

/// The `app` and `system` variants of the event's exceptions (Sentry's chained-exception
/// strategy), as [`super::chained_exception`] hashes them: the exceptions that take part in
/// the order they are hashed, then those an exception group leaves out.
fn exception_variants(event: &Map<String, Value>, p: &Prepared<'_>) -> Vec<GroupingVariant> {
    let components: Vec<ExceptionComponent<'_>> = p
        .exceptions
        .iter()
        .zip(&p.exception_stacks)
        .map(|(e, s)| single_exception(e, s.as_ref()))
        .collect();
    let selected = grouped_exceptions(event, &p.exceptions, &components, &p.exception_stacks);
    let mut stack = [false, false];
    let mut has_values = [false, false];
    for &i in &selected {
        for v in [APP, SYSTEM] {
            // Sentry's components by variant: a stack-less exception has only `app`.
            if v == SYSTEM && !components[i].has_stacktrace {
                continue;
            }
            stack[v] |= components[i].stack[v];
            has_values[v] |= !components[i].leaves[v].is_empty();
        }
    }
    // A variant without a contributing stack trace is dropped when another variant has one.
    let any_stack = stack.iter().any(|s| *s);
    let left_out = (0..p.exceptions.len()).filter(|i| !selected.contains(i));
    [APP, SYSTEM]
        .into_iter()
        .map(|v| {
            let contributes = has_values[v] && (stack[v] || !any_stack);
            let mut exceptions = Vec::new();
            for i in selected.iter().copied().chain(left_out.clone()) {
                if v == SYSTEM && !components[i].has_stacktrace {
                    continue;
                }
                let stack = p.exception_stacks[i].as_ref();
                let mut c = exception_component(p, i, stack, &components[i], v);
                if !selected.contains(&i) {
                    c.contributes = false;
                    c.hint = Some("left out by the exception group's rules".to_owned());
                }
                exceptions.push(c);
            }
            let inner = if p.exceptions.len() > 1 {
                vec![component("chained-exception", contributes, None, exceptions)]
            } else {
                exceptions
            };
            let root = component(VARIANT_KEYS[v], contributes, None, inner);
            let what = if stack[v] { "exception stack-trace" } else { "exception" };
            let mut variant = variant(VARIANT_KEYS[v], &describe(v, what), Some(root));
            if !contributes {
                variant.hint = Some(
                    match (has_values[v], v) {
                        (false, _) => "nothing in the exceptions contributes",
                        (true, APP) => "no in-app frame contributes, and the system variant's do",
                        (true, _) => "no frame contributes, and the app variant's do",
                    }
                    .to_owned(),
                );
            }
            variant
        })
        .collect()
}

/// One exception: its stack trace, type, ns-error and value, as
/// [`super::single_exception`] hashes them.
fn exception_component(
    p: &Prepared<'_>,
    i: usize,
    stack: Option<&Stack<'_>>,
    hashed: &ExceptionComponent<'_>,
    v: usize,
) -> GroupingComponent {
    let exception = p.exceptions[i];
    let mut values = Vec::new();
    if let (Some(stack), Some(frames)) = (stack, stack_frames(exception)) {
        values.push(stacktrace_component(stack, frames, p.platform, v));
    }
    let mechanism = exception.get("mechanism").and_then(Value::as_object);
    if let Some(ty) = str_of(exception, "type") {
        let synthetic = mechanism.and_then(|m| m.get("synthetic")) == Some(&Value::Bool(true));
        let hint = synthetic.then_some("ignored because the exception is synthetic");
        values.push(text_component("type", !synthetic, hint, ty.to_owned()));
    }
    let ns_error: Vec<GroupingValue> =
        ns_error(mechanism).into_iter().map(|v| GroupingValue::Text(v.into_owned())).collect();
    let has_ns_error = !ns_error.is_empty();
    if has_ns_error {
        values.push(node("ns-error", true, None, ns_error));
    }
    if let Some(value) = str_of(exception, "value").map(normalize_message).filter(|v| !v.is_empty())
    {
        let hint = if hashed.stack[v] {
            Some("ignored because the stack trace takes precedence")
        } else if has_ns_error {
            Some("ignored because the ns-error takes precedence")
        } else {
            None
        };
        values.push(text_component("value", hint.is_none(), hint, value));
    }
    component("exception", !hashed.leaves[v].is_empty(), None, values)
}

/// A stack trace's frames in variant `v`: each frame's values, whether they contribute, and
/// why not.
fn stacktrace_component(
    stack: &Stack<'_>,
    frames: &[Value],
    platform: &str,
    v: usize,
) -> GroupingComponent {
    let mut components = Vec::with_capacity(frames.len());
    let mut any = false;
    for (i, frame) in frames.iter().enumerate() {
        let (Some(facts), Some(hashed)) = (stack.facts.get(i), stack.frames.get(i)) else {
            continue;
        };
        let f = frame.as_object().unwrap_or(&EMPTY);
        let in_variant = v == SYSTEM || facts.in_app;
        let contributes = hashed.contributes && !hashed.leaves.is_empty() && in_variant;
        any |= contributes;
        let hint = if !hashed.contributes {
            Some(if stack.group[i] == Some(false) {
                "ignored by a stack trace rule"
            } else if i > 0 && frames[i - 1].as_object().is_some_and(|prev| is_recursion(f, prev)) {
                "ignored due to recursion"
            } else {
                "ignored: eval, native code or a lone frame without function"
            })
        } else if !in_variant {
            Some("non app frame")
        } else {
            None
        };
        let platform = str_of(f, "platform").unwrap_or(platform);
        let mut leaves = hashed.leaves.iter();
        let mut parts = Vec::with_capacity(4);
        for part in FramePart::ALL {
            if hashed.parts & part.bit() != 0 {
                let value = leaves.next().map(|l| l.to_string()).unwrap_or_default();
                parts.push(text_component(part_id(part), true, None, value));
            } else if let Some((value, hint)) = ignored_part(part, f, facts, platform, hashed.parts)
            {
                parts.push(text_component(part_id(part), false, Some(hint), value));
            }
        }
        components.push(component("frame", contributes, hint, parts));
    }
    component("stacktrace", any, None, components)
}

fn part_id(part: FramePart) -> &'static str {
    match part {
        FramePart::Module => "module",
        FramePart::Filename => "filename",
        FramePart::Function => "function",
        FramePart::ContextLine => "context-line",
    }
}

/// A frame value that grouping left out, and why.
fn ignored_part(
    part: FramePart,
    frame: &Map<String, Value>,
    facts: &super::rules::FrameFacts<'_>,
    platform: &str,
    parts: u8,
) -> Option<(String, &'static str)> {
    match part {
        FramePart::Module => str_of(frame, "module")
            .map(|m| (m.to_owned(), "ignored: a path-like JavaScript module or a generated class")),
        FramePart::Filename => {
            let filename = facts.filename?;
            let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
            let hint = if parts & FramePart::Module.bit() != 0 {
                "ignored because the module takes precedence"
            } else {
                "ignored: a URL, an anonymous or a native-code file"
            };
            Some((base.to_owned(), hint))
        }
        FramePart::Function => (facts.function != "<unknown>").then(|| {
            (
                facts.function.to_string(),
                "ignored: anonymous, generated, or a source-mapped frame's context line instead",
            )
        }),
        FramePart::ContextLine => {
            matches!(platform, "javascript" | "node" | "python" | "php" | "ruby")
                .then(|| str_of(frame, "context_line"))
                .flatten()
                .map(|line| {
                    (line.trim().to_owned(), "ignored: too long, or a URL frame without function")
                })
        }
    }
}
