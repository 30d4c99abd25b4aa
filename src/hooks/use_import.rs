//! Import, export, backup/restore and duplicate merges for the screens.
//!
//! Parsing and validation run in a Web Worker (`src/bin/import_worker.rs`, built by trunk
//! as `/import_worker_loader.js`) so a 100,000-row file never blocks the page: the page
//! hands the worker the `File` itself (structured clone, no copy on this thread) and gets
//! back the guessed mapping, a 20-row preview, the verdict on every row and the rows
//! that match a customer. On Start import it pulls the valid rows a chunk at a time,
//! stamps each new customer through the sync engine (which lives here, on the page: it
//! owns the clock and the outbox order), and has the worker write the chunk from its own
//! IndexedDB connection (`Store::write_stamped`), so cloning 100,000 records into
//! IndexedDB happens off this thread too. Rows that fill an existing customer's empty
//! fields are read and written here (`Store::import_chunk`).
//!
//! **Cancel and failure keep whole chunks.** An import is a sequence of chunk
//! transactions, each all-or-nothing; Cancel is honoured between chunks. Two chunks are
//! in flight (the worker prepares one while IndexedDB commits the other), and each chunk
//! commits only if the one before it did (`ImportChain`), so a cancelled or failed
//! import leaves exactly its first N chunks, never a half-written one, and the summary
//! says how many rows were written. One transaction for the whole file was the
//! alternative: Cancel would undo everything, but ~800k outbox changes and 100k records
//! would sit in one transaction (minutes of work lost to a late failure, no progress
//! visible in the data); chunks keep the import resumable by importing the file again
//! with "Skip" for matching rows.

use std::{cell::Cell, cell::RefCell, collections::HashMap, rc::Rc};

use crm_core::{
    change::Entity,
    import::{
        backup::parse_backup,
        dedupe::{find_duplicates, DuplicateAction, DuplicatePair},
        export::{customers_csv, HeaderLanguage},
        mapping::{ColumnMapping, ImportField},
        merge_customers::MergePlan,
        ImportError, MAX_IMPORT_BYTES,
    },
    Customer,
};
use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{
    use_customer::after_write,
    use_store::{current_store, use_query, StoreCtx},
};
use crate::{
    i18n::Locale,
    storage::{
        bulk::{BulkError, ImportWrite, MergeReport, RestoreReport, IMPORT_MAPPING},
        schema::DB_NAME,
        Now, Store, StoreError,
    },
    sync::engine,
};

pub use protocol::{Analysis, DuplicateRow, ImportItem};

/// The messages between the page and the import worker, shared by both sides.
pub mod protocol {
    use chrono::NaiveDate;
    use crm_core::{
        import::{
            dedupe::MatchKey,
            encoding::{Delimiter, TextEncoding},
            mapping::{ColumnMapping, MappingProblem, PreviewRow},
            FileKind, ImportError, RowError,
        },
        Clock, Customer, Hlc,
    };
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    /// Where the worker's loader is served (trunk names workers by bin name).
    pub const WORKER_URL: &str = "/import_worker_loader.js";

    /// What the worker posts once it listens: messages posted before that (while its
    /// WebAssembly still loads) would be lost.
    pub const READY: &str = "ready";

    /// How many duplicate rows the analysis lists one by one (the rest follow the
    /// default choice).
    pub const LISTED_DUPLICATES: usize = 50;

