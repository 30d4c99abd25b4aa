//! Store errors the UI can explain: a full disk and a blocked upgrade get their own
//! message; validation errors carry the field they belong to.

use crm_core::FieldError;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The browser refused to store more (disk full or quota reached).
    #[error("Storage is full: free some disk space or allow this site more storage, then try again. Nothing was saved.")]
    Quota,
    /// Another tab holds an older version of the database open.
    #[error("The app was updated: close its other tabs or windows, then reload this one.")]
    Blocked,
    /// IndexedDB is missing (private mode in some browsers, or disabled).
    #[error("This browser does not allow offline storage for this site (private mode?).")]
    Unavailable,
    /// The record does not exist (or was deleted).
    #[error("Not found.")]
    NotFound,
    /// A form value is invalid; nothing was written.
    #[error("Some fields are invalid.")]
    Invalid(Vec<FieldError>),
    /// Anything else the browser reported.
    #[error("Storage error: {0}")]
    Other(String),
}

fn is_quota(text: &str) -> bool {
    text.contains("QuotaExceeded") || text.contains("quota")
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        let text = format!("{e:?} {e}");
        if is_quota(&text) {
            StoreError::Quota
        } else {
            StoreError::Other(e.to_string())
        }
    }
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        use indexed_db_futures::error::OpenDbError;
        match e {
            OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => {
                StoreError::Unavailable
            }
            OpenDbError::Base(e) => e.into(),
            other => StoreError::Other(other.to_string()),
        }
    }
}

impl From<indexed_db_futures::error::SerialisationError> for StoreError {
    fn from(e: indexed_db_futures::error::SerialisationError) -> Self {
        StoreError::Other(e.to_string())
    }
}
