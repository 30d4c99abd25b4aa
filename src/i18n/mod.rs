//! English and Chinese (zh-CN) texts. English is the default; the choice is kept in
//! localStorage. Shared texts live here; each feature area keeps its own texts struct in
//! a submodule (`import`, `segments`) with the same shape: `EN` / `ZH` statics and a
//! `use_*_texts()` hook. A plain struct per locale keeps every text checked by the compiler
//! and costs no runtime parsing (leptos_i18n would add a build step and bundle weight
//! for two locales).

pub mod campaigns;
pub mod care;
pub mod deals;
pub mod import;
pub mod segments;
pub mod tickets;

use crm_core::{BuyingRole, CustomerKind, InteractionKind, Problem, Stage};
use leptos::prelude::*;

/// A supported UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    ZhCn,
}

impl Locale {
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }
    pub fn from_tag(tag: &str) -> Locale {
        if tag.eq_ignore_ascii_case("zh-CN") {
            Locale::ZhCn
        } else {
            Locale::En
        }
    }
    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &EN,
            Locale::ZhCn => &ZH,
        }
    }
}

/// Every fixed text of the UI.
pub struct Texts {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub nav_label: &'static str,
    pub customers: &'static str,
    pub follow_ups: &'static str,
    pub companies: &'static str,
    pub deals: &'static str,
    pub tickets: &'static str,
    pub campaigns: &'static str,
    pub settings: &'static str,
    pub segments: &'static str,
    pub dashboard: &'static str,
    pub sync: &'static str,
    pub language: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub pending: &'static str,
    pub last_sync: &'static str,
    pub never: &'static str,
    pub search_customers: &'static str,
    pub search_placeholder: &'static str,
    pub new_customer: &'static str,
    pub edit_customer: &'static str,
    pub load_demo_data: &'static str,
    pub loading_demo: &'static str,
    pub customers_count: &'static str,
    pub matches_count: &'static str,
    pub customer_list: &'static str,
    pub show_more: &'static str,
    pub empty_title: &'static str,
    pub empty_body: &'static str,
    pub no_matches: &'static str,
    pub loading: &'static str,
    pub kind: &'static str,
    pub person: &'static str,
    pub company_kind: &'static str,
    pub name: &'static str,
    pub company: &'static str,
    pub title: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub city: &'static str,
    pub tags: &'static str,
    pub tags_hint: &'static str,
    pub stage: &'static str,
    pub birthday: &'static str,
    pub preferences: &'static str,
    pub notes: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub saving: &'static str,
    pub fix_errors: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    pub undo: &'static str,
    pub customer_deleted: &'static str,
    pub customer_restored: &'static str,
    pub not_found: &'static str,
    pub back_to_customers: &'static str,
    pub log_interaction: &'static str,
    pub type_: &'static str,
    pub date: &'static str,
    pub summary: &'static str,
    pub outcome: &'static str,
    pub amount: &'static str,
    pub items: &'static str,
    pub next_visit: &'static str,
    pub timeline: &'static str,
    pub no_interactions: &'static str,
    pub interactions_n: &'static str,
    pub purchases_n: &'static str,
    pub spend_total: &'static str,
    pub last_contact: &'static str,
    pub contacts: &'static str,
    pub no_contacts: &'static str,
    pub contracted: &'static str,
    pub membership_expires: &'static str,
    pub contact_of: &'static str,
    pub buying_role: &'static str,
    pub todays_follow_ups: &'static str,
    pub next_14_days: &'static str,
    pub overdue: &'static str,
    pub due: &'static str,
    pub nothing_due: &'static str,
    pub nothing_upcoming: &'static str,
    pub segments_intro: &'static str,
    pub dashboard_intro: &'static str,
    pub sync_intro: &'static str,
    pub demo_data: &'static str,
    pub demo_hint: &'static str,
    pub demo_loaded: &'static str,
    pub storage_blocked: &'static str,
    pub storage_upgrading: &'static str,
    pub server: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub sync_now: &'static str,
    pub signed_in_as: &'static str,
    pub signing_in: &'static str,
    pub bad_credentials: &'static str,
    pub server_unreachable: &'static str,
    pub sync_account: &'static str,
    pub sign_in_hint: &'static str,
    pub receiving: &'static str,
    pub changes_received: &'static str,
    pub syncing: &'static str,
    pub sync_failed: &'static str,
    pub conflicts: &'static str,
    pub conflicts_hint: &'static str,
    pub no_conflicts: &'static str,
    pub restore: &'static str,
    pub dismiss: &'static str,
    /// A conflict entry of a record with no name of its own (an interaction).
    pub an_interaction: &'static str,
    /// Why an interaction's lost value has no Restore.
    pub not_restorable: &'static str,
    pub your_value: &'static str,
    pub kept_value: &'static str,
    pub field: &'static str,
    pub new_version: &'static str,
    pub reload: &'static str,
    pub storage_heading: &'static str,
    pub persistent_storage: &'static str,
    pub granted: &'static str,
    pub not_granted: &'static str,
    pub used_of: &'static str,
    pub offline_note: &'static str,
}