    /// A request from the page. Sent as `"<id>\n<json>"`; `Open` with a new file sends
    /// `[text, File]`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(tag = "op", rename_all = "snake_case")]
    pub enum Request {
        /// Read the file sent along (or re-read the last one with other options), parse,
        /// guess the mapping and analyse every row.
        Open {
            /// Encoding override.
            encoding: Option<TextEncoding>,
            /// Delimiter override.
            delimiter: Option<Delimiter>,
            /// The last mapping the user imported with.
            remembered: Option<ColumnMapping>,
            /// Existing customers (id, name, company, email, phone) for duplicate checks.
            existing: Vec<Customer>,
            /// Today, for birthday validation.
            today: NaiveDate,
            /// Creation time of imported customers.
            now_ms: i64,
        },
        /// Analyse every row again under another mapping.
        Analyse {
            /// The user's mapping.
            mapping: ColumnMapping,
        },
        /// Valid rows `start..start + len` of the last analysis.
        Items {
            /// First valid row.
            start: usize,
            /// How many.
            len: usize,
        },
        /// The rejected rows as a CSV with an error column in `locale`.
        RejectedCsv {
            /// `en` or `zh-CN`.
            locale: String,
        },
        /// Writes valid rows as new customers from the worker's own IndexedDB connection,
        /// with the HLCs and sequence numbers the page's sync engine stamped them with.
        Write {
            /// The database to write (the app's).
            db: String,
            /// An id for the whole import (chunks commit in order, see
            /// `Store::write_stamped`).
            import: String,
            /// This write's number in the import, from 0.
            chunk: u64,
            /// One stamp per row to write.
            rows: Vec<RowStamp>,
            /// The engine's clock after stamping.
            clock: Clock,
            /// Time of the write (the records' `updated_ms`).
            now_ms: u64,
        },
        /// The first `rows` customers of the deterministic demo data set as a CSV
        /// (`crm_core::import::bench::demo_csv`), answered as `Csv`: test and benchmark
        /// files (scripts/bench-import.mjs) made by the same generator as the demo data.
        DemoCsv {
            /// How many rows.
            rows: usize,
            /// Today, for the generator's dates.
            today: NaiveDate,
        },
    }

    /// How the page's engine stamped one valid row.
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
    pub struct RowStamp {
        /// The row's index among the valid rows.
        pub index: usize,
        /// The edit's HLC.
        pub hlc: Hlc,
        /// Sequence number of its first field (the others follow in `fields` order).
        pub first_seq: u64,
    }

    /// The worker's answer to one request.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(tag = "answer", rename_all = "snake_case")]
    pub enum Response {
        /// Answer to `Open` and `Analyse`.
        Analysed(Box<Analysis>),
        /// Answer to `Items`.
        Items {
            /// The rows.
            items: Vec<ImportItem>,
        },
        /// Answer to `Write`: the transaction committed.
        Written {
            /// Customers written.
            created: usize,
        },
        /// Answer to `RejectedCsv`.
        Csv {
            /// The file's text (UTF-8 with BOM).
            text: String,
        },
        /// The whole file is refused.
        Refused {
            /// Why.
            error: ImportError,
        },
        /// Something unexpected (a bug or a browser failure).
        Failed {
            /// What happened.
            message: String,
        },
    }

    /// Everything the mapping step shows, and the verdict on every row.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Analysis {
        /// CSV or vCard.
        pub kind: FileKind,
        /// The encoding the file was read as.
        pub encoding: TextEncoding,
        /// Some bytes did not decode: suggest another encoding.
        pub had_decode_errors: bool,
        /// CSV only: the delimiter used.
        pub delimiter: Option<Delimiter>,
        /// CSV only: the header row.
        pub headers: Vec<String>,
        /// CSV only: the mapping the analysis used.
        pub mapping: Option<ColumnMapping>,
        /// Why the mapping cannot be used (then no row is checked).
        pub mapping_problems: Vec<MappingProblem>,
        /// The first rows with their verdicts.
        pub preview: Vec<PreviewRow>,
        /// Rows (or cards) in the file.
        pub total: usize,
        /// Rows that will import.
        pub valid: usize,
        /// Rows that will be rejected, in file order.
        pub rejected: Vec<RowError>,
        /// The first valid rows that match a customer (existing or earlier in the file).
        pub duplicates: Vec<DuplicateRow>,
        /// How many valid rows match a customer.
        pub duplicate_count: usize,
    }

    /// A valid row that matches a customer.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct DuplicateRow {
        /// 1-based line.
        pub line: u64,
        /// The row's name.
        pub name: String,
        /// The matching customer.
        pub target: Uuid,
        /// Its name.
        pub target_name: String,
        /// Why they match.
        pub reasons: Vec<MatchKey>,
        /// The match is an earlier row of the same file, not a stored customer.
        pub in_file: bool,
    }

    /// One valid row, ready to stamp.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ImportItem {
        /// 1-based line.
        pub line: u64,
        /// The new customer's id (assigned by the analysis).
        pub id: Uuid,
        /// Its non-empty fields (`field_diff(None, customer)`): what the engine stamps.
        pub fields: Vec<(String, serde_json::Value)>,
        /// The customer it duplicates, if any.
        pub duplicate_of: Option<Uuid>,
        /// The whole customer, for duplicates only ("update empty fields" needs it).
        pub customer: Option<Customer>,
    }

    /// `"<id>\n<json>"`: the id is read without parsing a big body.
    pub fn frame(id: u32, json: &str) -> String {
        format!("{id}\n{json}")
    }

    /// Splits a framed message.
    pub fn unframe(text: &str) -> Option<(u32, &str)> {
        let (id, body) = text.split_once('\n')?;
        Some((id.parse().ok()?, body))
    }
}

