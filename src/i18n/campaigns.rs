//! Texts of the Campaigns and Settings screens and of the loyalty panel on the customer
//! page (see the module docs of `i18n`).

use crm_core::Problem;
use leptos::prelude::*;

use super::{problem_text, use_locale, Locale};

/// Every fixed text of campaigns, loyalty and the organisation settings.
pub struct CampaignTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub new_campaign: &'static str,
    pub edit_campaign: &'static str,
    pub campaign_list: &'static str,
    pub empty: &'static str,
    pub name: &'static str,
    pub target_segment: &'static str,
    pub no_segment: &'static str,
    pub deleted_segment: &'static str,
    pub cost: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub notes: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    pub fix_errors: &'static str,
    pub campaign_saved: &'static str,
    pub campaign_deleted: &'static str,
    pub segments_hint: &'static str,
    pub period: &'static str,
    pub no_dates: &'static str,
    pub from: &'static str,
    pub until: &'static str,
    pub revenue: &'static str,
    pub purchases: &'static str,
    pub buyers: &'static str,
    pub targets: &'static str,
    pub roi: &'static str,
    pub conversion: &'static str,
    pub results_loading: &'static str,
    pub campaign: &'static str,
    pub no_campaign: &'static str,
    pub loyalty: &'static str,
    pub points: &'static str,
    pub member_tier: &'static str,
    pub no_tier: &'static str,
    pub points_history: &'static str,
    pub no_points: &'static str,
    pub date: &'static str,
    pub amount: &'static str,
    pub balance: &'static str,
    pub settings_title: &'static str,
    pub settings_intro: &'static str,
    pub loyalty_heading: &'static str,
    pub points_per_yuan: &'static str,
    pub points_per_yuan_hint: &'static str,
    pub member_tiers: &'static str,
    pub tiers_hint: &'static str,
    pub tier: &'static str,
    pub tier_name: &'static str,
    pub min_points: &'static str,
    pub add_tier: &'static str,
    pub remove_tier: &'static str,
    pub approval_heading: &'static str,
    pub discount_limit: &'static str,
    pub discount_limit_hint: &'static str,
    pub settings_saved: &'static str,
    pub no_changes: &'static str,
}

pub static EN: CampaignTexts = CampaignTexts {
    title: "Campaigns",
    intro: "Aim a campaign at a saved segment, record what it cost, and link purchases to it when you log them on a customer's page. Revenue, ROI and conversion follow from the linked purchases.",
    new_campaign: "New campaign",
    edit_campaign: "Edit campaign",
    campaign_list: "Campaign list",
    empty: "No campaigns yet. Choose New campaign to plan the first one.",
    name: "Name",
    target_segment: "Target segment",
    no_segment: "No segment",
    deleted_segment: "deleted segment",
    cost: "Cost",
    start: "Start",
    end: "End",
    notes: "Notes",
    save: "Save",
    cancel: "Cancel",
    edit: "Edit",
    delete: "Delete",
    fix_errors: "Please correct the highlighted fields. Nothing was saved.",
    campaign_saved: "Campaign saved",
    campaign_deleted: "Campaign deleted",
    segments_hint: "No saved segments yet: save one on the Segments screen to target it.",
    period: "Period",
    no_dates: "No dates set",
    from: "from",
    until: "until",
    revenue: "Revenue",
    purchases: "Purchases",
    buyers: "Buyers",
    targets: "Targets",
    roi: "ROI",
    conversion: "Conversion",
    results_loading: "Counting…",
    campaign: "Campaign",
    no_campaign: "None",
    loyalty: "Loyalty",
    points: "Points",
    member_tier: "Member tier",
    no_tier: "None yet",
    points_history: "Points history",
    no_points: "No purchases yet: points are earned from purchases.",
    date: "Date",
    amount: "Amount",
    balance: "Balance",
    settings_title: "Settings",
    settings_intro: "These settings apply to the whole organisation and sync to every device.",
    loyalty_heading: "Loyalty points",
    points_per_yuan: "Points per yuan",
    points_per_yuan_hint: "Points a customer earns for each ¥1 spent, e.g. 1 or 0.5.",
    member_tiers: "Member tiers",
    tiers_hint: "A customer belongs to the highest tier whose minimum points they reach. List tiers from lowest to highest.",
    tier: "Tier",
    tier_name: "name",
    min_points: "minimum points",
    add_tier: "Add tier",
    remove_tier: "Remove tier",
    approval_heading: "Deal discount approval",
    discount_limit: "Discount approval limit (%)",
    discount_limit_hint: "Deals with a larger discount need a manager's approval.",
    settings_saved: "Settings saved",
    no_changes: "No changes to save",
};

