//! One transient message at a time (e.g. "Customer deleted" with Undo).

use leptos::prelude::*;
use uuid::Uuid;

/// What an Undo button in the toast reverts.
#[derive(Debug, Clone)]
pub enum UndoAction {
    RestoreCustomer(Uuid),
    /// Any other undo: the screen that made the change passes the code that reverts it
    /// (e.g. restoring a deleted deal), so new screens need no new variant here.
    Run(Callback<()>),
}

/// The message and its optional undo.
#[derive(Debug, Clone)]
pub struct Toast {
    pub message: String,
    pub undo: Option<UndoAction>,
}

#[derive(Clone, Copy)]
pub struct ToastCtx(pub RwSignal<Option<Toast>>);

pub fn provide_toast() {
    provide_context(ToastCtx(RwSignal::new(None)));
}

pub fn use_toast() -> RwSignal<Option<Toast>> {
    expect_context::<ToastCtx>().0
}