use protocol::{Request, Response};

/// The page's side of the worker: request/response over `postMessage`.
struct WorkerClient {
    worker: web_sys::Worker,
    /// Resolves when the worker has posted [`protocol::READY`].
    ready: js_sys::Promise,
    waiting: Rc<RefCell<HashMap<u32, (js_sys::Function, js_sys::Function)>>>,
    next: Cell<u32>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl WorkerClient {
    fn start() -> Result<WorkerClient, String> {
        let worker = web_sys::Worker::new(protocol::WORKER_URL).map_err(|e| format!("{e:?}"))?;
        let waiting: Rc<RefCell<HashMap<u32, (js_sys::Function, js_sys::Function)>>> =
            Rc::default();
        let mut ready_resolve = None;
        let ready = js_sys::Promise::new(&mut |resolve, _| ready_resolve = Some(resolve));
        let on_message = {
            let waiting = waiting.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let data = ev.data();
                if data.as_string().as_deref() == Some(protocol::READY) {
                    if let Some(resolve) = &ready_resolve {
                        let _ = resolve.call0(&JsValue::NULL);
                    }
                    return;
                }
                let text = js_sys::Array::from(&data)
                    .get(0)
                    .as_string()
                    .unwrap_or_default();
                let Some((id, _)) = protocol::unframe(&text) else {
                    return;
                };
                if let Some((resolve, _)) = waiting.borrow_mut().remove(&id) {
                    let _ = resolve.call1(&JsValue::NULL, &data);
                }
            })
        };
        let on_error = {
            let waiting = waiting.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                let message = ev
                    .dyn_ref::<web_sys::ErrorEvent>()
                    .map(|e| e.message())
                    .unwrap_or_else(|| "the import worker failed".into());
                for (_, (_, reject)) in waiting.borrow_mut().drain() {
                    let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(WorkerClient {
            worker,
            ready,
            waiting,
            next: Cell::new(1),
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends `request` (with a file for `Open`) and waits for the answer.
    async fn call(
        &self,
        request: &Request,
        file: Option<&web_sys::File>,
    ) -> Result<Response, String> {
        JsFuture::from(self.ready.clone())
            .await
            .map_err(|e| format!("{e:?}"))?;
        answer(self.send(request, file)?).await
    }

    /// Posts `request` now (the worker is ready) and returns the promise of its answer.
    fn send(
        &self,
        request: &Request,
        file: Option<&web_sys::File>,
    ) -> Result<js_sys::Promise, String> {
        let id = self.next.get();
        self.next.set(id + 1);
        let json = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let waiting = self.waiting.clone();
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            waiting.borrow_mut().insert(id, (resolve, reject));
        });
        let message = js_sys::Array::new();
        message.push(&JsValue::from_str(&protocol::frame(id, &json)));
        if let Some(file) = file {
            message.push(file);
        }
        if let Err(e) = self.worker.post_message(&message) {
            self.waiting.borrow_mut().remove(&id);
            return Err(format!("{e:?}"));
        }
        Ok(promise)
    }
}

/// The worker's answer behind a promise from [`WorkerClient::send`].
async fn answer(promise: js_sys::Promise) -> Result<Response, String> {
    let answer = JsFuture::from(promise)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))?;
    let answer = js_sys::Array::from(&answer);
    let text = answer.get(0).as_string().unwrap_or_default();
    let (_, body) = protocol::unframe(&text).ok_or("bad worker answer")?;
    serde_json::from_str(body).map_err(|e| e.to_string())
}

