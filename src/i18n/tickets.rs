//! Texts of the Tickets screen (see the module docs of `i18n`), and the messages for
//! ticket form errors and refused ticket steps.

use crm_core::{
    workflow::{Channel, Severity, TicketStatus, WorkflowError},
    Problem,
};
use leptos::prelude::*;

use super::{problem_text, use_locale, Locale};

/// Every fixed text of the Tickets screen.
pub struct TicketTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub new_ticket: &'static str,
    pub edit_ticket: &'static str,
    pub subject: &'static str,
    pub customer: &'static str,
    pub customer_hint: &'static str,
    pub customer_matches: &'static str,
    pub no_customer_matches: &'static str,
    pub searching: &'static str,
    pub channel: &'static str,
    pub severity: &'static str,
    pub owner: &'static str,
    pub due: &'static str,
    pub due_hint: &'static str,
    pub status: &'static str,
    pub opened: &'static str,
    pub resolution: &'static str,
    pub satisfaction: &'static str,
    pub choose_score: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    pub show: &'static str,
    pub f_active: &'static str,
    pub f_overdue: &'static str,
    pub f_all: &'static str,
    pub list_label: &'static str,
    pub overdue: &'static str,
    pub active_n: &'static str,
    pub overdue_n: &'static str,
    pub empty: &'static str,
    pub empty_filter: &'static str,
    pub loading: &'static str,
    pub fix_errors: &'static str,
    pub assign: &'static str,
    pub start_investigation: &'static str,
    pub resolve: &'static str,
    pub close: &'static str,
    pub reopen: &'static str,
    pub closed_final: &'static str,
    pub ticket_deleted: &'static str,
    pub for_customer: &'static str,
    pub all_customers: &'static str,
    pub no_customer: &'static str,
    pub details_of: &'static str,
}

pub static EN: TicketTexts = TicketTexts {
    title: "Tickets",
    intro: "Complaints and service requests: received → assigned → investigating → resolved → closed with the customer's satisfaction.",
    new_ticket: "New ticket",
    edit_ticket: "Edit ticket",
    subject: "Subject",
    customer: "Customer",
    customer_hint: "Type a name, phone or email, then pick the customer from the list.",
    customer_matches: "Matching customers",
    no_customer_matches: "No customer matches. Check the spelling or create the customer first.",
    searching: "Searching…",
    channel: "Channel",
    severity: "Severity",
    owner: "Owner",
    due: "Due",
    due_hint: "Follows the severity's time limit until you change it: low 7 days, medium 3, high 1, critical the same day.",
    status: "Status",
    opened: "Opened",
    resolution: "Resolution",
    satisfaction: "Satisfaction",
    choose_score: "Choose a score",
    save: "Save",
    cancel: "Cancel",
    edit: "Edit",
    delete: "Delete",
    show: "Show",
    f_active: "Not closed",
    f_overdue: "Overdue",
    f_all: "All tickets",
    list_label: "Ticket list",
    overdue: "Overdue",
    active_n: "not closed",
    overdue_n: "overdue",
    empty: "No tickets yet. Use New ticket to record a complaint or a service request.",
    empty_filter: "No tickets match this filter. Choose another one under Show.",
    loading: "Loading…",
    fix_errors: "Please correct the highlighted fields. Nothing was saved.",
    assign: "Assign",
    start_investigation: "Start investigation",
    resolve: "Resolve",
    close: "Close",
    reopen: "Reopen",
    closed_final: "This ticket is closed. Open a new ticket for a new complaint.",
    ticket_deleted: "Ticket deleted",
    for_customer: "Tickets of",
    all_customers: "Show every customer's tickets",
    no_customer: "No customer",
    details_of: "Details of",
};

pub static ZH: TicketTexts = TicketTexts {
    title: "投诉工单",
    intro: "客户投诉与服务请求：受理 → 分派 → 调查 → 解决 → 回访满意度后关闭。",
    new_ticket: "新建工单",
    edit_ticket: "编辑工单",
    subject: "主题",
    customer: "客户",
    customer_hint: "输入姓名、电话或邮箱，然后从列表中选择客户。",
    customer_matches: "匹配的客户",
    no_customer_matches: "没有匹配的客户。请检查拼写，或先新建该客户。",
    searching: "正在搜索…",
    channel: "渠道",
    severity: "严重程度",
    owner: "负责人",
    due: "期限",
    due_hint: "未修改时按严重程度的处理时限计算：低 7 天，中 3 天，高 1 天，紧急当天。",
    status: "状态",
    opened: "受理日期",
    resolution: "处理结果",
    satisfaction: "满意度",
    choose_score: "请选择评分",
    save: "保存",
    cancel: "取消",
    edit: "编辑",
    delete: "删除",
    show: "显示",
    f_active: "未关闭",
    f_overdue: "已逾期",
    f_all: "全部工单",
    list_label: "工单列表",
    overdue: "已逾期",
    active_n: "未关闭",
    overdue_n: "已逾期",
    empty: "还没有工单。点击“新建工单”记录客户投诉或服务请求。",
    empty_filter: "没有符合此筛选条件的工单，请在“显示”中选择其他条件。",
    loading: "加载中…",
    fix_errors: "请更正标出的字段，尚未保存任何内容。",
    assign: "分派",
    start_investigation: "开始调查",
    resolve: "标记已解决",
    close: "关闭工单",
    reopen: "重新处理",
    closed_final: "此工单已关闭。如有新的投诉，请新建工单。",
    ticket_deleted: "工单已删除",
    for_customer: "客户的工单：",
    all_customers: "显示所有客户的工单",
    no_customer: "未关联客户",
    details_of: "详情：",
};

