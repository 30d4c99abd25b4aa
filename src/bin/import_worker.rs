//! The import worker: reads, parses and validates an import file off the page's thread,
//! so a 100,000-row (~15 MB) CSV never freezes the UI, and writes the new customers from
//! its own IndexedDB connection (`Store::write_stamped`) once the page's sync engine has
//! stamped them: the engine, which owns the clock and the outbox order, stays on the
//! page; the cost of cloning 100,000 records into IndexedDB moves here.
//! Protocol: `crm_app::hooks::use_import::protocol`.

use std::{cell::RefCell, collections::HashMap, collections::HashSet, rc::Rc};

use chrono::NaiveDate;
use crm_app::{
    hooks::use_import::protocol::{
        frame, unframe, Analysis, DuplicateRow, ImportItem, Request, Response, RowStamp,
        LISTED_DUPLICATES, READY,
    },
    i18n::{import::row_error_text, Locale},
    storage::{
        bulk::{ImportChain, StampedCreate},
        Store,
    },
};
use crm_core::{
    change::field_diff,
    demo::{Demo, Size, DEMO_SEED},
    import::{
        bench::demo_csv,
        csv_import::{read_csv, CsvOptions, CsvTable},
        dedupe::DuplicateIndex,
        encoding::TextEncoding,
        export::{rejected_rows_csv, write_record, BOM},
        mapping::{guess_mapping, import_row, preview, ColumnMapping, PreviewRow},
        sniff_kind,
        vcard::{import_card, read_vcards, VcardCard},
        FileKind, ImportError, RowError, MAX_IMPORT_BYTES, PREVIEW_ROWS,
    },
    Clock, Customer,
};
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// The parsed file.
enum Parsed {
    Csv(CsvTable),
    Vcard(Vec<VcardCard>),
}

/// What the worker keeps between requests.
#[derive(Default)]
struct State {
    bytes: Vec<u8>,
    parsed: Option<Parsed>,
    encoding: Option<TextEncoding>,
    existing: Vec<Customer>,
    today: Option<NaiveDate>,
    now_ms: i64,
    rejected: Vec<RowError>,
    valid: Vec<Valid>,
    /// The app's database, opened on the first write.
    store: Option<Store>,
}

/// A valid row kept between the analysis and the writes.
struct Valid {
    line: u64,
    customer: Customer,
    duplicate_of: Option<Uuid>,
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(State::default()));
    let reply_scope = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let data = js_sys::Array::from(&ev.data());
            let text = data.get(0).as_string().unwrap_or_default();
            let file = data.get(1).dyn_into::<web_sys::Blob>().ok();
            let state = state.clone();
            let scope = reply_scope.clone();
            spawn_local(async move {
                let Some((id, body)) = unframe(&text) else {
                    return;
                };
                let response = match serde_json::from_str::<Request>(body) {
                    Ok(request) => handle(&state, request, file).await,
                    Err(e) => Response::Failed {
                        message: e.to_string(),
                    },
                };
                let json = serde_json::to_string(&response)
                    .unwrap_or_else(|e| format!("{{\"answer\":\"failed\",\"message\":\"{e}\"}}"));
                let message = js_sys::Array::of1(&JsValue::from_str(&frame(id, &json)));
                let _ = scope.post_message(&message);
            });
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(READY));
}

