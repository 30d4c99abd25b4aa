//! One transient message at a time (e.g. "Customer deleted" with Undo).

use leptos::prelude::*;
use uuid::Uuid;

/// What an Undo button in the toast reverts.
#[derive(Debug, Clone, PartialEq)]
pub enum UndoAction {
    RestoreCustomer(Uuid),
}

/// The message and its optional undo.
#[derive(Debug, Clone, PartialEq)]
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