pub static EN: Texts = Texts {
    app_name: "Field CRM",
    skip_to_content: "Skip to content",
    nav_label: "Main",
    customers: "Customers",
    follow_ups: "Follow-ups",
    companies: "Companies",
    deals: "Deals",
    tickets: "Tickets",
    campaigns: "Campaigns",
    settings: "Settings",
    segments: "Segments",
    dashboard: "Dashboard",
    sync: "Sync",
    language: "Language",
    online: "Online",
    offline: "Offline",
    pending: "pending",
    last_sync: "Last sync",
    never: "never",
    search_customers: "Search customers",
    search_placeholder: "Name, company, phone or email — press / to focus",
    new_customer: "New customer",
    edit_customer: "Edit customer",
    load_demo_data: "Load demo data",
    loading_demo: "Loading demo data…",
    customers_count: "customers",
    matches_count: "matching",
    customer_list: "Customer list",
    show_more: "Show more",
    empty_title: "No customers yet",
    empty_body: "Add your first customer, or load the demo data set (500 customers of travel agencies, hotels and courier firms) to try the app.",
    no_matches: "No customer matches this search.",
    loading: "Loading…",
    kind: "Kind",
    person: "Person",
    company_kind: "Company",
    name: "Name",
    company: "Company",
    title: "Job title",
    email: "Email",
    phone: "Phone",
    city: "City",
    tags: "Tags",
    tags_hint: "Separate tags with commas",
    stage: "Stage",
    birthday: "Birthday",
    preferences: "Preferences",
    notes: "Notes",
    save: "Save",
    cancel: "Cancel",
    saving: "Saving…",
    fix_errors: "Please correct the highlighted fields. Nothing was saved.",
    edit: "Edit",
    delete: "Delete",
    undo: "Undo",
    customer_deleted: "Customer deleted",
    customer_restored: "Customer restored",
    not_found: "This customer does not exist or was deleted.",
    back_to_customers: "Back to customers",
    log_interaction: "Log interaction",
    type_: "Type",
    date: "Date",
    summary: "Summary",
    outcome: "Outcome",
    amount: "Amount",
    items: "Items",
    next_visit: "Next visit",
    timeline: "Timeline",
    no_interactions: "No interactions yet. Log the first call, visit or purchase.",
    interactions_n: "interactions",
    purchases_n: "purchases",
    spend_total: "total spend",
    last_contact: "Last contact",
    contacts: "Contacts",
    no_contacts: "No contacts yet.",
    contracted: "Contracted organisation",
    membership_expires: "Membership expires",
    contact_of: "Contact of company",
    buying_role: "Buying role",
    todays_follow_ups: "Today's follow-ups",
    next_14_days: "Next 14 days",
    overdue: "Overdue",
    due: "Due",
    nothing_due: "Nothing due today. Well done.",
    nothing_upcoming: "No visits planned for the next two weeks.",
    segments_intro: "Segments (RFM tiers, spend pyramid, rule builder) arrive in a later release. Customers are already tagged and scored from their purchases.",
    dashboard_intro: "The dashboard arrives in a later release.",
    sync_intro: "Your data is stored on this device and works without a network.",
    demo_data: "Demo data",
    demo_hint: "Loads 500 realistic customers with 18 months of interactions. Demo data stays on this device and is never synced.",
    demo_loaded: "Demo data loaded",
    storage_blocked: "The app was updated: close its other tabs or windows, then reload this one.",
    storage_upgrading: "Updating the data stored on this device for the new version of the app. This happens once; with a large customer book it can take a few minutes.",
    server: "Server",
    password: "Password",
    sign_in: "Sign in",
    sign_out: "Sign out",
    sync_now: "Sync now",
    signed_in_as: "Signed in as",
    signing_in: "Signing in…",
    bad_credentials: "Wrong email or password.",
    server_unreachable: "The server could not be reached",
    sync_account: "Sync account",
    sign_in_hint: "Sign in to your company's server to sync this device. Everything keeps working offline.",
    receiving: "Receiving changes…",
    changes_received: "changes received",
    syncing: "Syncing…",
    sync_failed: "Last attempt failed",
    conflicts: "Conflicts",
    conflicts_hint: "Values you changed on this device that lost to a later change made elsewhere. Restore makes your value the newest edit.",
    no_conflicts: "No conflicts.",
    restore: "Restore",
    dismiss: "Dismiss",
    an_interaction: "Interaction",
    not_restorable: "Both devices moved this interaction while merging duplicates; it stays with the customer the later merge chose. Merge again to move it.",
    your_value: "Your value",
    kept_value: "Kept value",
    field: "Field",
    new_version: "New version available",
    reload: "Reload",
    storage_heading: "Storage on this device",
    persistent_storage: "Persistent storage",
    granted: "granted: the browser will not clear this data on its own",
    not_granted: "not granted yet: the browser may clear this data when the disk is full",
    used_of: "used of",
    offline_note: "You are offline. Everything keeps working; changes sync when the network is back.",
};

