//! `/settings/{org}/projects/{project}/ownership/` (Sentry's URL): the project's ownership
//! rules with fallthrough and auto-assignment, a CODEOWNERS import that lists the handles it
//! could not map, and a tester that shows which rule owns an issue's latest event.

use std::collections::BTreeMap;

use cairn_types::api::{
    CreateCodeownersRequest, ProjectCodeowners, UpdateOwnershipRequest, AUTO_ASSIGN_ISSUE_OWNER,
    AUTO_ASSIGN_OFF, AUTO_ASSIGN_SUSPECT_COMMITS,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api,
    components::{
        suggested_owners::OwnersPanel, text_file::TextFileInput, ApiError, ErrorState, Loading,
    },
    routes::PROJECT_PARAM,
};

/// The messages of a refused save, each with the rule line it names (`(line 3)`), if any.
pub fn line_errors(detail: &str) -> Vec<(Option<usize>, String)> {
    detail
        .split("raw: ")
        .map(str::trim)
        .filter(|message| !message.is_empty())
        .map(|message| {
            let line = message
                .rsplit_once("(line ")
                .and_then(|(_, rest)| rest.trim_end_matches(')').parse().ok());
            (line, message.to_owned())
        })
        .collect()
}

/// `@handle target` per line → the import's mapping.
pub fn parse_mapping(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect()
}

/// What an import could not resolve, one list per kind (`#codeowners-errors`).
#[component]
pub fn CodeownersResult(
    /// The imported file.
    imported: ProjectCodeowners,
) -> impl IntoView {
    let errors = imported.errors;
    let group = |title: &'static str, items: Vec<String>| {
        (!items.is_empty()).then(|| {
            view! {
                <li>
                    {title} ": "
                    {items.into_iter().map(|item| view! { <code class="unmapped">{item}</code> " " }).collect_view()}
                </li>
            }
        })
    };
    view! {
        <div id="codeowners-result" role="status">
            <p>{format!("Imported {} rules.", imported.schema.rules.len())}</p>
            <ul id="codeowners-errors" class="codeowners-errors">
                {group("Unmapped users", errors.missing_external_users)}
                {group("Unmapped teams", errors.missing_external_teams)}
                {group("Emails of no member", errors.missing_user_emails)}
            </ul>
        </div>
    }
}

