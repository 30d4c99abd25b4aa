//! Texts of the import screens (see the module docs of `i18n`).

use leptos::prelude::*;

use super::{use_locale, Locale};

/// Every fixed text of the import screens.
pub struct ImportTexts {
    pub title: &'static str,
}

pub static EN: ImportTexts = ImportTexts { title: "Import" };

pub static ZH: ImportTexts = ImportTexts { title: "导入" };

/// The import texts of the current locale, reactive.
pub fn use_import_texts() -> Signal<&'static ImportTexts> {
    let locale = use_locale();
    Signal::derive(move || match locale.get() {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    })
}