async fn handle(
    state: &Rc<RefCell<State>>,
    request: Request,
    file: Option<web_sys::Blob>,
) -> Response {
    match request {
        Request::Open {
            encoding,
            delimiter,
            remembered,
            existing,
            today,
            now_ms,
        } => {
            if let Some(file) = file {
                if file.size() as u64 > MAX_IMPORT_BYTES {
                    return Response::Refused {
                        error: ImportError::TooLarge {
                            size: file.size() as u64,
                            max: MAX_IMPORT_BYTES,
                        },
                    };
                }
                match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => {
                        state.borrow_mut().bytes = js_sys::Uint8Array::new(&buffer).to_vec()
                    }
                    Err(e) => {
                        return Response::Failed {
                            message: format!("{e:?}"),
                        }
                    }
                }
            }
            let mut state = state.borrow_mut();
            state.existing = existing;
            state.today = Some(today);
            state.now_ms = now_ms;
            state.encoding = encoding;
            let parsed = match sniff_kind(&state.bytes) {
                FileKind::Csv => {
                    let options = CsvOptions {
                        encoding,
                        delimiter,
                        max_bytes: MAX_IMPORT_BYTES,
                    };
                    read_csv(&state.bytes, &options).map(Parsed::Csv)
                }
                FileKind::Vcard => {
                    read_vcards(&state.bytes, encoding, MAX_IMPORT_BYTES).map(Parsed::Vcard)
                }
            };
            match parsed {
                Ok(parsed) => {
                    let mapping = match &parsed {
                        Parsed::Csv(table) => {
                            Some(guess_mapping(&table.headers, remembered.as_ref()))
                        }
                        Parsed::Vcard(_) => None,
                    };
                    state.parsed = Some(parsed);
                    analyse(&mut state, mapping)
                }
                Err(error) => {
                    state.parsed = None;
                    Response::Refused { error }
                }
            }
        }
        Request::Analyse { mapping } => analyse(&mut state.borrow_mut(), Some(mapping)),
        Request::Items { start, len } => items(&state.borrow(), start, len),
        Request::Write {
            db,
            import,
            chunk,
            rows,
            clock,
            now_ms,
        } => {
            let chain = ImportChain {
                import: &import,
                chunk,
            };
            write(state, db, rows, clock, now_ms, chain).await
        }
        Request::DemoCsv { rows, today } => {
            let demo = Demo::new(Size::L, DEMO_SEED, today);
            Response::Csv {
                text: demo_csv(&demo, rows.min(Size::L.customers())),
            }
        }
        Request::RejectedCsv { locale } => {
            let state = state.borrow();
            let locale = Locale::from_tag(&locale);
            let message = |e: &RowError| row_error_text(locale, e);
            let text = match &state.parsed {
                Some(Parsed::Csv(table)) => rejected_rows_csv(table, &state.rejected, message),
                _ => {
                    let mut out = String::from(BOM);
                    write_record(&mut out, &["Line", "Error"]);
                    for e in &state.rejected {
                        write_record(&mut out, &[e.line.to_string(), message(e)]);
                    }
                    out
                }
            };
            Response::Csv { text }
        }
    }
}

/// Valid rows `start..start + len` with the fields the page's engine will stamp.
fn items(state: &State, start: usize, len: usize) -> Response {
    let end = (start + len).min(state.valid.len());
    let items = state.valid[start.min(end)..end]
        .iter()
        .map(|v| ImportItem {
            line: v.line,
            id: v.customer.id,
            fields: field_diff(None, &v.customer),
            duplicate_of: v.duplicate_of,
            customer: v.duplicate_of.map(|_| v.customer.clone()),
        })
        .collect();
    Response::Items { items }
}

/// A row to write: the customer, its stamped fields, its stamp.
type Prepared = (Customer, Vec<(String, serde_json::Value)>, RowStamp);

/// Writes stamped rows from this worker's own connection to the app's database
/// (`Store::write_stamped`), opening it on first use.
async fn write(
    state: &Rc<RefCell<State>>,
    db: String,
    rows: Vec<RowStamp>,
    clock: Clock,
    now_ms: u64,
    chain: ImportChain<'_>,
) -> Response {
    let store = state.borrow().store.clone();
    let store = match store {
        Some(store) => store,
        None => match Store::open(&db, || {}).await {
            Ok(store) => {
                state.borrow_mut().store = Some(store.clone());
                store
            }
            Err(e) => {
                return Response::Failed {
                    message: e.to_string(),
                }
            }
        },
    };
    let prepared: Vec<Prepared> = {
        let state = state.borrow();
        rows.iter()
            .filter_map(|r| {
                let v = state.valid.get(r.index)?;
                Some((v.customer.clone(), field_diff(None, &v.customer), *r))
            })
            .collect()
    };
    let stamped: Vec<StampedCreate<'_>> = prepared
        .iter()
        .map(|(customer, fields, r)| StampedCreate {
            customer,
            fields,
            hlc: r.hlc,
            first_seq: r.first_seq,
        })
        .collect();
    match store
        .write_stamped(&stamped, &clock, now_ms, Some(chain))
        .await
    {
        Ok(created) => Response::Written { created },
        Err(e) => Response::Failed {
            message: e.to_string(),
        },
    }
}