pub static ZH: Texts = Texts {
    app_name: "外勤客户通",
    skip_to_content: "跳到正文",
    nav_label: "主导航",
    customers: "客户",
    follow_ups: "跟进",
    companies: "公司",
    deals: "商机",
    tickets: "投诉工单",
    campaigns: "营销活动",
    settings: "设置",
    segments: "客户细分",
    dashboard: "仪表盘",
    sync: "同步",
    language: "语言",
    online: "在线",
    offline: "离线",
    pending: "条待同步",
    last_sync: "上次同步",
    never: "从未",
    search_customers: "搜索客户",
    search_placeholder: "姓名、公司、电话或邮箱 — 按 / 键聚焦",
    new_customer: "新建客户",
    edit_customer: "编辑客户",
    load_demo_data: "加载演示数据",
    loading_demo: "正在加载演示数据…",
    customers_count: "位客户",
    matches_count: "条匹配",
    customer_list: "客户列表",
    show_more: "显示更多",
    empty_title: "还没有客户",
    empty_body: "添加第一位客户，或加载演示数据（500 位旅行社、酒店和快递公司的客户）来试用。",
    no_matches: "没有符合搜索条件的客户。",
    loading: "加载中…",
    kind: "类型",
    person: "个人",
    company_kind: "企业",
    name: "姓名",
    company: "公司",
    title: "职务",
    email: "邮箱",
    phone: "电话",
    city: "城市",
    tags: "标签",
    tags_hint: "多个标签用逗号分隔",
    stage: "阶段",
    birthday: "生日",
    preferences: "偏好",
    notes: "备注",
    save: "保存",
    cancel: "取消",
    saving: "正在保存…",
    fix_errors: "请修改标出的字段。尚未保存任何内容。",
    edit: "编辑",
    delete: "删除",
    undo: "撤销",
    customer_deleted: "客户已删除",
    customer_restored: "客户已恢复",
    not_found: "该客户不存在或已被删除。",
    back_to_customers: "返回客户列表",
    log_interaction: "记录互动",
    type_: "类型",
    date: "日期",
    summary: "摘要",
    outcome: "结果",
    amount: "金额",
    items: "数量",
    next_visit: "下次拜访",
    timeline: "时间线",
    no_interactions: "还没有互动记录。记录第一次电话、拜访或购买吧。",
    interactions_n: "次互动",
    purchases_n: "次购买",
    spend_total: "累计消费",
    last_contact: "最近联系",
    contacts: "联系人",
    no_contacts: "还没有联系人。",
    contracted: "协议单位",
    membership_expires: "会员到期日",
    contact_of: "所属公司",
    buying_role: "采购角色",
    todays_follow_ups: "今日跟进",
    next_14_days: "未来 14 天",
    overdue: "已逾期",
    due: "到期",
    nothing_due: "今天没有待跟进的客户。",
    nothing_upcoming: "未来两周没有计划拜访。",
    segments_intro: "客户细分（RFM 等级、消费金字塔、规则筛选）将在后续版本提供。",
    dashboard_intro: "仪表盘将在后续版本提供。",
    sync_intro: "数据保存在本机，无网络也能使用。",
    demo_data: "演示数据",
    demo_hint: "加载 500 位真实感客户及 18 个月的互动记录。演示数据只保存在本机，不会同步。",
    demo_loaded: "演示数据已加载",
    storage_blocked: "应用已更新：请关闭它的其他标签页或窗口，然后重新加载本页。",
    storage_upgrading:
        "正在为新版本的应用更新本设备上存储的数据。此过程只进行一次；客户较多时可能需要几分钟。",
    server: "服务器",
    password: "密码",
    sign_in: "登录",
    sign_out: "退出登录",
    sync_now: "立即同步",
    signed_in_as: "已登录：",
    signing_in: "正在登录…",
    bad_credentials: "邮箱或密码错误。",
    server_unreachable: "无法连接服务器",
    sync_account: "同步账户",
    sign_in_hint: "登录公司服务器以同步本设备。离线时一切照常可用。",
    receiving: "正在接收更改…",
    changes_received: "条更改已接收",
    syncing: "正在同步…",
    sync_failed: "上次同步失败",
    conflicts: "冲突",
    conflicts_hint:
        "你在本设备上修改、但被其他设备更晚修改覆盖的值。“恢复”会把你的值作为最新修改。",
    no_conflicts: "没有冲突。",
    restore: "恢复",
    dismiss: "忽略",
    an_interaction: "互动记录",
    not_restorable: "两台设备在合并重复客户时都移动了这条互动记录，它留在较晚的合并所选的客户下。如需移动，请再次合并。",
    your_value: "你的值",
    kept_value: "保留的值",
    field: "字段",
    new_version: "有新版本可用",
    reload: "重新加载",
    storage_heading: "本机存储",
    persistent_storage: "持久存储",
    granted: "已授予：浏览器不会自行清除这些数据",
    not_granted: "尚未授予：磁盘空间不足时浏览器可能清除这些数据",
    used_of: "已用，共",
    offline_note: "当前离线。一切照常可用，联网后自动同步。",
};

