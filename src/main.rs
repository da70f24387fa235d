//! Entry point of the dashboard's WebAssembly binary: Trunk loads it from `index.html`.

fn main() {
    // Panics otherwise end as an opaque "unreachable" in the browser console.
    console_error_panic_hook::set_once();
    cairn_dashboard::interned::intern_common_strings();
    leptos::mount::mount_to_body(cairn_dashboard::App);
}
