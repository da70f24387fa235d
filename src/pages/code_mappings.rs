//! The project settings page's *Code Mappings* (Sentry's): how the project's stack-frame paths
//! map to files of the organization's repositories, so that the issue page's frames link to
//! their lines on the code host; a new mapping and deleting one. Under them, *Repositories*:
//! the organization's repositories (from `sentry-cli set-commits`, or added here), each with
//! its web address and code host, which the links need. Both lists are fetched again after
//! every change. Names, roots and addresses are rendered as text.

use cairn_types::{
    api::{CodeMapping, CodeMappingRequest, Repository, RepositoryRequest},
    source_links::Host,
};
use leptos::prelude::*;

use super::project_settings::InputField;
use crate::{
    api,
    components::{
        code_links::is_web_address,
        status::{failure, FormError},
        ApiError, Loading,
    },
};

/// What the new-mapping form sends: the roots and branch trimmed, no branch when empty (the
/// server's `main`); an error when no repository is chosen or the project is not known yet.
pub fn mapping_request(
    project_id: &str,
    repository_id: &str,
    stack_root: &str,
    source_root: &str,
    branch: &str,
) -> Result<CodeMappingRequest, String> {
    if project_id.is_empty() {
        return Err("The project is still loading.".to_owned());
    }
    if repository_id.is_empty() {
        return Err("Choose a repository.".to_owned());
    }
    let branch = branch.trim();
    Ok(CodeMappingRequest {
        project_id: project_id.into(),
        repository_id: repository_id.into(),
        stack_root: stack_root.trim().to_owned(),
        source_root: source_root.trim().to_owned(),
        default_branch: (!branch.is_empty()).then(|| branch.to_owned()),
        integration_id: None,
    })
}

/// A repository's address as typed, trimmed: empty, or an `http(s)` address.
fn address(url: &str) -> Result<String, String> {
    let url = url.trim();
    if url.is_empty() || is_web_address(url) {
        Ok(url.to_owned())
    } else {
        Err("The address must start with https:// (or http://).".to_owned())
    }
}

/// What the new-repository form sends: a name (required) and its address when given; the
/// server guesses the code host from the address.
pub fn new_repository_request(name: &str, url: &str) -> Result<RepositoryRequest, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the repository's name (owner/name).".to_owned());
    }
    let url = address(url)?;
    Ok(RepositoryRequest {
        name: Some(name.to_owned()),
        url: (!url.is_empty()).then_some(url),
        provider: None,
    })
}

/// What saving a repository's row sends: its address (`""` removes it) and the host chosen
/// (`""`: the server guesses it from the address).
pub fn repository_update(url: &str, host: &str) -> Result<RepositoryRequest, String> {
    let url = address(url)?;
    let provider = (!host.is_empty() && !url.is_empty()).then(|| host.to_owned());
    Ok(RepositoryRequest { name: None, url: Some(url), provider })
}

/// The id of a repository's code host (`github`), for its row's choice; `""` when it has
/// none (Sentry's `unknown` provider).
pub fn host_choice(repository: &Repository) -> String {
    let id = &repository.provider.id;
    Host::from_id(id).map(|host| host.id().to_owned()).unwrap_or_default()
}

/// A root of a mapping as code, or what an empty one means.
fn root_cell(root: String, empty: &'static str) -> AnyView {
    if root.is_empty() {
        view! { <span class="hint">{empty}</span> }.into_any()
    } else {
        view! { <code>{root}</code> }.into_any()
    }
}