/// The message shown next to a field for a validation problem.
pub fn problem_text(locale: Locale, field: &str, problem: &Problem) -> String {
    match (locale, problem) {
        (Locale::En, Problem::Required) if field == "name" => "Enter a name".into(),
        (Locale::En, Problem::Required) => "This field is required".into(),
        (Locale::En, Problem::TooLong { max }) => format!("At most {max} characters"),
        (Locale::En, Problem::InvalidEmail) => "Enter a valid email address".into(),
        (Locale::En, Problem::InvalidPhone) => {
            "Enter a valid phone number (digits, spaces, + and -)".into()
        }
        (Locale::En, Problem::InvalidDate) => "Enter a date as YYYY-MM-DD".into(),
        (Locale::En, Problem::InvalidAmount) => "Enter an amount such as 1280.50".into(),
        (Locale::En, Problem::Negative) => "The amount cannot be negative".into(),
        (Locale::En, Problem::InFuture) => "The date cannot be in the future".into(),
        (Locale::En, Problem::BeforeInteraction) => {
            "The next visit cannot be before this interaction".into()
        }
        (Locale::En, Problem::TagTooLong { max }) => {
            format!("Each tag can have at most {max} characters")
        }
        (Locale::ZhCn, Problem::Required) if field == "name" => "请输入姓名".into(),
        (Locale::ZhCn, Problem::Required) => "此项为必填".into(),
        (Locale::ZhCn, Problem::TooLong { max }) => format!("最多 {max} 个字符"),
        (Locale::ZhCn, Problem::InvalidEmail) => "请输入有效的邮箱地址".into(),
        (Locale::ZhCn, Problem::InvalidPhone) => {
            "请输入有效的电话号码（数字、空格、+ 和 -）".into()
        }
        (Locale::ZhCn, Problem::InvalidDate) => "请按 YYYY-MM-DD 输入日期".into(),
        (Locale::ZhCn, Problem::InvalidAmount) => "请输入金额，例如 1280.50".into(),
        (Locale::ZhCn, Problem::Negative) => "金额不能为负数".into(),
        (Locale::ZhCn, Problem::InFuture) => "日期不能晚于今天".into(),
        (Locale::ZhCn, Problem::BeforeInteraction) => "下次拜访不能早于本次日期".into(),
        (Locale::ZhCn, Problem::TagTooLong { max }) => format!("每个标签最多 {max} 个字符"),
    }
}