impl Drop for WorkerClient {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// Valid rows written per IndexedDB transaction (one chunk = all or nothing).
pub const IMPORT_CHUNK: usize = 1_000;

/// Chunks between two refreshes of the visible queries during an import.
const REFRESH_EVERY: usize = 10;

/// Where the import flow is.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportPhase {
    /// No file.
    Idle,
    /// The worker is reading or analysing.
    Reading,
    /// The mapping step: the analysis is shown, Start import is possible.
    Ready,
    /// Writing chunks.
    Importing,
    /// Finished, cancelled or failed: the summary is shown.
    Done,
}

/// Why a file cannot be imported (shown next to the file input).
#[derive(Debug, Clone, PartialEq)]
pub enum ImportIssue {
    /// The whole file is refused.
    File(ImportError),
    /// The worker or the store failed.
    Other(String),
}

/// The result of an import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    /// New customers written.
    pub imported: usize,
    /// Existing customers whose empty fields were filled.
    pub updated: usize,
    /// Duplicate rows skipped (including matches with nothing to fill).
    pub skipped: usize,
    /// Rejected rows.
    pub rejected: Vec<crm_core::import::RowError>,
    /// Cancelled by the user after this many chunks.
    pub cancelled: bool,
    /// The store failed; the chunks before stay written.
    pub error: Option<String>,
}

/// The import flow's state and actions (cheap to copy into event handlers).
#[derive(Clone, Copy)]
pub struct UseImport {
    /// Where the flow is.
    pub phase: RwSignal<ImportPhase>,
    /// The chosen file's name.
    pub file_name: RwSignal<String>,
    /// The worker's analysis of the file.
    pub analysis: RwSignal<Option<Analysis>>,
    /// A file-level problem.
    pub issue: RwSignal<Option<ImportIssue>>,
    /// Encoding override (None = detect).
    pub encoding: RwSignal<Option<crm_core::import::encoding::TextEncoding>>,
    /// Delimiter override (None = detect).
    pub delimiter: RwSignal<Option<crm_core::import::encoding::Delimiter>>,
    /// What to do with duplicate rows not chosen one by one.
    pub default_action: RwSignal<DuplicateAction>,
    /// Per-line duplicate choices.
    pub row_actions: RwSignal<HashMap<u64, DuplicateAction>>,
    /// `(rows written, rows to write)` while importing.
    pub progress: RwSignal<(usize, usize)>,
    /// The last import's result.
    pub summary: RwSignal<Option<ImportSummary>>,
    ctx: StoreCtx,
    cancel: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    client: StoredValue<Option<Rc<WorkerClient>>, LocalStorage>,
}

/// The import flow of one screen. The worker starts with the first file and stops when
/// the flow is closed or the screen unmounts.
pub fn use_import(ctx: StoreCtx) -> UseImport {
    let flow = UseImport {
        phase: RwSignal::new(ImportPhase::Idle),
        file_name: RwSignal::new(String::new()),
        analysis: RwSignal::new(None),
        issue: RwSignal::new(None),
        encoding: RwSignal::new(None),
        delimiter: RwSignal::new(None),
        default_action: RwSignal::new(DuplicateAction::Skip),
        row_actions: RwSignal::new(HashMap::new()),
        progress: RwSignal::new((0, 0)),
        summary: RwSignal::new(None),
        ctx,
        cancel: StoredValue::new_local(Rc::new(Cell::new(false))),
        client: StoredValue::new_local(None),
    };
    on_cleanup(move || {
        flow.cancel.with_value(|c| c.set(true));
        flow.client.try_set_value(None);
    });
    flow
}

