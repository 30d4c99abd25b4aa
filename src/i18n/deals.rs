//! Texts of the Deals screen (see the module docs of `i18n`): the pipeline board, the
//! deal form, discount approval and the reasons a move is refused.

use crm_core::{
    workflow::{DealStage, WorkflowError},
    Problem,
};
use leptos::prelude::*;

use super::{problem_text, use_locale, Locale};

/// Every fixed text of the Deals screen. Texts with `{title}`, `{stage}`, `{limit}` or
/// `{name}` are templates filled with [`fill`].
pub struct DealTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub new_deal: &'static str,
    pub edit_deal: &'static str,
    pub f_title: &'static str,
    pub f_customer: &'static str,
    pub f_amount: &'static str,
    pub f_discount: &'static str,
    pub f_expected_close: &'static str,
    pub f_probability: &'static str,
    pub f_notes: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub customer_hint: &'static str,
    pub customer_matches: &'static str,
    pub no_customer_matches: &'static str,
    pub pick_customer: &'static str,
    pub discount_hint: &'static str,
    pub probability_hint: &'static str,
    pub amount_hint: &'static str,
    pub fix_errors: &'static str,
    pub totals: &'static str,
    pub open_deals: &'static str,
    pub open_pipeline: &'static str,
    pub weighted_pipeline: &'static str,
    pub board: &'static str,
    pub empty_board: &'static str,
    pub empty_column: &'static str,
    pub column_summary: &'static str,
    pub no_customer: &'static str,
    pub amount: &'static str,
    pub discount: &'static str,
    pub probability: &'static str,
    pub expected_close: &'static str,
    pub owner: &'static str,
    pub pending_approval: &'static str,
    pub approved: &'static str,
    pub approved_by: &'static str,
    pub rejected: &'static str,
    pub rejected_by: &'static str,
    pub manager_must_approve: &'static str,
    pub manager_decides: &'static str,
    pub rejected_note: &'static str,
    pub approve: &'static str,
    pub approve_label: &'static str,
    pub reject: &'static str,
    pub reject_label: &'static str,
    pub move_to: &'static str,
    pub reopen: &'static str,
    pub reopen_label: &'static str,
    pub edit: &'static str,
    pub edit_label: &'static str,
    pub delete: &'static str,
    pub delete_label: &'static str,
    pub deal_deleted: &'static str,
    pub deal_restored: &'static str,
    pub loading: &'static str,
}

pub static EN: DealTexts = DealTexts {
    title: "Deals",
    intro: "Your pipeline from lead to won. Move a deal with its buttons; a discount above the limit waits for a manager's approval.",
    new_deal: "New deal",
    edit_deal: "Edit deal",
    f_title: "Title",
    f_customer: "Customer",
    f_amount: "Amount",
    f_discount: "Discount %",
    f_expected_close: "Expected close",
    f_probability: "Probability",
    f_notes: "Notes",
    save: "Save",
    cancel: "Cancel",
    customer_hint: "Type a name, company or phone number and pick the customer from the list.",
    customer_matches: "Matching customers",
    no_customer_matches: "No customer matches. Check the spelling or add the customer on the Customers screen first.",
    pick_customer: "Pick a customer from the list, or clear the field",
    discount_hint: "Discounts above {limit} % need a manager's approval.",
    probability_hint: "Win probability in percent (0–100). Leave empty to follow the stage.",
    amount_hint: "In yuan, after the discount, e.g. 128000",
    fix_errors: "Please correct the highlighted fields. Nothing was saved.",
    totals: "Pipeline totals",
    open_deals: "Open deals",
    open_pipeline: "Open pipeline",
    weighted_pipeline: "Weighted pipeline",
    board: "Pipeline",
    empty_board: "No deals yet. Choose New deal to add your first opportunity.",
    empty_column: "No deals in this stage.",
    column_summary: "{count} · {amount}",
    no_customer: "No customer",
    amount: "Amount",
    discount: "Discount",
    probability: "Probability",
    expected_close: "Expected close",
    owner: "Owner",
    pending_approval: "Pending approval",
    approved: "Discount approved",
    approved_by: "Discount approved by {name}",
    rejected: "Discount rejected",
    rejected_by: "Discount rejected by {name}",
    manager_must_approve: "A manager must approve this discount before the deal can be won.",
    manager_decides: "The discount is above the {limit} % limit: approve or reject it.",
    rejected_note: "Lower the discount to the limit, or change it to ask for approval again.",
    approve: "Approve",
    approve_label: "Approve discount on {title}",
    reject: "Reject",
    reject_label: "Reject discount on {title}",
    move_to: "Move {title} to {stage}",
    reopen: "Reopen",
    reopen_label: "Reopen {title}",
    edit: "Edit",
    edit_label: "Edit {title}",
    delete: "Delete",
    delete_label: "Delete {title}",
    deal_deleted: "Deal deleted",
    deal_restored: "Deal restored",
    loading: "Loading…",
};

