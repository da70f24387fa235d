//! A file picker that reads the chosen text file in the browser and hands over its text, for
//! forms that take a pasted file (a CODEOWNERS file) and should take an uploaded one too.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// `<input type="file">` with a label; `on_text` gets the file's text once it is read. The
/// text goes where the caller puts it (a textarea), so it is shown as text, never as HTML.
#[component]
pub fn TextFileInput(
    /// The input's `id`.
    id: &'static str,
    /// What the label says.
    label: &'static str,
    /// Called with the chosen file's contents.
    on_text: Callback<String>,
) -> impl IntoView {
    let error = RwSignal::new(None::<&'static str>);
    let on_change = move |ev: web_sys::Event| {
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let Some(file) = input.and_then(|input| input.files()).and_then(|files| files.get(0))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            match JsFuture::from(file.text()).await.ok().and_then(|text| text.as_string()) {
                Some(text) => {
                    error.set(None);
                    on_text.run(text);
                }
                None => error.set(Some("The file could not be read as text.")),
            }
        });
    };
    view! {
        <label class="field">
            <span class="label">{label}</span>
            <input type="file" id=id on:change=on_change/>
        </label>
        {move || error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
    }
}