pub fn interaction_kind(locale: Locale, kind: InteractionKind) -> &'static str {
    use InteractionKind::*;
    match (locale, kind) {
        (Locale::En, Call) => "Call",
        (Locale::En, Visit) => "Visit",
        (Locale::En, Email) => "Email",
        (Locale::En, Wechat) => "WeChat",
        (Locale::En, Meeting) => "Meeting",
        (Locale::En, Note) => "Note",
        (Locale::En, Purchase) => "Purchase",
        (Locale::ZhCn, Call) => "电话",
        (Locale::ZhCn, Visit) => "拜访",
        (Locale::ZhCn, Email) => "邮件",
        (Locale::ZhCn, Wechat) => "微信",
        (Locale::ZhCn, Meeting) => "会议",
        (Locale::ZhCn, Note) => "备注",
        (Locale::ZhCn, Purchase) => "购买",
    }
}

pub fn stage(locale: Locale, stage: Stage) -> &'static str {
    match (locale, stage) {
        (Locale::En, Stage::Lead) => "Lead",
        (Locale::En, Stage::Prospect) => "Prospect",
        (Locale::En, Stage::Customer) => "Customer",
        (Locale::En, Stage::Dormant) => "Dormant",
        (Locale::ZhCn, Stage::Lead) => "线索",
        (Locale::ZhCn, Stage::Prospect) => "潜在客户",
        (Locale::ZhCn, Stage::Customer) => "成交客户",
        (Locale::ZhCn, Stage::Dormant) => "沉睡客户",
    }
}

pub fn customer_kind(locale: Locale, kind: CustomerKind) -> &'static str {
    let t = locale.texts();
    match kind {
        CustomerKind::Person => t.person,
        CustomerKind::Company => t.company_kind,
    }
}

pub fn buying_role(locale: Locale, role: BuyingRole) -> &'static str {
    use BuyingRole::*;
    match (locale, role) {
        (Locale::En, Initiator) => "Initiator",
        (Locale::En, User) => "User",
        (Locale::En, Influencer) => "Influencer",
        (Locale::En, Buyer) => "Buyer",
        (Locale::En, Gatekeeper) => "Gatekeeper",
        (Locale::En, Decider) => "Decider",
        (Locale::ZhCn, Initiator) => "发起者",
        (Locale::ZhCn, User) => "使用者",
        (Locale::ZhCn, Influencer) => "影响者",
        (Locale::ZhCn, Buyer) => "采购者",
        (Locale::ZhCn, Gatekeeper) => "把关者",
        (Locale::ZhCn, Decider) => "决策者",
    }
}

/// The current locale, shared by context.
#[derive(Clone, Copy)]
pub struct LocaleCtx(pub RwSignal<Locale>);

/// The current locale signal (provided by `App`).
pub fn use_locale() -> RwSignal<Locale> {
    expect_context::<LocaleCtx>().0
}

/// The texts of the current locale, reactive.
pub fn use_texts() -> Signal<&'static Texts> {
    let locale = use_locale();
    Signal::derive(move || locale.get().texts())
}