/// Live customers' duplicate-matching fields, read a page at a time with a pause between
/// pages, so a large customer book never blocks the page for long.
async fn match_data(store: &Store) -> Result<Vec<Customer>, StoreError> {
    const PAGE: u32 = 500;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.customer_page(after, PAGE).await?;
        let full = page.len() as u32 == PAGE;
        after = page.last().and_then(|r| r.sort_key.clone());
        out.extend(page.iter().map(|r| lite(&r.customer)));
        if !full || after.is_none() {
            return Ok(out);
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
}

fn lite(c: &Customer) -> Customer {
    let mut out = Customer::new(c.id, c.name.clone(), c.created_ms);
    out.company.clone_from(&c.company);
    out.email.clone_from(&c.email);
    out.phone.clone_from(&c.phone);
    out
}

impl UseImport {
    fn client(&self) -> Result<Rc<WorkerClient>, String> {
        if let Some(client) = self.client.get_value() {
            return Ok(client);
        }
        let client = Rc::new(WorkerClient::start()?);
        self.client.set_value(Some(client.clone()));
        Ok(client)
    }

    /// Takes a new file (from the file input or a drop).
    pub fn open(self, file: web_sys::File) {
        self.close();
        self.file_name.set(file.name());
        let size = file.size() as u64;
        if size > MAX_IMPORT_BYTES {
            self.issue
                .set(Some(ImportIssue::File(ImportError::TooLarge {
                    size,
                    max: MAX_IMPORT_BYTES,
                })));
            return;
        }
        if size == 0 {
            self.issue.set(Some(ImportIssue::File(ImportError::Empty)));
            return;
        }
        self.read(Some(file));
    }

    /// Reads the current file again with the chosen encoding and delimiter.
    pub fn reread(self) {
        self.read(None);
    }

    fn read(self, file: Option<web_sys::File>) {
        self.phase.set(ImportPhase::Reading);
        self.issue.set(None);
        spawn_local(async move {
            let result = async {
                let store = current_store().map_err(|e| e.to_string())?;
                let remembered: Option<ColumnMapping> = store
                    .meta(IMPORT_MAPPING)
                    .await
                    .map_err(|e| e.to_string())?;
                let existing = match_data(&store).await.map_err(|e| e.to_string())?;
                let now = Now::read();
                let request = Request::Open {
                    encoding: self.encoding.get_untracked(),
                    delimiter: self.delimiter.get_untracked(),
                    remembered,
                    existing,
                    today: now.local.date(),
                    now_ms: now.ms as i64,
                };
                self.client()?.call(&request, file.as_ref()).await
            }
            .await;
            self.take_analysis(result);
        });
    }

    fn take_analysis(self, result: Result<Response, String>) {
        match result {
            Ok(Response::Analysed(analysis)) => {
                self.analysis.set(Some(*analysis));
                self.phase.set(ImportPhase::Ready);
            }
            Ok(Response::Refused { error }) => {
                self.issue.set(Some(ImportIssue::File(error)));
                self.analysis.set(None);
                self.phase.set(ImportPhase::Idle);
            }
            Ok(other) => self.fail(format!("unexpected answer {other:?}")),
            Err(message) => self.fail(message),
        }
    }

    fn fail(self, message: String) {
        self.issue.set(Some(ImportIssue::Other(message)));
        self.analysis.set(None);
        self.phase.set(ImportPhase::Idle);
    }

    /// Maps column `index` to `field` (None = do not import) and re-checks every row.
    pub fn set_mapping(self, index: usize, field: Option<ImportField>) {
        let Some(mut mapping) = self
            .analysis
            .with_untracked(|a| a.as_ref().and_then(|a| a.mapping.clone()))
        else {
            return;
        };
        if let Some(column) = mapping.columns.get_mut(index) {
            column.field = field;
        }
        self.phase.set(ImportPhase::Reading);
        spawn_local(async move {
            let result = match self.client() {
                Ok(client) => client.call(&Request::Analyse { mapping }, None).await,
                Err(e) => Err(e),
            };
            self.take_analysis(result);
        });
    }

    /// The duplicate choice for one line.
    pub fn action_for(self, line: u64) -> DuplicateAction {
        self.row_actions
            .with(|m| m.get(&line).copied())
            .unwrap_or_else(|| self.default_action.get())
    }

    /// Starts writing the valid rows, chunk by chunk.
    pub fn start(self) {
        let Some(analysis) = self.analysis.get_untracked() else {
            return;
        };
        let total = analysis.valid;
        let cancel = Rc::new(Cell::new(false));
        self.cancel.set_value(cancel.clone());
        self.progress.set((0, total));
        self.phase.set(ImportPhase::Importing);
        let default_action = self.default_action.get_untracked();
        let row_actions = self.row_actions.get_untracked();
        spawn_local(async move {
            let mut summary = ImportSummary {
                rejected: analysis.rejected.clone(),
                ..Default::default()
            };
            let mut writes = Writes::default();
            let setup = current_store()
                .map_err(|e| e.to_string())
                .and_then(|store| Ok((store, self.client()?)));
            let result: Result<(), String> = match &setup {
                Err(e) => Err(e.clone()),
                Ok((store, client)) => {
                    self.run(
                        store,
                        client,
                        &analysis,
                        default_action,
                        &row_actions,
                        &mut writes,
                        &mut summary,
                        &cancel,
                    )
                    .await
                }
            };
            let mut error = result.err();
            if let Ok((store, _)) = &setup {
                // Whatever stopped the loop, the writes already sent finish (or fail)
                // and are counted: the summary is exactly what is stored.
                let (written, failed) = writes.drain(store).await;
                summary.imported += written;
                error = error.or(failed);
            }
            summary.error = error;
            self.ctx.changed();
            self.summary.set(Some(summary));
            self.phase.set(ImportPhase::Done);
        });
    }

    /// The import loop: rows come from the worker a chunk ahead; new customers are
    /// stamped here and written by the worker with two writes in flight; rows that fill
    /// existing customers are written here. Cancel is honoured between chunks.
    #[allow(clippy::too_many_arguments)]
    async fn run(
        self,
        store: &Store,
        client: &Rc<WorkerClient>,
        analysis: &Analysis,
        default_action: DuplicateAction,
        row_actions: &HashMap<u64, DuplicateAction>,
        writes: &mut Writes,
        summary: &mut ImportSummary,
        cancel: &Cell<bool>,
    ) -> Result<(), String> {
        let total = analysis.valid;
        if let Some(mapping) = &analysis.mapping {
            store
                .set_meta(IMPORT_MAPPING, mapping)
                .await
                .map_err(|e| e.to_string())?;
        }
        // Sent at once (not when awaited), so the worker reads the next chunk while
        // this one is written.
        let fetch = |start: usize| {
            client.send(
                &Request::Items {
                    start,
                    len: IMPORT_CHUNK,
                },
                None,
            )
        };
        let import_id = Uuid::new_v4().to_string();
        let mut done = 0;
        let mut chunks = 0usize;
        let mut next = if total > 0 { Some(fetch(0)?) } else { None };
        while let Some(request) = next.take() {
            let items = match answer(request).await? {
                Response::Items { items } => items,
                other => return Err(format!("unexpected answer {other:?}")),
            };
            let count = items.len();
            if count == 0 {
                break;
            }
            if done + count < total {
                next = Some(fetch(done + count)?);
            }
            let plan = plan_chunk(done, items, default_action, row_actions);
            summary.skipped += plan.skipped;
            if !plan.fills.is_empty() {
                // Fills may target customers created by earlier rows of the file: the
                // writes before must be in first.
                let (written, failed) = writes.drain(store).await;
                summary.imported += written;
                if let Some(e) = failed {
                    return Err(e);
                }
                let result = store
                    .import_chunk(&plan.fills, Now::read(), &engine::stamp)
                    .await;
                if result.is_err() {
                    after_write(self.ctx, store, &result).await;
                }
                let report = result.map_err(|e| e.to_string())?;
                summary.imported += report.created;
                summary.updated += report.updated;
                summary.skipped += report.unchanged;
            }
            if !plan.creates.is_empty() {
                writes.send(client, store, &import_id, plan.creates).await?;
                // Two writes in flight: the worker prepares one while IndexedDB
                // commits the other.
                while writes.len() > 1 {
                    summary.imported += writes.next(store).await?;
                }
            }
            chunks += 1;
            if chunks.is_multiple_of(REFRESH_EVERY) {
                // Let the list and the badge grow now and then, not after every
                // chunk: each refresh is a read that delays the next write.
                self.ctx.changed();
            }
            done += count;
            self.progress.set((done, total));
            if cancel.get() && done < total {
                summary.cancelled = true;
                break;
            }
        }
        Ok(())
    }

    /// Stops the import after the chunk being written.
    pub fn cancel_import(self) {
        self.cancel.with_value(|c| c.set(true));
    }

    /// Downloads the rejected rows as a CSV with an error column.
    pub fn download_rejected(self, locale: Locale) {
        spawn_local(async move {
            let request = Request::RejectedCsv {
                locale: locale.tag().to_string(),
            };
            let result = match self.client() {
                Ok(client) => client.call(&request, None).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(Response::Csv { text }) => {
                    download("rejected-rows.csv", &[text], "text/csv;charset=utf-8")
                }
                Ok(other) => self.issue.set(Some(ImportIssue::Other(format!(
                    "unexpected answer {other:?}"
                )))),
                Err(e) => self.issue.set(Some(ImportIssue::Other(e))),
            }
        });
    }

    /// Closes the flow (before or after an import) and stops the worker.
    pub fn close(self) {
        self.cancel.with_value(|c| c.set(true));
        self.client.set_value(None);
        self.phase.set(ImportPhase::Idle);
        self.analysis.set(None);
        self.summary.set(None);
        self.issue.set(None);
        self.row_actions.set(HashMap::new());
        self.progress.set((0, 0));
    }
}

/// One chunk of valid rows sorted by what happens to them.
struct ChunkPlan {
    /// New customers: `(index among the valid rows, row)`.
    creates: Vec<(usize, ImportItem)>,
    /// Duplicates whose existing customer gets its empty fields filled.
    fills: Vec<ImportWrite>,
    /// Duplicates skipped.
    skipped: usize,
}

/// Applies the user's duplicate choices to one chunk starting at valid row `start`.
fn plan_chunk(
    start: usize,
    items: Vec<ImportItem>,
    default_action: DuplicateAction,
    row_actions: &HashMap<u64, DuplicateAction>,
) -> ChunkPlan {
    let mut plan = ChunkPlan {
        creates: Vec::with_capacity(items.len()),
        fills: Vec::new(),
        skipped: 0,
    };
    for (n, item) in items.into_iter().enumerate() {
        let action = item.duplicate_of.map(|_| {
            row_actions
                .get(&item.line)
                .copied()
                .unwrap_or(default_action)
        });
        match (action, item.duplicate_of, item.customer.clone()) {
            (Some(DuplicateAction::Skip), ..) => plan.skipped += 1,
            (Some(DuplicateAction::UpdateEmptyFields), Some(target), Some(incoming)) => {
                plan.fills.push(ImportWrite::FillEmpty { target, incoming })
            }
            _ => plan.creates.push((start + n, item)),
        }
    }
    plan
}

/// The worker writes in flight, oldest first: `(rows, answer)`.
#[derive(Default)]
struct Writes {
    in_flight: std::collections::VecDeque<(usize, js_sys::Promise)>,
    chunk: u64,
}

impl Writes {
    fn len(&self) -> usize {
        self.in_flight.len()
    }

    /// Stamps new customers through the engine (here, on the page: the engine owns the
    /// clock and the outbox order) and sends them to the worker, which writes them in one
    /// transaction chained to the previous one.
    async fn send(
        &mut self,
        client: &WorkerClient,
        store: &Store,
        import: &str,
        creates: Vec<(usize, ImportItem)>,
    ) -> Result<(), String> {
        let mut rows = Vec::with_capacity(creates.len());
        let mut clock = None;
        for (index, item) in creates {
            let stamped =
                engine::stamp(Entity::Customer, item.id, item.fields, &Default::default());
            if let Some(first) = stamped.pending.first() {
                rows.push(protocol::RowStamp {
                    index,
                    hlc: first.change.hlc,
                    first_seq: first.seq,
                });
            }
            clock = Some(stamped.clock);
        }
        let Some(clock) = clock else { return Ok(()) };
        let count = rows.len();
        let request = Request::Write {
            db: DB_NAME.to_string(),
            import: import.to_string(),
            chunk: self.chunk,
            rows,
            clock,
            now_ms: Now::read().ms,
        };
        self.chunk += 1;
        match client.send(&request, None) {
            Ok(promise) => {
                self.in_flight.push_back((count, promise));
                Ok(())
            }
            Err(e) => {
                // Never sent: forget these stamps.
                let _ = engine::load(store).await;
                Err(e)
            }
        }
    }

    /// Waits for the oldest write. If it failed, the engine is rebuilt from storage so it
    /// forgets the stamps of every write that did not commit (the later ones in flight
    /// fail too: their chain is broken).
    async fn next(&mut self, store: &Store) -> Result<usize, String> {
        let Some((_, promise)) = self.in_flight.pop_front() else {
            return Ok(0);
        };
        let result = match answer(promise).await {
            Ok(Response::Written { created }) => Ok(created),
            Ok(Response::Failed { message }) => Err(message),
            Ok(other) => Err(format!("unexpected answer {other:?}")),
            Err(e) => Err(e),
        };
        if result.is_err() {
            while let Some((_, promise)) = self.in_flight.pop_front() {
                let _ = answer(promise).await;
            }
            let _ = engine::load(store).await;
        }
        result
    }

    /// Waits for every write in flight: rows written, and the first failure.
    async fn drain(&mut self, store: &Store) -> (usize, Option<String>) {
        let mut written = 0;
        while !self.in_flight.is_empty() {
            match self.next(store).await {
                Ok(n) => written += n,
                Err(e) => return (written, Some(e)),
            }
        }
        (written, None)
    }
}

use crate::components::download::download;

/// Today as `YYYY-MM-DD`, for file names.
fn stamp_date() -> String {
    Now::read().local.date().to_string()
}

/// Exports customers (all when `query` is blank, else every search match) as a CSV that
/// Excel opens correctly (UTF-8 with BOM), with headers in the UI language.
pub async fn export_customers(query: String, locale: Locale) -> Result<usize, StoreError> {
    let customers = current_store()?.export_customers(&query).await?;
    let language = match locale {
        Locale::En => HeaderLanguage::English,
        Locale::ZhCn => HeaderLanguage::Chinese,
    };
    let text = customers_csv(&customers, language);
    download(
        &format!("customers-{}.csv", stamp_date()),
        &[text],
        "text/csv;charset=utf-8",
    );
    Ok(customers.len())
}

/// Downloads the full JSON backup.
pub async fn backup() -> Result<(), StoreError> {
    let now = Now::read();
    let pieces = current_store()?.backup_pieces(now.ms as i64).await?;
    download(
        &format!("field-crm-backup-{}.json", stamp_date()),
        &pieces,
        "application/json",
    );
    Ok(())
}

/// Restores a backup file into this (empty) database.
pub async fn restore(ctx: StoreCtx, file: web_sys::File) -> Result<RestoreReport, BulkError> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| BulkError::Store(StoreError::Other(format!("{e:?}"))))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let backup = parse_backup(&bytes).map_err(BulkError::Backup)?;
    let store = current_store()?;
    let result = store
        .restore_backup(&backup, Now::read(), &engine::stamp)
        .await;
    finish_bulk(ctx, &store, &result).await;
    result
}