/// The project's code mappings (`table#code-mapping-list`, a `tr.code-mapping` each): stack
/// root, source root, repository (marked when it has no address, so that nothing links) and
/// branch, and a Delete button that hands the mapping's id to `on_delete`.
#[component]
pub fn CodeMappingTable(mappings: Vec<CodeMapping>, on_delete: Callback<String>) -> impl IntoView {
    let rows = mappings
        .into_iter()
        .map(|mapping| {
            let id = mapping.id.clone();
            let no_address = mapping.repo_url.as_deref().is_none_or(str::is_empty).then(|| {
                view! {
                    <span class="hint code-mapping-no-address">" (no address: no links)"</span>
                }
            });
            view! {
                <tr class="code-mapping" data-mapping=mapping.id>
                    <td class="code-mapping-stack-root">
                        {root_cell(mapping.stack_root, "(every path)")}
                    </td>
                    <td class="code-mapping-source-root">
                        {root_cell(mapping.source_root, "(repository root)")}
                    </td>
                    <td>
                        <span class="code-mapping-repo">{mapping.repo_name}</span>
                        {no_address}
                    </td>
                    <td class="code-mapping-branch">
                        <code>{mapping.default_branch}</code>
                    </td>
                    <td>
                        <button
                            type="button"
                            class="button button-secondary code-mapping-delete"
                            on:click=move |_| on_delete.run(id.clone())
                        >
                            "Delete"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="code-mapping-list" class="release-table code-mapping-table">
            <thead>
                <tr>
                    <th>"Stack root"</th>
                    <th>"Source root"</th>
                    <th>"Repository"</th>
                    <th>"Branch"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One repository (`li.repository-row`): its name and host, and a form with its address and
/// host choice whose Save hands `(id, request)` to `on_save`; `refused` is the server's word on
/// the row's last save, if it failed.
#[component]
pub fn RepositoryRow(
    repository: Repository,
    on_save: Callback<(String, RepositoryRequest)>,
    refused: Signal<Option<String>>,
) -> impl IntoView {
    let url = RwSignal::new(repository.url.clone().unwrap_or_default());
    let host = RwSignal::new(host_choice(&repository));
    let invalid = RwSignal::new(None::<String>);
    let error = Signal::derive(move || invalid.get().or_else(|| refused.get()));
    let id = repository.id.clone();
    let badge = Host::from_id(&host_choice(&repository))
        .map(|host| view! { <span class="badge repository-host">{host.name()}</span> });
    let options = Host::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <option value=choice.id() selected=move || host.get() == choice.id()>
                    {choice.name()}
                </option>
            }
        })
        .collect_view();
    view! {
        <li class="project-row repository-row" data-repository=repository.id>
            <div class="project-head">
                <span class="project-name repository-name">{repository.name}</span>
                {badge}
            </div>
            <form
                class="settings-inline repository-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    match repository_update(&url.get_untracked(), &host.get_untracked()) {
                        Ok(request) => {
                            invalid.set(None);
                            on_save.run((id.clone(), request));
                        }
                        Err(message) => invalid.set(Some(message)),
                    }
                }
            >
                <input
                    type="url"
                    class="repository-url"
                    aria-label="Web address"
                    placeholder="https://github.com/owner/name"
                    spellcheck="false"
                    prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev))
                />
                <select
                    class="repository-provider"
                    aria-label="Code host"
                    on:change=move |ev| host.set(event_target_value(&ev))
                >
                    <option value="" selected=move || host.get().is_empty()>
                        "Guess from address"
                    </option>
                    {options}
                </select>
                <button type="submit" class="button button-secondary repository-save">
                    "Save"
                </button>
            </form>
            <FormError message=error/>
        </li>
    }
}