/// Validates every row under `mapping`, assigns ids to the valid ones and marks those
/// that match an existing customer or an earlier row.
fn analyse(state: &mut State, mapping: Option<ColumnMapping>) -> Response {
    let Some(today) = state.today else {
        return Response::Failed {
            message: "no file".into(),
        };
    };
    let now_ms = state.now_ms;
    let mut index = DuplicateIndex::new(&state.existing);
    let existing_ids: HashSet<Uuid> = state.existing.iter().map(|c| c.id).collect();
    let mut names: HashMap<Uuid, String> = state
        .existing
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    let mut duplicates = Vec::new();
    let mut duplicate_count = 0;
    let mut take = |line: u64, result: Result<Customer, RowError>| match result {
        Ok(customer) => {
            let found = index.matches(&customer);
            let duplicate_of = found.first().map(|m| m.id);
            if let Some(m) = found.into_iter().next() {
                duplicate_count += 1;
                if duplicates.len() < LISTED_DUPLICATES {
                    duplicates.push(DuplicateRow {
                        line,
                        name: customer.name.clone(),
                        target: m.id,
                        target_name: names.get(&m.id).cloned().unwrap_or_default(),
                        reasons: m.reasons,
                        in_file: !existing_ids.contains(&m.id),
                    });
                }
            }
            index.insert(&customer);
            names.insert(customer.id, customer.name.clone());
            valid.push(Valid {
                line,
                customer,
                duplicate_of,
            });
        }
        Err(e) => rejected.push(e),
    };
    let base = |id: Uuid| Customer::new(id, "", now_ms);
    let Some(parsed) = &state.parsed else {
        return Response::Failed {
            message: "no file".into(),
        };
    };
    let analysis = match parsed {
        Parsed::Csv(table) => {
            let mapping = mapping.unwrap_or_default();
            let problems = mapping.problems();
            let rows: Vec<PreviewRow> = preview(table, &mapping, today);
            if problems.is_empty() {
                for row in &table.rows {
                    take(
                        row.line,
                        import_row(&mapping, row, &base(Uuid::now_v7()), today),
                    );
                }
            }
            Analysis {
                kind: FileKind::Csv,
                encoding: table.encoding,
                had_decode_errors: table.had_decode_errors,
                delimiter: Some(table.delimiter),
                headers: table.headers.clone(),
                mapping: Some(mapping),
                mapping_problems: problems,
                preview: rows,
                total: table.rows.len(),
                valid: 0,
                rejected: Vec::new(),
                duplicates: Vec::new(),
                duplicate_count: 0,
            }
        }
        Parsed::Vcard(cards) => {
            let mut rows = Vec::new();
            for card in cards {
                let result = import_card(card, &base(Uuid::now_v7()), today);
                if rows.len() < PREVIEW_ROWS {
                    let cells = match &card.draft {
                        Ok(d) => vec![
                            d.draft.name.clone(),
                            d.draft.company.clone(),
                            d.draft.email.clone(),
                            d.draft.phone.clone(),
                        ],
                        Err(_) => vec![String::new(); 4],
                    };
                    rows.push(PreviewRow {
                        line: card.line,
                        cells,
                        problems: result
                            .as_ref()
                            .err()
                            .map(|e| e.problems.clone())
                            .unwrap_or_default(),
                    });
                }
                take(card.line, result);
            }
            Analysis {
                kind: FileKind::Vcard,
                encoding: state.encoding.unwrap_or(TextEncoding::Utf8),
                had_decode_errors: false,
                delimiter: None,
                headers: Vec::new(),
                mapping: None,
                mapping_problems: Vec::new(),
                preview: rows,
                total: cards.len(),
                valid: 0,
                rejected: Vec::new(),
                duplicates: Vec::new(),
                duplicate_count: 0,
            }
        }
    };
    let analysis = Analysis {
        valid: valid.len(),
        rejected: rejected.clone(),
        duplicates,
        duplicate_count,
        ..analysis
    };
    state.valid = valid;
    state.rejected = rejected;
    Response::Analysed(Box::new(analysis))
}
