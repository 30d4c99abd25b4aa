//! Import and export on the Customers screen: the Import file input (and drag-and-drop
//! anywhere on the screen), the mapping step with preview, validation and duplicate
//! choices, the progress bar with Cancel, the summary with the rejected rows, the
//! Export button, and the Backup / Restore controls. Storage work is in
//! `hooks::use_import`.

use crm_core::import::{
    dedupe::DuplicateAction,
    encoding::{Delimiter, TextEncoding},
    mapping::ImportField,
    FileKind, RowError,
};
use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use crate::{
    hooks::{
        use_import::{self, export_customers, use_import, ImportIssue, ImportPhase, UseImport},
        use_store::use_store,
    },
    i18n::{
        import::{self as texts, use_import_texts},
        use_locale, use_texts, Locale,
    },
};

/// How many rejected rows are listed on screen (all are in the download).
const LISTED_REJECTED: usize = 200;

fn first_file(input: &web_sys::HtmlInputElement) -> Option<web_sys::File> {
    input.files().and_then(|files| files.get(0))
}

fn dragged_files(ev: &web_sys::DragEvent) -> bool {
    ev.data_transfer().is_some_and(|dt| {
        dt.types()
            .iter()
            .any(|t| t.as_string().as_deref() == Some("Files"))
    })
}

/// The Customers toolbar's Import file input, Export button and Duplicates link, plus
/// the import flow that opens below them. `query` is the list's search text: Export
/// writes exactly the customers the list shows (all when blank).
#[component]
pub fn ImportExport(#[prop(into)] query: Signal<String>) -> impl IntoView {
    let t = use_import_texts();
    let locale = use_locale();
    let ctx = use_store();
    let flow = use_import(ctx);
    let exported = RwSignal::new(None::<Result<usize, String>>);

    // Drag-and-drop anywhere on the screen.
    let over = window_event_listener(ev::dragover, move |ev| {
        if dragged_files(&ev) {
            ev.prevent_default();
        }
    });
    let drop = window_event_listener(ev::drop, move |ev| {
        if !dragged_files(&ev) {
            return;
        }
        ev.prevent_default();
        if let Some(file) = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|f| f.get(0))
        {
            flow.open(file);
        }
    });
    on_cleanup(move || {
        over.remove();
        drop.remove();
    });

    let on_file = move |ev: ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = first_file(&input) {
            flow.open(file);
        }
        // Choosing the same file again must fire `change` again.
        input.set_value("");
    };
    let on_export = move |_| {
        let query = query.get_untracked();
        let locale = locale.get_untracked();
        spawn_local(async move {
            let result = export_customers(query, locale)
                .await
                .map_err(|e| e.to_string());
            exported.set(Some(result));
        });
    };
    let busy = move || {
        matches!(
            flow.phase.get(),
            ImportPhase::Reading | ImportPhase::Importing
        )
    };

    view! {
        <label class="button" style="width:auto">
            {move || t.get().import_file}
            <input
                type="file"
                accept=".csv,.txt,.tsv,.vcf,text/csv,text/vcard,text/plain"
                aria-describedby="import-hint"
                style="width:auto;margin-left:8px"
                disabled=busy
                on:change=on_file
            />
        </label>
        <button type="button" on:click=on_export title=move || t.get().export_hint>{move || t.get().export}</button>
        <a href="/duplicates">{move || t.get().duplicates}</a>
        <p id="import-hint" class="muted" style="flex-basis:100%;margin:0">{move || t.get().drop_hint}</p>
        <FileAlerts flow=flow />
        {move || exported.get().map(|r| match r {
            Ok(n) => view! { <p role="status" style="flex-basis:100%;margin:0">{format!("{n} {}", t.get().exported)}</p> }.into_any(),
            Err(e) => view! { <p role="alert" class="banner error" style="flex-basis:100%">{e}</p> }.into_any(),
        })}
        <Show when=move || flow.phase.get() != ImportPhase::Idle>
            <ImportPanel flow=flow />
        </Show>
    }
}