pub static ZH: DealTexts = DealTexts {
    title: "商机",
    intro: "从线索到赢单的销售管道。用卡片上的按钮移动商机；超过限额的折扣需经理审批。",
    new_deal: "新建商机",
    edit_deal: "编辑商机",
    f_title: "标题",
    f_customer: "客户",
    f_amount: "金额",
    f_discount: "折扣 %",
    f_expected_close: "预计成交日期",
    f_probability: "赢率",
    f_notes: "备注",
    save: "保存",
    cancel: "取消",
    customer_hint: "输入姓名、公司或电话，然后从列表中选择客户。",
    customer_matches: "匹配的客户",
    no_customer_matches: "没有匹配的客户。请检查拼写，或先在客户页面添加该客户。",
    pick_customer: "请从列表中选择客户，或清空此项",
    discount_hint: "折扣超过 {limit}% 需经理审批。",
    probability_hint: "赢率百分比（0–100）。留空则按阶段默认值。",
    amount_hint: "单位为元，折扣后金额，例如 128000",
    fix_errors: "请修改标出的字段。尚未保存任何内容。",
    totals: "管道合计",
    open_deals: "进行中的商机",
    open_pipeline: "管道金额",
    weighted_pipeline: "加权管道金额",
    board: "销售管道",
    empty_board: "还没有商机。点击“新建商机”添加第一个销售机会。",
    empty_column: "此阶段暂无商机。",
    column_summary: "{count} 个 · {amount}",
    no_customer: "未关联客户",
    amount: "金额",
    discount: "折扣",
    probability: "赢率",
    expected_close: "预计成交",
    owner: "负责人",
    pending_approval: "待审批",
    approved: "折扣已批准",
    approved_by: "折扣已由 {name} 批准",
    rejected: "折扣已驳回",
    rejected_by: "折扣已被 {name} 驳回",
    manager_must_approve: "此折扣需经理批准后，商机才能标记为赢单。",
    manager_decides: "折扣超过 {limit}% 的限额：请批准或驳回。",
    rejected_note: "请把折扣降到限额以内，或修改折扣重新申请审批。",
    approve: "批准",
    approve_label: "批准{title}的折扣",
    reject: "驳回",
    reject_label: "驳回{title}的折扣",
    move_to: "将{title}移到{stage}",
    reopen: "重新打开",
    reopen_label: "重新打开{title}",
    edit: "编辑",
    edit_label: "编辑{title}",
    delete: "删除",
    delete_label: "删除{title}",
    deal_deleted: "商机已删除",
    deal_restored: "商机已恢复",
    loading: "加载中…",
};

/// The Deals texts of the current locale, reactive.
pub fn use_deal_texts() -> Signal<&'static DealTexts> {
    let locale = use_locale();
    Signal::derive(move || match locale.get() {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    })
}

/// Fills `{key}` placeholders of a template.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |text, (key, value)| {
            text.replace(&format!("{{{key}}}"), value)
        })
}