pub static ZH: CampaignTexts = CampaignTexts {
    title: "营销活动",
    intro: "为已保存的客户细分策划营销活动，记录活动费用；在客户页面记录购买时关联活动。收入、投资回报率和转化率由关联的购买自动计算。",
    new_campaign: "新建活动",
    edit_campaign: "编辑活动",
    campaign_list: "活动列表",
    empty: "还没有营销活动。点击“新建活动”策划第一个。",
    name: "名称",
    target_segment: "目标细分",
    no_segment: "不指定细分",
    deleted_segment: "已删除的细分",
    cost: "费用",
    start: "开始日期",
    end: "结束日期",
    notes: "备注",
    save: "保存",
    cancel: "取消",
    edit: "编辑",
    delete: "删除",
    fix_errors: "请修改标出的字段。尚未保存任何内容。",
    campaign_saved: "活动已保存",
    campaign_deleted: "活动已删除",
    segments_hint: "还没有保存的细分：在“客户细分”页面保存后即可作为目标。",
    period: "活动期间",
    no_dates: "未设日期",
    from: "自",
    until: "至",
    revenue: "收入",
    purchases: "购买次数",
    buyers: "购买客户",
    targets: "目标客户",
    roi: "投资回报率",
    conversion: "转化率",
    results_loading: "正在计算…",
    campaign: "营销活动",
    no_campaign: "无",
    loyalty: "会员积分",
    points: "积分",
    member_tier: "会员等级",
    no_tier: "暂无",
    points_history: "积分记录",
    no_points: "还没有购买记录：积分由购买获得。",
    date: "日期",
    amount: "金额",
    balance: "积分余额",
    settings_title: "设置",
    settings_intro: "这些设置适用于整个组织，并同步到所有设备。",
    loyalty_heading: "会员积分",
    points_per_yuan: "每元积分",
    points_per_yuan_hint: "客户每消费 ¥1 获得的积分，例如 1 或 0.5。",
    member_tiers: "会员等级",
    tiers_hint: "客户属于其积分达到的最高等级。请按从低到高的顺序列出等级。",
    tier: "等级",
    tier_name: "名称",
    min_points: "最低积分",
    add_tier: "添加等级",
    remove_tier: "删除等级",
    approval_heading: "商机折扣审批",
    discount_limit: "折扣审批上限（%）",
    discount_limit_hint: "折扣超过此上限的商机需要经理审批。",
    settings_saved: "设置已保存",
    no_changes: "没有需要保存的更改",
};

/// The campaign, loyalty and settings texts of the current locale, reactive.
pub fn use_campaign_texts() -> Signal<&'static CampaignTexts> {
    let locale = use_locale();
    Signal::derive(move || match locale.get() {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    })
}

/// The message next to a campaign or settings field: specific wording for the fields of
/// these forms (e.g. an end date before the start), the shared wording otherwise.
pub fn field_problem(locale: Locale, field: &str, problem: &Problem) -> String {
    let en = locale == Locale::En;
    let text = match (field, problem) {
        ("name", Problem::Required) => Some(if en {
            "Enter a campaign name"
        } else {
            "请输入活动名称"
        }),
        ("cost", Problem::InvalidAmount) => Some(if en {
            "Enter a cost such as 3000 or 1,280.50"
        } else {
            "请输入费用，例如 3000 或 1,280.50"
        }),
        ("cost", Problem::Negative) => Some(if en {
            "The cost cannot be negative"
        } else {
            "费用不能为负数"
        }),
        ("end", Problem::BeforeInteraction) => Some(if en {
            "The end date cannot be before the start date"
        } else {
            "结束日期不能早于开始日期"
        }),
        ("points_per_yuan", Problem::InvalidAmount) => Some(if en {
            "Enter a number above 0, such as 1 or 0.5"
        } else {
            "请输入大于 0 的数字，例如 1 或 0.5"
        }),
        ("points_per_yuan", Problem::Negative) => Some(if en {
            "Points per yuan cannot be negative"
        } else {
            "每元积分不能为负数"
        }),
        ("tiers", Problem::Required) => Some(if en {
            "Every tier needs a name"
        } else {
            "每个等级都需要名称"
        }),
        ("tiers", Problem::Negative) => Some(if en {
            "The lowest tier cannot start below 0 points"
        } else {
            "最低等级的积分不能小于 0"
        }),
        ("tiers", Problem::InvalidAmount) => Some(if en {
            "Minimum points must be whole numbers, each tier higher than the one before"
        } else {
            "最低积分必须是整数，且每个等级高于前一个等级"
        }),
        ("discount_limit_pct", Problem::InvalidAmount) => Some(if en {
            "Enter a percentage from 0 to 100"
        } else {
            "请输入 0 到 100 之间的百分比"
        }),
        ("discount_limit_pct", Problem::Negative) => Some(if en {
            "The limit cannot be negative"
        } else {
            "上限不能为负数"
        }),
        _ => None,
    };
    text.map(str::to_string)
        .unwrap_or_else(|| problem_text(locale, field, problem))
}
