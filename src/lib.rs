//! The browser app: a thin Leptos shell over `crm-core`.
