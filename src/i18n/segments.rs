//! Texts of the segments screens (see the module docs of `i18n`).

use leptos::prelude::*;

use super::{use_locale, Locale};

/// Every fixed text of the segments screens.
pub struct SegmentTexts {
    pub title: &'static str,
}

pub static EN: SegmentTexts = SegmentTexts { title: "Segments" };

pub static ZH: SegmentTexts = SegmentTexts {
    title: "客户细分"
};

/// The segments texts of the current locale, reactive.
pub fn use_segments_texts() -> Signal<&'static SegmentTexts> {
    let locale = use_locale();
    Signal::derive(move || match locale.get() {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    })
}