/// The ownership settings route.
#[component]
pub fn ProjectOwnershipPage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let project = Memo::new(move |_| params.read().get(PROJECT_PARAM).unwrap_or_default());
    let settings = LocalResource::new(move || {
        let (org, project) = (org.get(), project.get());
        async move { api::ownership(&org, &project).await }
    });

    let raw = RwSignal::new(String::new());
    let fallthrough = RwSignal::new(true);
    let auto_assignment = RwSignal::new(AUTO_ASSIGN_ISSUE_OWNER.to_owned());
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = settings.get() {
            raw.set(loaded.raw.unwrap_or_default());
            fallthrough.set(loaded.fallthrough);
            auto_assignment.set(loaded.auto_assignment);
        }
    });
    let save = Action::new_local(move |request: &UpdateOwnershipRequest| {
        let request = request.clone();
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::update_ownership(&org, &project, &request).await }
    });
    let save_result = move || {
        save.value().with(|v| match v {
            Some(Ok(_)) => {
                Some(view! { <p id="rules-saved" role="status">"Saved."</p> }.into_any())
            }
            Some(Err(api::Error::Http { status: 400, body })) => {
                let items = line_errors(&body.detail)
                    .into_iter()
                    .map(|(line, message)| {
                        let at = line.map(|n| format!("Line {n}: ")).unwrap_or_default();
                        view! { <li class="rule-error">{at}{message}</li> }
                    })
                    .collect_view();
                Some(
                    view! { <ul id="rules-errors" class="rule-errors" role="alert">{items}</ul> }
                        .into_any(),
                )
            }
            Some(Err(error)) => Some(view! { <ErrorState message=error.message()/> }.into_any()),
            None => None,
        })
    };

    let codeowners_raw = RwSignal::new(String::new());
    let mapping = RwSignal::new(String::new());
    // The code mapping the file's repository paths are read through (Sentry's
    // `codeMappingId`); empty: the paths as written.
    let code_mapping = RwSignal::new(String::new());
    let code_mappings = LocalResource::new(move || {
        let (org, project) = (org.get(), project.get());
        async move { api::code_mappings(&org, &project).await.unwrap_or_default() }
    });
    let code_mapping_choice = move || {
        let mappings = code_mappings.get().unwrap_or_default();
        (!mappings.is_empty()).then(|| {
            view! {
                <label class="field">
                    <span class="label">"Repository paths through the code mapping"</span>
                    <select
                        id="codeowners-code-mapping"
                        on:change=move |ev| code_mapping.set(event_target_value(&ev))
                    >
                        <option value="">"None: match the paths as written"</option>
                        {mappings
                            .into_iter()
                            .map(|m| {
                                let label = format!(
                                    "{} → {} ({})",
                                    m.source_root, m.stack_root, m.repo_name
                                );
                                view! { <option value=m.id>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
            }
        })
    };
    let import = Action::new_local(move |request: &CreateCodeownersRequest| {
        let request = request.clone();
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::import_codeowners(&org, &project, &request).await }
    });
    let import_result = move || {
        import.value().with(|v| match v {
            Some(Ok(imported)) => {
                Some(view! { <CodeownersResult imported=imported.clone()/> }.into_any())
            }
            Some(Err(error)) => Some(view! { <ErrorState message=error.message()/> }.into_any()),
            None => None,
        })
    };

    let test_issue = RwSignal::new(String::new());
    let test = Action::new_local(move |issue: &String| {
        let issue = issue.trim().to_owned();
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move {
            let event = api::issue_event(&org, &issue, "latest").await?;
            api::event_owners(&org, &project, &event.event_id).await
        }
    });
    let test_result = move || {
        test.value().with(|v| match v {
            Some(Ok(owners)) => Some(view! { <OwnersPanel owners=owners.clone()/> }.into_any()),
            Some(Err(error)) => Some(view! { <ErrorState message=error.message()/> }.into_any()),
            None => None,
        })
    };

    let mode = |value: &'static str| {
        view! {
            <option value=value selected=move || auto_assignment.get() == value>{value}</option>
        }
    };

    view! {
        <section class="page ownership-page">
            <header class="page-header">
                <h1>"Ownership rules"</h1>
                <p class="page-subtitle">{move || project.get()}</p>
            </header>
            {move || match settings.get() {
                None => Some(view! { <Loading/> }.into_any()),
                Some(Err(error)) => Some(view! { <ApiError error/> }.into_any()),
                Some(Ok(_)) => None,
            }}
            <form
                id="rules-form"
                class="ownership-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    save.dispatch(UpdateOwnershipRequest {
                        raw: Some(raw.get()),
                        fallthrough: Some(fallthrough.get()),
                        auto_assignment: Some(auto_assignment.get()),
                        codeowners_auto_sync: None,
                    });
                }
            >
                <label class="field">
                    <span class="label">"Rules: " <code>"type:pattern owner..."</code> ", the last match wins"</span>
                    <textarea
                        id="rules-raw"
                        rows="10"
                        spellcheck="false"
                        placeholder="path:src/billing/** #billing"
                        prop:value=move || raw.get()
                        on:input=move |ev| raw.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <label class="field checkbox">
                    <input
                        id="rules-fallthrough"
                        type="checkbox"
                        prop:checked=move || fallthrough.get()
                        on:change=move |ev| fallthrough.set(event_target_checked(&ev))
                    />
                    "Everyone owns what no rule matches (fallthrough)"
                </label>
                <label class="field">
                    <span class="label">"Auto-assignment"</span>
                    <select
                        id="rules-auto-assignment"
                        on:change=move |ev| auto_assignment.set(event_target_value(&ev))
                    >
                        {mode(AUTO_ASSIGN_ISSUE_OWNER)}
                        {mode(AUTO_ASSIGN_SUSPECT_COMMITS)}
                        {mode(AUTO_ASSIGN_OFF)}
                    </select>
                </label>
                <button type="submit" class="button" disabled=move || save.pending().get()>
                    "Save rules"
                </button>
            </form>
            {save_result}

            <h2>"Import CODEOWNERS"</h2>
            <form
                id="codeowners-form"
                class="ownership-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let chosen = code_mapping.get();
                    import.dispatch(CreateCodeownersRequest {
                        raw: codeowners_raw.get(),
                        mapping: parse_mapping(&mapping.get()),
                        code_mapping_id: (!chosen.is_empty()).then_some(serde_json::Value::String(chosen)),
                    });
                }
            >
                <label class="field">
                    <span class="label">"CODEOWNERS file"</span>
                    <textarea
                        id="codeowners-raw"
                        rows="8"
                        spellcheck="false"
                        placeholder="/src/billing/ @acme/billing"
                        prop:value=move || codeowners_raw.get()
                        on:input=move |ev| codeowners_raw.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <TextFileInput
                    id="codeowners-file"
                    label="Or upload the file"
                    on_text=Callback::new(move |text| codeowners_raw.set(text))
                />
                <label class="field">
                    <span class="label">"Handles: " <code>"@handle member-email"</code> " or " <code>"@org/team #team-slug"</code> ", one per line"</span>
                    <textarea
                        id="codeowners-mapping"
                        rows="4"
                        spellcheck="false"
                        prop:value=move || mapping.get()
                        on:input=move |ev| mapping.set(event_target_value(&ev))
                    ></textarea>
                </label>
                {code_mapping_choice}
                <button type="submit" class="button" disabled=move || import.pending().get()>
                    "Import"
                </button>
            </form>
            {import_result}

            <h2>"Test against an issue"</h2>
            <form
                id="owners-test-form"
                class="ownership-form inline"
                on:submit=move |ev| {
                    ev.prevent_default();
                    test.dispatch(test_issue.get());
                }
            >
                <input
                    id="owners-test-issue"
                    type="text"
                    placeholder="Issue id"
                    prop:value=move || test_issue.get()
                    on:input=move |ev| test_issue.set(event_target_value(&ev))
                />
                <button type="submit" class="button button-secondary">"Test"</button>
            </form>
            {test_result}
        </section>
    }
}
