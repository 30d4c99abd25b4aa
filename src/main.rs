//! Entry point of the browser app: mount [`crm_app::App`]; nothing else.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(crm_app::App);
}
