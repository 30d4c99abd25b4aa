//! Sync screen: sign in, Sync now, status and first-sync progress, the conflict log,
//! and the demo data set.

use crm_core::{change::Entity, sync::Phase};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use super::customers::LoadDemoButton;
use crate::{
    components::field::TextField,
    hooks::{
        use_conflicts::{dismiss, restore, use_conflicts},
        use_store::use_store,
        use_sync::{sign_in, sign_out, sync_now, use_sync},
    },
    i18n::{use_texts, Texts},
    storage::records::ConflictEntry,
    sync::http::LoginError,
};

#[component]
pub fn SyncPage() -> impl IntoView {
    let t = use_texts();
    let sync = use_sync();
    view! {
        <h1>{move || t.get().sync}</h1>
        <p>{move || t.get().sync_intro}</p>
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">{move || t.get().sync_account}</h2>
            <Show when=move || sync.session.get().is_some() fallback=SignInForm>
                <SyncStatus />
            </Show>
        </section>
        <Conflicts />
        <StorageSection />
        <section class="card" aria-labelledby="demo-heading">
            <h2 id="demo-heading">{move || t.get().demo_data}</h2>
            <p class="muted">{move || t.get().demo_hint}</p>
            <LoadDemoButton />
        </section>
    }
}

fn default_server() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

#[component]
fn SignInForm() -> impl IntoView {
    let t = use_texts();
    let sync = use_sync();
    let server = RwSignal::new(default_server());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = sign_in(
                sync,
                server.get_untracked(),
                email.get_untracked(),
                password.get_untracked(),
            )
            .await;
            if let Err(e) = result {
                let t = t.get_untracked();
                error.set(Some(match e {
                    LoginError::Credentials => t.bad_credentials.to_string(),
                    LoginError::Unreachable(why) => format!("{}: {why}", t.server_unreachable),
                }));
            }
            busy.set(false);
        });
    };
    view! {
        <p class="muted">{move || t.get().sign_in_hint}</p>
        <form novalidate on:submit=on_submit>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
            <div class="form-grid">
                <TextField id="s-server" label=Signal::derive(move || t.get().server) value=server error=Signal::derive(|| None::<String>) input_type="url" />
                <TextField id="s-email" label=Signal::derive(move || t.get().email) value=email error=Signal::derive(|| None::<String>) input_mode="email" />
                <TextField id="s-password" label=Signal::derive(move || t.get().password) value=password error=Signal::derive(|| None::<String>) input_type="password" />
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { t.get().signing_in } else { t.get().sign_in }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn SyncStatus() -> impl IntoView {
    let t = use_texts();
    let sync = use_sync();
    let who = move || {
        sync.session.get().map(|s| {
            format!(
                "{} {} ({}, {}) — {}",
                t.get().signed_in_as,
                s.user.name,
                s.user.org,
                s.user.role.as_str(),
                s.server
            )
        })
    };
    let busy = move || matches!(sync.phase.get(), Phase::Pushing | Phase::Pulling);
    view! {
        <p>{who}</p>
        <div class="toolbar">
            <button type="button" class="primary" on:click=move |_| sync_now()>{move || t.get().sync_now}</button>
            <button type="button" on:click=move |_| spawn_local(sign_out(sync))>{move || t.get().sign_out}</button>
        </div>
        <Show when=busy>
            <p>{move || t.get().syncing}</p>
        </Show>
        {move || sync.pulled.get().map(|n| view! {
            <p>{format!("{}: {n} {}", t.get().receiving, t.get().changes_received)}</p>
            <progress aria-label=t.get().receiving></progress>
        })}
        {move || sync.error.get().map(|e| view! { <p class="banner error" role="alert">{format!("{}: {e}", t.get().sync_failed)}</p> })}
    }
}

#[component]
fn Conflicts() -> impl IntoView {
    let t = use_texts();
    let ctx = use_store();
    let rows = use_conflicts();
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    };
    view! {
        <section class="card" aria-labelledby="conflicts-heading">
            <h2 id="conflicts-heading">{move || t.get().conflicts}</h2>
            <p class="muted">{move || t.get().conflicts_hint}</p>
            {move || match rows.get().flatten() {
                Some(Ok(list)) if list.is_empty() => view! { <p>{t.get().no_conflicts}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain" aria-label=t.get().conflicts>
                        {list.into_iter().map(|(key, c)| {
                            let t = t.get();
                            let label = conflict_label(t, &c);
                            let restore_label = format!("{} {} {}", t.restore, label, c.field);
                            let title = match conflict_link(c.entity, &c.id) {
                                Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                                None => view! { <span>{label}</span> }.into_any(),
                            };
                            let restorable = c.restorable();
                            view! {
                                <li class="card">
                                    {title}
                                    " · " {t.field} ": " <strong>{c.field.clone()}</strong>
                                    <div>{t.your_value} ": " {show(&c.lost_value)}</div>
                                    <div>{t.kept_value} ": " {show(&c.winner_value)}</div>
                                    {(!restorable).then(|| view! { <p class="muted">{t.not_restorable}</p> })}
                                    <div class="toolbar">
                                        {restorable.then(|| view! {
                                            <button type="button" aria-label=restore_label on:click=move |_| { spawn_local(async move { let _ = restore(ctx, key).await; }); }>{t.restore}</button>
                                        })}
                                        <button type="button" on:click=move |_| { spawn_local(async move { let _ = dismiss(ctx, key).await; }); }>{t.dismiss}</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Some(Err(e)) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
                None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
            }}
        </section>
    }
}

/// Where a conflict's record is shown: a customer's page, or the screen listing records
/// of its kind (`None` for an interaction: its customer may have changed in the merge).
fn conflict_link(entity: Entity, id: &str) -> Option<String> {
    Some(match entity {
        Entity::Customer => format!("/customers/{id}"),
        Entity::Deal => "/deals".into(),
        Entity::Ticket => "/tickets".into(),
        Entity::Campaign => "/campaigns".into(),
        Entity::Segment => "/segments".into(),
        Entity::Setting => "/settings".into(),
        Entity::Reminder => "/follow-ups".into(),
        Entity::Interaction => return None,
    })
}

/// The entry's record name, or what kind of record it is when it has none.
fn conflict_label(t: &Texts, c: &ConflictEntry) -> String {
    if !c.label.is_empty() {
        return c.label.clone();
    }
    match c.entity {
        Entity::Customer => t.customers,
        Entity::Interaction => t.an_interaction,
        Entity::Segment => t.segments,
        Entity::Deal => t.deals,
        Entity::Ticket => t.tickets,
        Entity::Campaign => t.campaigns,
        Entity::Reminder => t.follow_ups,
        Entity::Setting => t.settings,
    }
    .to_string()
}

fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_048_576.0)
}

#[component]
fn StorageSection() -> impl IntoView {
    let t = use_texts();
    let info = crate::hooks::use_pwa::use_storage_info();
    view! {
        <section class="card" aria-labelledby="storage-heading">
            <h2 id="storage-heading">{move || t.get().storage_heading}</h2>
            {move || info.get().map(|i| {
                let t = t.get();
                view! {
                    <p>{t.persistent_storage} ": " {if i.persisted == Some(true) { t.granted } else { t.not_granted }}</p>
                    {i.usage_bytes.zip(i.quota_bytes).map(|(u, q)| view! { <p>{format!("{} {} {}", megabytes(u), t.used_of, megabytes(q))}</p> })}
                }
            })}
        </section>
    }
}