/// Display name of a pipeline stage (the kanban column heading).
pub fn deal_stage(locale: Locale, stage: DealStage) -> &'static str {
    use DealStage::*;
    match (locale, stage) {
        (Locale::En, Lead) => "Lead",
        (Locale::En, Qualified) => "Qualified",
        (Locale::En, Proposal) => "Proposal",
        (Locale::En, Negotiation) => "Negotiation",
        (Locale::En, Won) => "Won",
        (Locale::En, Lost) => "Lost",
        (Locale::ZhCn, Lead) => "线索",
        (Locale::ZhCn, Qualified) => "已确认",
        (Locale::ZhCn, Proposal) => "方案",
        (Locale::ZhCn, Negotiation) => "谈判",
        (Locale::ZhCn, Won) => "赢单",
        (Locale::ZhCn, Lost) => "输单",
    }
}

/// Why a deal step was refused, saying what to do next.
pub fn workflow_error(locale: Locale, error: &WorkflowError) -> String {
    let stage_name = |s: &str| {
        DealStage::parse(s)
            .map(|st| deal_stage(locale, st).to_string())
            .unwrap_or_else(|| s.to_string())
    };
    match (locale, error) {
        (Locale::En, WorkflowError::IllegalTransition { from, to }) => format!(
            "A deal in {} cannot move to {}. Move it one stage at a time, or mark it won or lost.",
            stage_name(from),
            stage_name(to)
        ),
        (Locale::En, WorkflowError::ApprovalPending) => {
            "Cannot mark this deal won: its discount is waiting for a manager's approval. Ask a manager to approve it first.".into()
        }
        (Locale::En, WorkflowError::ApprovalRejected) => {
            "Cannot mark this deal won: a manager rejected its discount. Lower the discount to ask for approval again.".into()
        }
        (Locale::En, WorkflowError::ManagerRequired) => {
            "Only a manager or an admin can approve or reject a discount.".into()
        }
        (Locale::En, WorkflowError::NothingToApprove) => {
            "This deal is not waiting for approval any more.".into()
        }
        (Locale::ZhCn, WorkflowError::IllegalTransition { from, to }) => format!(
            "处于“{}”的商机不能移到“{}”。请逐个阶段移动，或标记为赢单/输单。",
            stage_name(from),
            stage_name(to)
        ),
        (Locale::ZhCn, WorkflowError::ApprovalPending) => {
            "无法标记为赢单：折扣正在等待经理审批。请先请经理批准。".into()
        }
        (Locale::ZhCn, WorkflowError::ApprovalRejected) => {
            "无法标记为赢单：经理已驳回该折扣。请降低折扣后重新申请审批。".into()
        }
        (Locale::ZhCn, WorkflowError::ManagerRequired) => "只有经理或管理员可以批准或驳回折扣。".into(),
        (Locale::ZhCn, WorkflowError::NothingToApprove) => "此商机已不在等待审批。".into(),
        // Ticket reasons never come from a deal; keep the core's explanation.
        (_, other) => other.to_string(),
    }
}

/// A field error of the deal form: percentages get their own wording, everything else
/// the shared messages.
pub fn deal_problem(locale: Locale, field: &str, problem: &Problem) -> String {
    match (locale, field, problem) {
        (Locale::En, "discount_pct", Problem::InvalidAmount) => {
            "Enter a discount from 0 to 100, such as 12.5".into()
        }
        (Locale::En, "discount_pct", Problem::Negative) => "The discount cannot be negative".into(),
        (Locale::En, "probability", Problem::InvalidAmount) => {
            "Enter a whole percentage from 0 to 100".into()
        }
        (Locale::En, "probability", Problem::Negative) => {
            "The probability cannot be negative".into()
        }
        (Locale::En, "title", Problem::Required) => "Enter a title for the deal".into(),
        (Locale::ZhCn, "discount_pct", Problem::InvalidAmount) => {
            "请输入 0 到 100 之间的折扣，例如 12.5".into()
        }
        (Locale::ZhCn, "discount_pct", Problem::Negative) => "折扣不能为负数".into(),
        (Locale::ZhCn, "probability", Problem::InvalidAmount) => {
            "请输入 0 到 100 之间的整数百分比".into()
        }
        (Locale::ZhCn, "probability", Problem::Negative) => "赢率不能为负数".into(),
        (Locale::ZhCn, "title", Problem::Required) => "请输入商机标题".into(),
        _ => problem_text(locale, field, problem),
    }
}