/// The Tickets screen's texts in the current locale (tracked).
pub fn use_ticket_texts() -> Signal<&'static TicketTexts> {
    let locale = use_locale();
    Signal::derive(move || match locale.get() {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    })
}

/// Display name of a ticket status.
pub fn status_name(locale: Locale, status: TicketStatus) -> &'static str {
    use TicketStatus::*;
    match (locale, status) {
        (Locale::En, Received) => "Received",
        (Locale::En, Assigned) => "Assigned",
        (Locale::En, Investigating) => "Investigating",
        (Locale::En, Resolved) => "Resolved",
        (Locale::En, Closed) => "Closed",
        (Locale::ZhCn, Received) => "已受理",
        (Locale::ZhCn, Assigned) => "已分派",
        (Locale::ZhCn, Investigating) => "调查中",
        (Locale::ZhCn, Resolved) => "已解决",
        (Locale::ZhCn, Closed) => "已关闭",
    }
}

/// Display name of a complaint channel.
pub fn channel_name(locale: Locale, channel: Channel) -> &'static str {
    use Channel::*;
    match (locale, channel) {
        (Locale::En, Phone) => "Phone",
        (Locale::En, Email) => "Email",
        (Locale::En, Online) => "Online",
        (Locale::En, Visit) => "Visit",
        (Locale::ZhCn, Phone) => "电话",
        (Locale::ZhCn, Email) => "邮件",
        (Locale::ZhCn, Online) => "在线客服",
        (Locale::ZhCn, Visit) => "上门",
    }
}

/// Display name of a severity.
pub fn severity_name(locale: Locale, severity: Severity) -> &'static str {
    use Severity::*;
    match (locale, severity) {
        (Locale::En, Low) => "Low",
        (Locale::En, Medium) => "Medium",
        (Locale::En, High) => "High",
        (Locale::En, Critical) => "Critical",
        (Locale::ZhCn, Low) => "低",
        (Locale::ZhCn, Medium) => "中",
        (Locale::ZhCn, High) => "高",
        (Locale::ZhCn, Critical) => "紧急",
    }
}

/// Label of a satisfaction score option (1 very unhappy … 5 very happy).
pub fn score_label(locale: Locale, score: u8) -> String {
    let words = match (locale, score) {
        (Locale::En, 1) => "very unhappy",
        (Locale::En, 2) => "unhappy",
        (Locale::En, 3) => "neutral",
        (Locale::En, 4) => "happy",
        (Locale::En, _) => "very happy",
        (Locale::ZhCn, 1) => "非常不满意",
        (Locale::ZhCn, 2) => "不满意",
        (Locale::ZhCn, 3) => "一般",
        (Locale::ZhCn, 4) => "满意",
        (Locale::ZhCn, _) => "非常满意",
    };
    format!("{score} – {words}")
}

/// The message next to a ticket form field.
pub fn ticket_problem_text(locale: Locale, field: &str, problem: &Problem) -> String {
    match (locale, field, problem) {
        (Locale::En, "subject", Problem::Required) => "Enter a subject".into(),
        (Locale::ZhCn, "subject", Problem::Required) => "请输入主题".into(),
        (Locale::En, "due", Problem::BeforeInteraction) => {
            "The due date cannot be before the day the ticket was opened".into()
        }
        (Locale::ZhCn, "due", Problem::BeforeInteraction) => "期限不能早于受理日期".into(),
        _ => problem_text(locale, field, problem),
    }
}

/// Why a ticket step was refused, in the user's language.
pub fn workflow_error_text(locale: Locale, error: &WorkflowError) -> String {
    let status = |s: &str| {
        TicketStatus::parse(s)
            .map(|s| status_name(locale, s).to_string())
            .unwrap_or_else(|| s.to_string())
    };
    match (locale, error) {
        (Locale::En, WorkflowError::OwnerRequired) => {
            "Enter an owner (the person responsible) before assigning the ticket.".into()
        }
        (Locale::ZhCn, WorkflowError::OwnerRequired) => "请先填写负责人，再分派工单。".into(),
        (Locale::En, WorkflowError::ResolutionRequired) => {
            "Describe the resolution before marking the ticket resolved.".into()
        }
        (Locale::ZhCn, WorkflowError::ResolutionRequired) => {
            "请先填写处理结果，再标记为已解决。".into()
        }
        (Locale::En, WorkflowError::SatisfactionRequired) => {
            "Choose the customer's satisfaction (1 to 5) before closing the ticket.".into()
        }
        (Locale::ZhCn, WorkflowError::SatisfactionRequired) => {
            "请先选择客户满意度（1–5），再关闭工单。".into()
        }
        (Locale::En, WorkflowError::SatisfactionOutOfRange { value }) => {
            format!("Satisfaction {value} is not allowed; choose a score from 1 to 5.")
        }
        (Locale::ZhCn, WorkflowError::SatisfactionOutOfRange { value }) => {
            format!("满意度 {value} 无效，请选择 1 到 5 分。")
        }
        (Locale::En, WorkflowError::IllegalTransition { from, to }) => format!(
            "A ticket cannot go from {} to {}; use the buttons shown.",
            status(from),
            status(to)
        ),
        (Locale::ZhCn, WorkflowError::IllegalTransition { from, to }) => format!(
            "工单不能从“{}”变为“{}”，请使用显示的按钮。",
            status(from),
            status(to)
        ),
        (Locale::En, WorkflowError::AlreadyClosed) => {
            "The ticket is closed; open a new ticket instead.".into()
        }
        (Locale::ZhCn, WorkflowError::AlreadyClosed) => "工单已关闭，请新建工单。".into(),
        (_, other) => other.to_string(),
    }
}