/// After a bulk write: refresh queries, or rebuild the engine when storage failed after
/// stamping.
async fn finish_bulk<T>(ctx: StoreCtx, store: &Store, result: &Result<T, BulkError>) {
    match result {
        Ok(_) => after_write(ctx, store, &Ok::<(), StoreError>(())).await,
        Err(BulkError::Store(e)) => after_write(ctx, store, &Err::<(), _>(e.clone())).await,
        Err(_) => {}
    }
}

/// A candidate pair with both customers.
#[derive(Debug, Clone, PartialEq)]
pub struct PairView {
    /// The pair and its reasons.
    pub pair: DuplicatePair,
    /// The customer with id `pair.a`.
    pub a: Customer,
    /// The customer with id `pair.b`.
    pub b: Customer,
}

/// The Duplicates screen's candidate pairs, refreshed after every write.
pub fn use_duplicates() -> LocalResource<Option<Result<Vec<PairView>, StoreError>>> {
    use_query(
        || (),
        |store, ()| async move {
            let customers = store.all_customers().await?;
            let report = find_duplicates(&customers);
            let by_id: HashMap<Uuid, &Customer> = customers.iter().map(|c| (c.id, c)).collect();
            Ok(report
                .pairs
                .into_iter()
                .filter_map(|pair| {
                    let a = (*by_id.get(&pair.a)?).clone();
                    let b = (*by_id.get(&pair.b)?).clone();
                    Some(PairView { pair, a, b })
                })
                .collect())
        },
    )
}

/// Merges a pair by `plan` (one transaction, stamped like any edit).
pub async fn merge(
    ctx: StoreCtx,
    a: Uuid,
    b: Uuid,
    plan: MergePlan,
) -> Result<MergeReport, BulkError> {
    let store = current_store()?;
    let result = store
        .merge_duplicates(a, b, &plan, Now::read(), &engine::stamp)
        .await;
    finish_bulk(ctx, &store, &result).await;
    result
}
