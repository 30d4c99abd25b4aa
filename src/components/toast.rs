//! The transient message bar with an optional Undo button.

use leptos::prelude::*;

/// Shows `message` (announced as an alert) and, when `can_undo`, an Undo button.
#[component]
pub fn ToastBar(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(into)] can_undo: Signal<bool>,
    #[prop(into)] undo_label: Signal<&'static str>,
    #[prop(into)] on_undo: Callback<()>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="toast" role="alert">
                <span>{move || message.get().unwrap_or_default()}</span>
                <Show when=move || can_undo.get()>
                    <button type="button" on:click=move |_| on_undo.run(())>{move || undo_label.get()}</button>
                </Show>
                <button type="button" aria-label="Close" on:click=move |_| on_close.run(())>"×"</button>
            </div>
        </Show>
    }
}