/// *Code Mappings* and *Repositories* of the project settings page, for the project whose id
/// is `project_id` (empty while it loads).
#[component]
pub fn CodeMappings(org: Memo<String>, project_id: Memo<String>) -> impl IntoView {
    // Bumped after every change: a repository's new address changes the mappings' too.
    let version = RwSignal::new(0_u32);
    let mappings = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project_id.get());
        async move {
            if project.is_empty() {
                return None;
            }
            Some(api::code_mappings(&org, &project).await)
        }
    });
    let repositories = LocalResource::new(move || {
        version.track();
        let org = org.get();
        async move { api::repositories(&org).await }
    });
    let refetch = move || version.update(|v| *v += 1);

    // The new mapping's form; `chosen` is the repository's id.
    let chosen = RwSignal::new(String::new());
    let stack_root = RwSignal::new(String::new());
    let source_root = RwSignal::new(String::new());
    let branch = RwSignal::new("main".to_owned());
    let mapping_invalid = RwSignal::new(None::<String>);
    let create = Action::new_local(move |request: &CodeMappingRequest| {
        let (org, request) = (org.get_untracked(), request.clone());
        async move { api::create_code_mapping(&org, &request).await }
    });
    let delete = Action::new_local(move |id: &String| {
        let (org, id) = (org.get_untracked(), id.clone());
        async move { api::delete_code_mapping(&org, &id).await }
    });
    Effect::new(move |_| {
        if create.value().with(|v| matches!(v, Some(Ok(_)))) {
            stack_root.set(String::new());
            source_root.set(String::new());
            refetch();
        }
    });
    Effect::new(move |_| {
        if delete.value().with(Option::is_some) {
            refetch();
        }
    });
    let on_delete = Callback::new(move |id: String| {
        delete.dispatch(id);
    });
    let create_refused = failure(create);
    let mapping_error =
        Signal::derive(move || mapping_invalid.get().or_else(|| create_refused.get()));
    let submit_mapping = move || {
        let request = mapping_request(
            &project_id.get_untracked(),
            &chosen.get_untracked(),
            &stack_root.get_untracked(),
            &source_root.get_untracked(),
            &branch.get_untracked(),
        );
        match request {
            Ok(request) => {
                mapping_invalid.set(None);
                create.dispatch(request);
            }
            Err(message) => mapping_invalid.set(Some(message)),
        }
    };

    // The repositories' rows and the new repository's form.
    let save = Action::new_local(move |(id, request): &(String, RepositoryRequest)| {
        let (org, id, request) = (org.get_untracked(), id.clone(), request.clone());
        async move {
            let answer = api::update_repository(&org, &id, &request).await;
            (id, answer)
        }
    });
    Effect::new(move |_| {
        if save.value().with(|v| matches!(v, Some((_, Ok(_))))) {
            refetch();
        }
    });
    let on_save = Callback::new(move |change: (String, RepositoryRequest)| {
        save.dispatch(change);
    });
    let new_name = RwSignal::new(String::new());
    let new_url = RwSignal::new(String::new());
    let repository_invalid = RwSignal::new(None::<String>);
    let add = Action::new_local(move |request: &RepositoryRequest| {
        let (org, request) = (org.get_untracked(), request.clone());
        async move { api::create_repository(&org, &request).await }
    });
    Effect::new(move |_| {
        if add.value().with(|v| matches!(v, Some(Ok(_)))) {
            new_name.set(String::new());
            new_url.set(String::new());
            refetch();
        }
    });
    let add_refused = failure(add);
    let repository_error =
        Signal::derive(move || repository_invalid.get().or_else(|| add_refused.get()));

    let mapping_list = move || match mappings.get() {
        None | Some(None) => view! { <Loading/> }.into_any(),
        Some(Some(Err(error))) => view! { <ApiError error/> }.into_any(),
        Some(Some(Ok(mappings))) if mappings.is_empty() => {
            view! { <p class="hint code-mappings-empty">"No code mappings yet."</p> }.into_any()
        }
        Some(Some(Ok(mappings))) => view! { <CodeMappingTable mappings on_delete/> }.into_any(),
    };
    let repository_options = move || {
        let repositories = repositories.get().and_then(Result::ok).unwrap_or_default();
        repositories
            .into_iter()
            .map(|repo| {
                let id = repo.id.clone();
                let selected = move || chosen.get() == id;
                view! { <option value=repo.id selected=selected>{repo.name}</option> }
            })
            .collect_view()
    };
    let repository_list = move || match repositories.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <p class="hint repositories-empty">
                "No repositories yet: add one below, or send commits with sentry-cli set-commits."
            </p>
        }
        .into_any(),
        Some(Ok(list)) => view! {
            <ul id="repository-list" class="project-rows">
                {list
                    .into_iter()
                    .map(|repository| {
                        let id = repository.id.clone();
                        let refused = Signal::derive(move || {
                            save.value()
                                .with(|v| match v {
                                    Some((saved, Err(error))) if *saved == id => {
                                        Some(error.message())
                                    }
                                    _ => None,
                                })
                        });
                        view! { <RepositoryRow repository on_save refused/> }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    };

    view! {
        <section id="code-mappings" class="code-mappings">
            <h2>"Code Mappings"</h2>
            <p class="hint">
                "A code mapping turns the paths of this project's stack frames into files of a repository, so that each frame links to its line on the code host: a path that starts with the stack root (app/) continues under the source root (src/app/) of the branch. Repositories come from sentry-cli set-commits or are added below."
            </p>
            <FormError message=failure(delete)/>
            {mapping_list}
            <form
                id="new-code-mapping-form"
                class="settings-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit_mapping();
                }
            >
                <label class="field">
                    <span class="label">"Repository"</span>
                    <select
                        id="code-mapping-repository"
                        on:change=move |ev| chosen.set(event_target_value(&ev))
                    >
                        <option value="" selected=move || chosen.get().is_empty()>
                            "Choose a repository"
                        </option>
                        {repository_options}
                    </select>
                </label>
                <div class="settings-inline code-mapping-fields">
                    <InputField
                        id="code-mapping-stack-root"
                        label="Stack root"
                        kind="text"
                        value=stack_root
                    />
                    <InputField
                        id="code-mapping-source-root"
                        label="Source root"
                        kind="text"
                        value=source_root
                    />
                    <InputField id="code-mapping-branch" label="Branch" kind="text" value=branch/>
                </div>
                <button type="submit" class="button" disabled=move || create.pending().get()>
                    "Add mapping"
                </button>
                <FormError message=mapping_error/>
            </form>

            <h3 id="repositories">"Repositories"</h3>
            <p class="hint">
                "The organization's repositories, shared by its projects. Frames and commits link to a repository once it has its web address; the code host is guessed from the address unless chosen."
            </p>
            {repository_list}
            <form
                id="new-repository-form"
                class="settings-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    match new_repository_request(&new_name.get_untracked(), &new_url.get_untracked()) {
                        Ok(request) => {
                            repository_invalid.set(None);
                            add.dispatch(request);
                        }
                        Err(message) => repository_invalid.set(Some(message)),
                    }
                }
            >
                <div class="settings-inline">
                    <InputField
                        id="new-repository-name"
                        label="Name (owner/name)"
                        kind="text"
                        value=new_name
                    />
                    <InputField
                        id="new-repository-url"
                        label="Web address"
                        kind="url"
                        value=new_url
                    />
                </div>
                <button type="submit" class="button" disabled=move || add.pending().get()>
                    "Add repository"
                </button>
                <FormError message=repository_error/>
            </form>
        </section>
    }
}