/// File-level problems, next to the file input: a refused file, or (for vCards) the
/// cards that cannot be imported, each with its line.
#[component]
fn FileAlerts(flow: UseImport) -> impl IntoView {
    let locale = use_locale();
    let message = move || {
        let locale = locale.get();
        if let Some(issue) = flow.issue.get() {
            return Some(match issue {
                ImportIssue::File(e) => texts::import_error(locale, &e),
                ImportIssue::Other(e) => e,
            });
        }
        flow.analysis.with(|a| {
            let a = a.as_ref().filter(|a| a.kind == FileKind::Vcard)?;
            (!a.rejected.is_empty()).then(|| {
                a.rejected
                    .iter()
                    .take(10)
                    .map(|e| line_text(locale, e))
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
        })
    };
    view! {
        {move || message().map(|m| view! {
            <p role="alert" class="banner error" style="flex-basis:100%;margin:0">{m}</p>
        })}
    }
}

fn line_text(locale: Locale, e: &RowError) -> String {
    format!(
        "{} {}: {}",
        locale.import_texts().line,
        e.line,
        texts::row_error_text(locale, e)
    )
}

/// The import flow below the toolbar: mapping step, progress, summary.
#[component]
fn ImportPanel(flow: UseImport) -> impl IntoView {
    let t = use_import_texts();
    view! {
        <section aria-labelledby="import-heading" style="flex-basis:100%;border:1px solid var(--border);border-radius:8px;padding:12px 16px;background:var(--surface)">
            <h2 id="import-heading" style="margin-top:0">{move || format!("{} — {}", t.get().title, flow.file_name.get())}</h2>
            {move || match flow.phase.get() {
                ImportPhase::Idle => ().into_any(),
                ImportPhase::Reading if flow.analysis.with(Option::is_none) => {
                    view! { <p role="status">{t.get().reading}</p> }.into_any()
                }
                ImportPhase::Reading | ImportPhase::Ready => view! { <MappingStep flow=flow /> }.into_any(),
                ImportPhase::Importing => view! { <Progress flow=flow /> }.into_any(),
                ImportPhase::Done => view! { <Summary flow=flow /> }.into_any(),
            }}
        </section>
    }
}

fn encoding_value(e: TextEncoding) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn delimiter_value(d: Delimiter) -> String {
    serde_json::to_value(d)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn field_value(f: ImportField) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse_enum<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(value.to_string())).ok()
}

const ACTIONS: [DuplicateAction; 3] = [
    DuplicateAction::Skip,
    DuplicateAction::UpdateEmptyFields,
    DuplicateAction::CreateAnyway,
];

fn action_value(a: DuplicateAction) -> &'static str {
    match a {
        DuplicateAction::Skip => "skip",
        DuplicateAction::UpdateEmptyFields => "update_empty_fields",
        DuplicateAction::CreateAnyway => "create_anyway",
    }
}

fn parse_action(value: &str) -> DuplicateAction {
    ACTIONS
        .into_iter()
        .find(|a| action_value(*a) == value)
        .unwrap_or_default()
}

