//! Texts of the care reminders (Follow-ups screen) and the Companies screen (see the
//! module docs of `i18n`).

use crm_core::workflow::ReminderKind;
use leptos::prelude::*;

use super::{use_locale, Locale};

/// Every fixed text of the care reminders and companies screens.
pub struct CareTexts {
    pub care_reminders: &'static str,
    pub no_care: &'static str,
    pub done: &'static str,
    pub snooze: &'static str,
    pub marked_done: &'static str,
    pub snoozed: &'static str,
    pub notify: &'static str,
    pub notify_denied: &'static str,
    pub notify_title: &'static str,
    pub companies_intro: &'static str,
    pub no_companies: &'static str,
    pub contacts_n: &'static str,
    pub contracted: &'static str,
    pub combined_timeline: &'static str,
    pub no_combined: &'static str,
}

pub static EN: CareTexts = CareTexts {
    care_reminders: "Care reminders",
    no_care: "No care reminders in the next 14 days. Birthdays, purchases and membership expiry dates add them.",
    done: "Done",
    snooze: "Snooze",
    marked_done: "Reminder marked done",
    snoozed: "Reminder snoozed until tomorrow",
    notify: "Notify me of reminders due today",
    notify_denied: "The browser blocked notifications for this site.",
    notify_title: "Care reminders due today",
    companies_intro: "Companies with their contacts and buying roles.",
    no_companies: "No companies yet. Create a customer of type Company, or load the demo data.",
    contacts_n: "contacts",
    contracted: "Contracted organisation",
    combined_timeline: "Combined timeline",
    no_combined: "No interactions with this company or its contacts yet.",
};

pub static ZH: CareTexts = CareTexts {
    care_reminders: "关怀提醒",
    no_care: "未来 14 天没有关怀提醒。生日、购买和会员到期日会生成提醒。",
    done: "完成",
    snooze: "稍后提醒",
    marked_done: "提醒已标记为完成",
    snoozed: "提醒已推迟到明天",
    notify: "今日到期的提醒通知我",
    notify_denied: "浏览器已阻止本网站的通知。",
    notify_title: "今日到期的关怀提醒",
    companies_intro: "公司及其联系人和采购角色。",
    no_companies: "还没有公司。新建类型为“公司”的客户，或加载演示数据。",
    contacts_n: "位联系人",
    contracted: "协议单位",
    combined_timeline: "合并时间线",
    no_combined: "该公司及其联系人还没有互动记录。",
};

/// The care and companies texts of the current locale, reactive.
pub fn use_care_texts() -> Signal<&'static CareTexts> {
    let locale = use_locale();
    Signal::derive(move || match locale.get() {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    })
}

/// Display name of a reminder kind.
pub fn reminder_kind(locale: Locale, kind: ReminderKind) -> &'static str {
    match (locale, kind) {
        (Locale::En, ReminderKind::NextVisit) => "Next visit",
        (Locale::En, ReminderKind::Birthday) => "Birthday",
        (Locale::En, ReminderKind::AfterPurchase7) => "7 days after purchase",
        (Locale::En, ReminderKind::AfterPurchase28) => "28 days after purchase",
        (Locale::En, ReminderKind::MembershipExpiry) => "Membership expiry",
        (Locale::ZhCn, ReminderKind::NextVisit) => "下次拜访",
        (Locale::ZhCn, ReminderKind::Birthday) => "生日",
        (Locale::ZhCn, ReminderKind::AfterPurchase7) => "购买后 7 天回访",
        (Locale::ZhCn, ReminderKind::AfterPurchase28) => "购买后 28 天回访",
        (Locale::ZhCn, ReminderKind::MembershipExpiry) => "会员到期",
    }
}
