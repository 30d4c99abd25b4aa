//! The browser app: a thin Leptos shell over `crm-core`.
//!
//! `storage` is the only module that touches IndexedDB; `hooks` the only UI code that
//! calls `storage`; `routes` (one screen per file) and `components` render signals and
//! raise callbacks.

pub mod components;
pub mod format;
pub mod hooks;
pub mod i18n;
pub mod routes;
pub mod segments;
pub mod storage;
pub mod sync;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{Redirect, Route, Router, Routes},
    path,
};

use components::{
    header::{Header, SyncBadge},
    toast::ToastBar,
};
use hooks::{
    use_customer::set_deleted,
    use_online::use_online,
    use_store::{provide_store, use_query, use_store, StoreStatus},
    use_sync::{provide_sync, set_online, use_sync},
    use_toast::{provide_toast, use_toast, Toast, UndoAction},
};
use i18n::{use_texts, Locale, LocaleCtx};
use routes::{
    customer_form::{EditCustomerPage, NewCustomerPage},
    customer_page::CustomerPage,
    customers::CustomersPage,
    dashboard::DashboardPage,
    follow_ups::FollowUpsPage,
    placeholders::NotFoundPage,
    segment_settings::SegmentSettingsPage,
    segments::SegmentsPage,
    sync::SyncPage,
};

const LOCALE_KEY: &str = "crm.locale";

/// Wall-clock ms → local `HH:MM` (today) or `YYYY-MM-DD HH:MM`.
fn format_time(ms: f64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(ms as i64).single() {
        Some(at) if at.date_naive() == chrono::Local::now().date_naive() => {
            at.format("%H:%M").to_string()
        }
        Some(at) => at.format("%Y-%m-%d %H:%M").to_string(),
        None => String::new(),
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The whole app: context, header, routes and the toast.
#[component]
pub fn App() -> impl IntoView {
    let saved = local_storage().and_then(|s| s.get_item(LOCALE_KEY).ok().flatten());
    let locale = RwSignal::new(saved.map(|tag| Locale::from_tag(&tag)).unwrap_or_default());
    provide_context(LocaleCtx(locale));
    Effect::new(move |_| {
        let tag = locale.get().tag();
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(LOCALE_KEY, tag);
        }
        if let Some(html) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = html.set_attribute("lang", tag);
        }
    });
    provide_store();
    provide_toast();
    provide_sync();
    hooks::use_segments::provide_segments();
    let sync = use_sync();

    let t = use_texts();
    let online = use_online();
    Effect::new(move |_| set_online(online.get()));
    let pending = use_query(
        || (),
        |store, ()| async move { store.pending_count().await },
    );
    let pending = Signal::derive(move || pending.get().flatten().and_then(Result::ok).unwrap_or(0));

    view! {
        <Router>
            <Header>
                <SyncBadge online=online pending=pending last_sync=Signal::derive(move || sync.last_sync.get().map(format_time)) />
            </Header>
            <StoreBanner />
            <UpdateBanner />
            <Show when=move || !online.get()>
                <p class="banner">{move || t.get().offline_note}</p>
            </Show>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=|| view! { <Redirect path="/customers" /> } />
                    <Route path=path!("/customers") view=CustomersPage />
                    <Route path=path!("/customers/new") view=NewCustomerPage />
                    <Route path=path!("/customers/:id") view=CustomerPage />
                    <Route path=path!("/customers/:id/edit") view=EditCustomerPage />
                    <Route path=path!("/duplicates") view=routes::duplicates::DuplicatesPage />
                    <Route path=path!("/follow-ups") view=FollowUpsPage />
                    <Route path=path!("/segments") view=SegmentsPage />
                    <Route path=path!("/segments/settings") view=SegmentSettingsPage />
                    <Route path=path!("/dashboard") view=DashboardPage />
                    <Route path=path!("/sync") view=SyncPage />
                    <Route path=path!("/companies") view=routes::companies::CompaniesPage />
                    <Route path=path!("/deals") view=routes::deals::DealsPage />
                    <Route path=path!("/tickets") view=routes::tickets::TicketsPage />
                    <Route path=path!("/campaigns") view=routes::campaigns::CampaignsPage />
                    <Route path=path!("/settings") view=routes::settings::SettingsPage />
                </Routes>
            </main>
            <AppToast />
        </Router>
    }
}

/// A visible message when the database cannot be opened (blocked upgrade, no storage)
/// or is being upgraded.
#[component]
fn StoreBanner() -> impl IntoView {
    let ctx = use_store();
    let t = use_texts();
    move || match ctx.status.get() {
        StoreStatus::Blocked => Some(
            view! { <p class="banner error" role="alert">{t.get().storage_blocked}</p> }.into_any(),
        ),
        StoreStatus::Failed(e) => {
            Some(view! { <p class="banner error" role="alert">{e}</p> }.into_any())
        }
        StoreStatus::Upgrading => Some(
            view! { <p class="banner" role="status">{t.get().storage_upgrading}</p> }.into_any(),
        ),
        _ => None,
    }
}

/// "New version available — Reload" when the service worker has a new build waiting.
#[component]
fn UpdateBanner() -> impl IntoView {
    let ready = hooks::use_pwa::use_update_ready();
    let t = use_texts();
    view! {
        <Show when=move || ready.get()>
            <div class="banner" aria-live="polite">
                {move || t.get().new_version} " — "
                <button type="button" class="primary" on:click=move |_| hooks::use_pwa::activate_update()>{move || t.get().reload}</button>
            </div>
        </Show>
    }
}

/// The toast bar wired to the undo actions.
#[component]
fn AppToast() -> impl IntoView {
    let toast = use_toast();
    let ctx = use_store();
    let t = use_texts();
    let on_undo = move |_| {
        let Some(Toast {
            undo: Some(action), ..
        }) = toast.get_untracked()
        else {
            return;
        };
        match action {
            UndoAction::RestoreCustomer(id) => spawn_local(async move {
                let message = match set_deleted(ctx, id, false).await {
                    Ok(_) => t.get_untracked().customer_restored.to_string(),
                    Err(e) => e.to_string(),
                };
                toast.set(Some(Toast {
                    message,
                    undo: None,
                }));
            }),
            UndoAction::Run(revert) => {
                toast.set(None);
                revert.run(());
            }
        }
    };
    view! {
        <ToastBar
            message=Signal::derive(move || toast.get().map(|t| t.message))
            can_undo=Signal::derive(move || toast.get().is_some_and(|t| t.undo.is_some()))
            undo_label=Signal::derive(move || t.get().undo)
            on_undo=on_undo
            on_close=move |_| toast.set(None)
        />
    }
}