/// Encoding and delimiter, the column mapping, the preview, the verdict and the
/// duplicate choices, ending in Start import.
#[component]
fn MappingStep(flow: UseImport) -> impl IntoView {
    let t = use_import_texts();
    let shared = use_texts();
    let locale = use_locale();
    let analysis = move || flow.analysis.get();
    let is_csv = move || {
        flow.analysis
            .with(|a| a.as_ref().is_some_and(|a| a.kind == FileKind::Csv))
    };
    let busy = move || flow.phase.get() == ImportPhase::Reading;

    let encoding_select = move || {
        let a = analysis()?;
        let current = encoding_value(a.encoding);
        Some(view! {
            <div class="field">
                <label for="import-encoding">{t.get().encoding}</label>
                <select id="import-encoding" on:change=move |ev| {
                    flow.encoding.set(parse_enum(&event_target_value(&ev)));
                    flow.reread();
                }>
                    {TextEncoding::ALL.into_iter().map(|e| {
                        let value = encoding_value(e);
                        let selected = value == current;
                        view! { <option value=value selected=selected>{e.label()}</option> }
                    }).collect_view()}
                </select>
            </div>
        })
    };
    let delimiter_select = move || {
        let a = analysis()?;
        let current = a.delimiter.map(delimiter_value)?;
        let locale = locale.get();
        Some(view! {
            <div class="field">
                <label for="import-delimiter">{t.get().delimiter}</label>
                <select id="import-delimiter" on:change=move |ev| {
                    flow.delimiter.set(parse_enum(&event_target_value(&ev)));
                    flow.reread();
                }>
                    {Delimiter::ALL.into_iter().map(|d| {
                        let value = delimiter_value(d);
                        let selected = value == current;
                        view! { <option value=value selected=selected>{texts::delimiter(locale, d)}</option> }
                    }).collect_view()}
                </select>
            </div>
        })
    };

    let mapping_table = move || {
        let a = analysis()?;
        let mapping = a.mapping?;
        let locale = locale.get();
        let tt = t.get();
        Some(view! {
            <table class="import-mapping">
                <caption style="text-align:left;font-weight:600">{tt.columns}</caption>
                <thead><tr><th scope="col">{tt.column}</th><th scope="col">{tt.imports_into}</th></tr></thead>
                <tbody>
                    {mapping.columns.into_iter().enumerate().map(|(i, column)| {
                        let current = column.field.map(field_value).unwrap_or_default();
                        let label = format!("{} {}", tt.imports_into, column.header);
                        view! {
                            <tr>
                                <th scope="row">{column.header.clone()}</th>
                                <td>
                                    <select aria-label=label on:change=move |ev| {
                                        flow.set_mapping(i, parse_enum(&event_target_value(&ev)));
                                    }>
                                        <option value="" selected=current.is_empty()>{tt.dont_import}</option>
                                        {ImportField::ALL.into_iter().map(|f| {
                                            let value = field_value(f);
                                            let selected = value == current;
                                            view! { <option value=value selected=selected>{texts::import_field(locale, f)}</option> }
                                        }).collect_view()}
                                    </select>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })
    };

    let preview_table = move || {
        let a = analysis()?;
        let locale = locale.get();
        let tt = t.get();
        let st = shared.get();
        let headers: Vec<String> = match a.kind {
            FileKind::Csv => a.headers.clone(),
            FileKind::Vcard => vec![
                st.name.into(),
                st.company.into(),
                st.email.into(),
                st.phone.into(),
            ],
        };
        Some(view! {
            <div style="overflow-x:auto">
                <table class="import-preview">
                    <caption style="text-align:left;font-weight:600">{tt.preview}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{tt.line}</th>
                            {headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}
                            <th scope="col">{tt.problems}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {a.preview.into_iter().map(|row| {
                            let problems = if row.problems.is_empty() {
                                tt.ok.to_string()
                            } else {
                                row.problems.iter().map(|p| texts::row_problem(locale, p)).collect::<Vec<_>>().join("; ")
                            };
                            view! {
                                <tr>
                                    <td>{row.line}</td>
                                    {row.cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}
                                    <td>{problems}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })
    };

    let verdict = move || {
        let a = analysis()?;
        let locale = locale.get();
        let tt = t.get();
        let problems: Vec<String> = a
            .mapping_problems
            .iter()
            .map(|p| texts::mapping_problem(locale, p))
            .collect();
        let more = a.rejected.len().saturating_sub(LISTED_REJECTED);
        Some(view! {
            {(!problems.is_empty()).then(|| view! {
                <p role="alert" class="banner error">{problems.join(" ")}</p>
            })}
            <p aria-live="polite">
                {format!("{} {} · {} {} · {} {}", a.total, tt.rows_in_file, a.valid, tt.rows_ready, a.rejected.len(), tt.rejected)}
            </p>
            {(!a.rejected.is_empty()).then(|| view! {
                <h3 style="font-size:1rem">{tt.rows_with_problems}</h3>
                <ul aria-label=tt.rows_with_problems>
                    {a.rejected.iter().take(LISTED_REJECTED).map(|e| view! { <li>{line_text(locale, e)}</li> }).collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p class="muted">{format!("+{more} {}", tt.and_more)}</p> })}
            })}
        })
    };

    let duplicates = move || {
        let a = analysis()?;
        if a.duplicate_count == 0 {
            return None;
        }
        let locale = locale.get();
        let tt = t.get();
        let default = flow.default_action.get();
        Some(view! {
            <h3 style="font-size:1rem">{format!("{} {}", a.duplicate_count, tt.duplicates_found)}</h3>
            <div class="field" style="max-width:320px">
                <label for="import-duplicate-default">{tt.duplicate_default}</label>
                <select id="import-duplicate-default" on:change=move |ev| {
                    flow.default_action.set(parse_action(&event_target_value(&ev)));
                    flow.row_actions.set(Default::default());
                }>
                    {ACTIONS.into_iter().map(|action| view! {
                        <option value=action_value(action) selected=action == default>{texts::duplicate_action(locale, action)}</option>
                    }).collect_view()}
                </select>
            </div>
            <ul aria-label=tt.duplicates_found>
                {a.duplicates.into_iter().map(|d| {
                    let line = d.line;
                    let target = if d.in_file { tt.earlier_row.to_string() } else { d.target_name.clone() };
                    let reasons = d.reasons.iter().map(|r| texts::match_reason(locale, r)).collect::<Vec<_>>().join(", ");
                    let label = format!("{} {}: {}", tt.line, line, d.name);
                    view! {
                        <li>
                            {format!("{label} — {} {target} ({reasons}) ", tt.matches)}
                            <select aria-label=label on:change=move |ev| {
                                let action = parse_action(&event_target_value(&ev));
                                flow.row_actions.update(|m| { m.insert(line, action); });
                            }>
                                {ACTIONS.into_iter().map(|action| view! {
                                    <option value=action_value(action) selected=move || flow.action_for(line) == action>{texts::duplicate_action(locale, action)}</option>
                                }).collect_view()}
                            </select>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })
    };

    let can_start = move || {
        !busy()
            && flow.analysis.with(|a| {
                a.as_ref()
                    .is_some_and(|a| a.valid > 0 && a.mapping_problems.is_empty())
            })
    };

    view! {
        <Show when=is_csv>
            <div class="form-grid">
                {encoding_select}
                {delimiter_select}
            </div>
            {move || flow.analysis.with(|a| a.as_ref().is_some_and(|a| a.had_decode_errors)).then(|| view! {
                <p class="banner" role="alert">{t.get().decode_warning}</p>
            })}
            {mapping_table}
        </Show>
        {preview_table}
        {verdict}
        {duplicates}
        <div class="toolbar" style="margin-top:12px">
            <button type="button" class="primary" disabled=move || !can_start() on:click=move |_| flow.start()>{move || t.get().start_import}</button>
            <button type="button" on:click=move |_| flow.close()>{move || t.get().cancel}</button>
        </div>
    }
}

/// The progress bar and Cancel while chunks are written.
#[component]
fn Progress(flow: UseImport) -> impl IntoView {
    let t = use_import_texts();
    view! {
        <p>{move || {
            let (done, total) = flow.progress.get();
            format!("{} {done} {} {total}", t.get().importing, t.get().of)
        }}</p>
        <progress
            aria-label=move || t.get().import_progress
            max=move || flow.progress.get().1.max(1)
            value=move || flow.progress.get().0
        ></progress>
        <div class="toolbar" style="margin-top:12px">
            <button type="button" on:click=move |_| flow.cancel_import()>{move || t.get().cancel}</button>
        </div>
    }
}

/// "N imported", "M rejected", the rejected rows by line, and their download.
#[component]
fn Summary(flow: UseImport) -> impl IntoView {
    let t = use_import_texts();
    let locale = use_locale();
    move || {
        let summary = flow.summary.get()?;
        let tt = t.get();
        let locale = locale.get();
        let more = summary.rejected.len().saturating_sub(LISTED_REJECTED);
        Some(view! {
            <p role="status">
                <span>{format!("{} {}", summary.imported, tt.imported)}</span>
                " · "
                {(summary.updated > 0).then(|| view! { <span>{format!("{} {}", summary.updated, tt.updated)}</span>" · " })}
                {(summary.skipped > 0).then(|| view! { <span>{format!("{} {}", summary.skipped, tt.skipped)}</span>" · " })}
                <span>{format!("{} {}", summary.rejected.len(), tt.rejected)}</span>
            </p>
            {summary.cancelled.then(|| view! { <p class="banner" role="alert">{tt.cancelled}</p> })}
            {summary.error.clone().map(|e| view! { <p class="banner error" role="alert">{format!("{} {e}", tt.failed)}</p> })}
            {(!summary.rejected.is_empty()).then(|| view! {
                <h3 style="font-size:1rem">{tt.rejected_rows}</h3>
                <ul aria-label=tt.rejected_rows>
                    {summary.rejected.iter().take(LISTED_REJECTED).map(|e| view! { <li>{line_text(locale, e)}</li> }).collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p class="muted">{format!("+{more} {}", tt.and_more)}</p> })}
            })}
            <div class="toolbar" style="margin-top:12px">
                {(!summary.rejected.is_empty()).then(|| view! {
                    <button type="button" on:click=move |_| flow.download_rejected(locale)>{tt.download_rejected}</button>
                })}
                <button type="button" on:click=move |_| flow.close()>{tt.close}</button>
            </div>
        })
    }
}

/// Backup (download every record as JSON) and Restore (into an empty database only).
#[component]
pub fn BackupRestore() -> impl IntoView {
    let t = use_import_texts();
    let locale = use_locale();
    let ctx = use_store();
    let file = StoredValue::new_local(None::<web_sys::File>);
    let chosen = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<String, String>>);
    let working = RwSignal::new(false);
    let on_backup = move |_| {
        message.set(None);
        spawn_local(async move {
            if let Err(e) = use_import::backup().await {
                message.set(Some(Err(e.to_string())));
            }
        });
    };
    let on_file = move |ev: ev::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let f = input.as_ref().and_then(first_file);
        chosen.set(f.is_some());
        file.set_value(f);
        message.set(None);
    };
    let on_restore = move |_| {
        let Some(f) = file.get_value() else { return };
        working.set(true);
        spawn_local(async move {
            let locale = locale.get_untracked();
            let tt = locale.import_texts();
            let result = use_import::restore(ctx, f).await;
            message.set(Some(match result {
                Ok(r) => Ok(format!(
                    "{} {} {} · {} {}",
                    tt.restored,
                    r.customers,
                    locale.texts().customers_count,
                    r.interactions,
                    tt.interactions
                )),
                Err(e) => Err(bulk_error(locale, &e)),
            }));
            working.set(false);
        });
    };
    view! {
        <section aria-labelledby="backup-heading">
            <h2 id="backup-heading">{move || t.get().backup_title}</h2>
            <p class="muted">{move || t.get().backup_hint}</p>
            <div class="toolbar">
                <button type="button" on:click=on_backup>{move || t.get().backup}</button>
                <label class="button" style="width:auto">
                    {move || t.get().restore_file}
                    <input type="file" accept=".json,application/json" style="width:auto;margin-left:8px" on:change=on_file />
                </label>
                <button type="button" disabled=move || !chosen.get() || working.get() on:click=on_restore>{move || t.get().restore}</button>
            </div>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p role="alert" class="banner error">{text}</p> }.into_any(),
            })}
        </section>
    }
}

/// A bulk failure in the UI language.
pub fn bulk_error(locale: Locale, e: &crate::storage::bulk::BulkError) -> String {
    use crate::storage::bulk::BulkError;
    match e {
        BulkError::Store(e) => e.to_string(),
        BulkError::Backup(e) => texts::backup_error(locale, e),
        BulkError::BackupProblems(problems) => problems
            .iter()
            .take(5)
            .map(|p| texts::backup_problem(locale, p))
            .collect::<Vec<_>>()
            .join("; "),
        BulkError::Merge(e) => texts::merge_error(locale, e),
    }
}
