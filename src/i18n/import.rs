//! Texts of the import, export, duplicates and backup screens (see the module docs of
//! `i18n`), and the messages for import problems that crm-core reports as values.

use crm_core::import::{
    backup::{BackupError, BackupProblem},
    dedupe::{DuplicateAction, MatchKey},
    encoding::Delimiter,
    mapping::{ImportField, MappingProblem},
    merge_customers::{MergeError, MergeField},
    ImportError, RowError, RowProblem,
};
use leptos::prelude::*;

use super::{problem_text, use_locale, Locale};

/// Every fixed text of the import, export, duplicates and backup screens.
pub struct ImportTexts {
    pub title: &'static str,
    pub import_file: &'static str,
    pub drop_hint: &'static str,
    pub export: &'static str,
    pub export_hint: &'static str,
    pub exported: &'static str,
    pub duplicates: &'static str,
    pub reading: &'static str,
    pub encoding: &'static str,
    pub delimiter: &'static str,
    pub comma: &'static str,
    pub semicolon: &'static str,
    pub tab: &'static str,
    pub decode_warning: &'static str,
    pub columns: &'static str,
    pub column: &'static str,
    pub imports_into: &'static str,
    pub dont_import: &'static str,
    pub preview: &'static str,
    pub line: &'static str,
    pub problems: &'static str,
    pub ok: &'static str,
    pub rows_in_file: &'static str,
    pub rows_ready: &'static str,
    pub rows_with_problems: &'static str,
    pub duplicates_found: &'static str,
    pub duplicate_default: &'static str,
    pub skip: &'static str,
    pub update_empty: &'static str,
    pub create_anyway: &'static str,
    pub matches: &'static str,
    pub earlier_row: &'static str,
    pub start_import: &'static str,
    pub cancel: &'static str,
    pub importing: &'static str,
    pub import_progress: &'static str,
    pub of: &'static str,
    pub imported: &'static str,
    pub updated: &'static str,
    pub skipped: &'static str,
    pub rejected: &'static str,
    pub rejected_rows: &'static str,
    pub download_rejected: &'static str,
    pub close: &'static str,
    pub cancelled: &'static str,
    pub failed: &'static str,
    pub and_more: &'static str,
    pub duplicates_intro: &'static str,
    pub no_duplicates: &'static str,
    pub pairs: &'static str,
    pub merge: &'static str,
    pub merge_title: &'static str,
    pub keep_record: &'static str,
    pub created_on: &'static str,
    pub both: &'static str,
    pub empty_value: &'static str,
    pub no_differences: &'static str,
    pub confirm_merge: &'static str,
    pub merged: &'static str,
    pub open_customer: &'static str,
    pub backup_title: &'static str,
    pub backup_hint: &'static str,
    pub backup: &'static str,
    pub restore_file: &'static str,
    pub restore: &'static str,
    pub restored: &'static str,
    pub interactions: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
}

/// English.
pub static EN: ImportTexts = ImportTexts {
    title: "Import",
    import_file: "Import file",
    drop_hint: "CSV or vCard; you can also drop a file on this screen.",
    export: "Export",
    export_hint: "Exports the customers shown (all, or the current search result) as a CSV file.",
    exported: "customers exported",
    duplicates: "Duplicates",
    reading: "Reading the file…",
    encoding: "Encoding",
    delimiter: "Delimiter",
    comma: "Comma (,)",
    semicolon: "Semicolon (;)",
    tab: "Tab",
    decode_warning: "Some characters could not be read: if the preview looks garbled, choose another encoding.",
    columns: "Columns",
    column: "Column",
    imports_into: "Imports into",
    dont_import: "Don't import",
    preview: "Preview (first 20 rows)",
    line: "Line",
    problems: "Problems",
    ok: "OK",
    rows_in_file: "rows in the file",
    rows_ready: "ready to import",
    rows_with_problems: "Rows with problems",
    duplicates_found: "rows match a customer you already have",
    duplicate_default: "For matching rows",
    skip: "Skip",
    update_empty: "Update empty fields",
    create_anyway: "Create anyway",
    matches: "matches",
    earlier_row: "an earlier row of this file",
    start_import: "Start import",
    cancel: "Cancel",
    importing: "Importing…",
    import_progress: "Import progress",
    of: "of",
    imported: "imported",
    updated: "updated",
    skipped: "skipped",
    rejected: "rejected",
    rejected_rows: "Rejected rows",
    download_rejected: "Download rejected rows",
    close: "Close",
    cancelled: "Import cancelled: the rows counted above were saved, nothing else was.",
    failed: "Import stopped, the rows counted above were saved:",
    and_more: "more",
    duplicates_intro: "Customers that share an email address, a phone number, or a name at the same company. Merging keeps one of them with the values you choose and moves the other's timeline to it.",
    no_duplicates: "No duplicates found.",
    pairs: "Duplicate pairs",
    merge: "Merge",
    merge_title: "Merge",
    keep_record: "Keep record",
    created_on: "created",
    both: "Both",
    empty_value: "(empty)",
    no_differences: "The two records hold the same values.",
    confirm_merge: "Confirm merge",
    merged: "Merged.",
    open_customer: "Open the merged customer",
    backup_title: "Backup and restore",
    backup_hint: "A backup is one JSON file with every customer and interaction. Restore works only into an empty database (a new browser profile or device).",
    backup: "Backup",
    restore_file: "Restore from backup",
    restore: "Restore",
    restored: "Restored",
    interactions: "interactions",
    yes: "yes",
    no: "no",
};

/// Simplified Chinese.
pub static ZH: ImportTexts = ImportTexts {
    title: "导入",
    import_file: "导入文件",
    drop_hint: "CSV 或 vCard；也可以把文件拖到此页面。",
    export: "导出",
    export_hint: "把当前显示的客户（全部或当前搜索结果）导出为 CSV 文件。",
    exported: "位客户已导出",
    duplicates: "重复客户",
    reading: "正在读取文件…",
    encoding: "编码",
    delimiter: "分隔符",
    comma: "逗号 (,)",
    semicolon: "分号 (;)",
    tab: "制表符",
    decode_warning: "部分字符无法识别：如果预览是乱码，请换一种编码。",
    columns: "列",
    column: "列",
    imports_into: "导入到",
    dont_import: "不导入",
    preview: "预览（前 20 行）",
    line: "行",
    problems: "问题",
    ok: "正常",
    rows_in_file: "行数据",
    rows_ready: "行可导入",
    rows_with_problems: "有问题的行",
    duplicates_found: "行与已有客户重复",
    duplicate_default: "重复行的处理",
    skip: "跳过",
    update_empty: "补全空白字段",
    create_anyway: "仍然新建",
    matches: "匹配",
    earlier_row: "本文件中较早的一行",
    start_import: "开始导入",
    cancel: "取消",
    importing: "正在导入…",
    import_progress: "导入进度",
    of: "/",
    imported: "条已导入",
    updated: "条已更新",
    skipped: "条已跳过",
    rejected: "条被拒绝",
    rejected_rows: "被拒绝的行",
    download_rejected: "下载被拒绝的行",
    close: "关闭",
    cancelled: "导入已取消：上面计数的行已保存，其余未写入。",
    failed: "导入中止，上面计数的行已保存：",
    and_more: "更多",
    duplicates_intro: "邮箱、电话相同，或同一公司下姓名相同的客户。合并会保留其中一位（字段取你选择的值），并把另一位的时间线移过来。",
    no_duplicates: "没有发现重复客户。",
    pairs: "重复客户对",
    merge: "合并",
    merge_title: "合并",
    keep_record: "保留的记录",
    created_on: "创建于",
    both: "两者都保留",
    empty_value: "（空）",
    no_differences: "两条记录的值相同。",
    confirm_merge: "确认合并",
    merged: "已合并。",
    open_customer: "打开合并后的客户",
    backup_title: "备份与恢复",
    backup_hint: "备份是一个包含全部客户和互动记录的 JSON 文件。只能恢复到空数据库（新的浏览器配置或设备）。",
    backup: "备份",
    restore_file: "从备份恢复",
    restore: "恢复",
    restored: "已恢复",
    interactions: "条互动",
    yes: "是",
    no: "否",
};

/// The import texts of the current locale, reactive.
pub fn use_import_texts() -> Signal<&'static ImportTexts> {
    let locale = use_locale();
    Signal::derive(move || match locale.get() {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    })
}

impl Locale {
    /// This locale's import texts.
    pub fn import_texts(self) -> &'static ImportTexts {
        match self {
            Locale::En => &EN,
            Locale::ZhCn => &ZH,
        }
    }
}

/// A customer field's label (shared names from the customer form where they exist).
fn customer_field(locale: Locale, field: &str) -> String {
    let t = locale.texts();
    let zh = locale == Locale::ZhCn;
    match field {
        "name" => t.name,
        "kind" => t.kind,
        "company" => t.company,
        "title" => t.title,
        "email" => t.email,
        "phone" => t.phone,
        "city" => t.city,
        "tags" => t.tags,
        "stage" => t.stage,
        "birthday" => t.birthday,
        "preferences" => t.preferences,
        "notes" => t.notes,
        "contracted" => t.contracted,
        "source" if zh => "来源",
        "source" => "Source",
        "owner" if zh => "负责人",
        "owner" => "Owner",
        other => return other.to_string(),
    }
    .to_string()
}

/// The mapping menu's name of an import field.
pub fn import_field(locale: Locale, field: ImportField) -> String {
    let zh = locale == Locale::ZhCn;
    match field {
        ImportField::GivenName if zh => "名".into(),
        ImportField::GivenName => "First name".into(),
        ImportField::FamilyName if zh => "姓".into(),
        ImportField::FamilyName => "Last name".into(),
        other => customer_field(
            locale,
            serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
                .as_str(),
        ),
    }
}

/// The Merge screen's name of a customer field.
pub fn merge_field(locale: Locale, field: MergeField) -> String {
    let zh = locale == Locale::ZhCn;
    match field {
        MergeField::CompanyId if zh => "所属公司记录".into(),
        MergeField::CompanyId => "Company record".into(),
        MergeField::BuyingRole if zh => "采购角色".into(),
        MergeField::BuyingRole => "Buying role".into(),
        other => customer_field(
            locale,
            serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
                .as_str(),
        ),
    }
}

/// The label of a delimiter choice.
pub fn delimiter(locale: Locale, d: Delimiter) -> &'static str {
    let t = locale.import_texts();
    match d {
        Delimiter::Comma => t.comma,
        Delimiter::Semicolon => t.semicolon,
        Delimiter::Tab => t.tab,
    }
}

/// The label of a duplicate choice.
pub fn duplicate_action(locale: Locale, action: DuplicateAction) -> &'static str {
    let t = locale.import_texts();
    match action {
        DuplicateAction::Skip => t.skip,
        DuplicateAction::UpdateEmptyFields => t.update_empty,
        DuplicateAction::CreateAnyway => t.create_anyway,
    }
}

/// Why a whole file is refused.
pub fn import_error(locale: Locale, error: &ImportError) -> String {
    let mb = |bytes: u64| format!("{:.1} MB", bytes as f64 / 1_048_576.0);
    match (locale, error) {
        (Locale::En, ImportError::Empty) => "This file is empty: nothing to import.".into(),
        (Locale::En, ImportError::TooLarge { size, max }) => format!(
            "This file is too large ({}); the limit is {}. Split it into smaller files.",
            mb(*size),
            mb(*max)
        ),
        (Locale::En, ImportError::Spreadsheet) => {
            "This is an Excel workbook, not a CSV file: in Excel choose File → Save As → \"CSV UTF-8\", then import that file.".into()
        }
        (Locale::En, ImportError::NotText) => {
            "This is not a CSV or vCard file (it is not text). Choose a .csv or .vcf file.".into()
        }
        (Locale::En, ImportError::HeaderOnly) => {
            "This file has a header row but no customer rows: nothing to import.".into()
        }
        (Locale::En, ImportError::NoCards) => {
            "No contact cards (BEGIN:VCARD) were found in this file.".into()
        }
        (Locale::ZhCn, ImportError::Empty) => "文件是空的，没有可导入的内容。".into(),
        (Locale::ZhCn, ImportError::TooLarge { size, max }) => format!(
            "文件太大（{}），上限为 {}。请拆分成较小的文件。",
            mb(*size),
            mb(*max)
        ),
        (Locale::ZhCn, ImportError::Spreadsheet) => {
            "这是 Excel 工作簿而不是 CSV 文件：请在 Excel 中“另存为” → “CSV UTF-8”，再导入该文件。".into()
        }
        (Locale::ZhCn, ImportError::NotText) => {
            "这不是 CSV 或 vCard 文件（不是文本）。请选择 .csv 或 .vcf 文件。".into()
        }
        (Locale::ZhCn, ImportError::HeaderOnly) => "文件只有表头，没有客户数据行。".into(),
        (Locale::ZhCn, ImportError::NoCards) => "文件中没有找到联系人卡片（BEGIN:VCARD）。".into(),
    }
}

/// Why the mapping cannot start an import.
pub fn mapping_problem(locale: Locale, problem: &MappingProblem) -> String {
    match (locale, problem) {
        (Locale::En, MappingProblem::NoName) => {
            "Choose the column that holds the name (or the first and last name).".into()
        }
        (Locale::En, MappingProblem::Repeated { field }) => format!(
            "Several columns go into {}: choose one.",
            import_field(locale, *field)
        ),
        (Locale::ZhCn, MappingProblem::NoName) => "请选择包含姓名（或姓、名）的列。".into(),
        (Locale::ZhCn, MappingProblem::Repeated { field }) => {
            format!(
                "多个列导入到“{}”，请只选一个。",
                import_field(locale, *field)
            )
        }
    }
}

/// One reason a row is rejected.
pub fn row_problem(locale: Locale, problem: &RowProblem) -> String {
    let zh = locale == Locale::ZhCn;
    match problem {
        RowProblem::Field { field, problem } => format!(
            "{}: {}",
            customer_field(locale, field),
            problem_text(locale, field, problem)
        ),
        RowProblem::TooFewCells { expected, found } if zh => {
            format!("只有 {found} 个单元格，表头有 {expected} 列")
        }
        RowProblem::TooFewCells { expected, found } => {
            format!("has {found} cells, the header has {expected}")
        }
        RowProblem::TooManyCells { expected, found } if zh => {
            format!("有 {found} 个单元格，表头只有 {expected} 列（逗号未加引号？）")
        }
        RowProblem::TooManyCells { expected, found } => {
            format!("has {found} cells, the header has {expected} (is a comma unquoted?)")
        }
        RowProblem::UnclosedQuote if zh => "引号未闭合".into(),
        RowProblem::UnclosedQuote => "a quote opened in this row is never closed".into(),
        RowProblem::UnknownChoice { field, value } if zh => {
            format!("{}“{value}”不是可选值", customer_field(locale, field))
        }
        RowProblem::UnknownChoice { field, value } => format!(
            "{} \"{value}\" is not one of the allowed values",
            customer_field(locale, field)
        ),
        RowProblem::NoName if zh => "名片没有姓名（FN 或 N）".into(),
        RowProblem::NoName => "the card has no name (FN or N)".into(),
        RowProblem::Unterminated if zh => "名片缺少 END:VCARD".into(),
        RowProblem::Unterminated => "the card is not terminated by END:VCARD".into(),
    }
}

/// Every reason of a rejected row, joined (the rejected-rows CSV's error column).
pub fn row_error_text(locale: Locale, error: &RowError) -> String {
    error
        .problems
        .iter()
        .map(|p| row_problem(locale, p))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why two customers look like one.
pub fn match_reason(locale: Locale, key: &MatchKey) -> String {
    match (locale, key) {
        (Locale::En, MatchKey::Email { email }) => format!("same email {email}"),
        (Locale::En, MatchKey::Phone { digits }) => format!("same phone {digits}"),
        (Locale::En, MatchKey::NameCompany { .. }) => "same name at the same company".into(),
        (Locale::ZhCn, MatchKey::Email { email }) => format!("邮箱相同 {email}"),
        (Locale::ZhCn, MatchKey::Phone { digits }) => format!("电话相同 {digits}"),
        (Locale::ZhCn, MatchKey::NameCompany { .. }) => "同一公司下姓名相同".into(),
    }
}

/// Why a merge is refused.
pub fn merge_error(locale: Locale, error: &MergeError) -> String {
    match (locale, error) {
        (Locale::ZhCn, MergeError::SameCustomer) => "不能与自身合并。".into(),
        (Locale::ZhCn, MergeError::Deleted(_)) => "其中一位客户已被删除或合并。".into(),
        (Locale::ZhCn, _) => "无法按这些选择合并。".into(),
        (_, MergeError::SameCustomer) => "A customer cannot be merged with itself.".into(),
        (_, MergeError::Deleted(_)) => {
            "One of the two customers was deleted or merged meanwhile.".into()
        }
        (_, _) => "These choices cannot be merged.".into(),
    }
}

/// Why a backup cannot be restored.
pub fn backup_error(locale: Locale, error: &BackupError) -> String {
    match (locale, error) {
        (Locale::En, BackupError::NotJson { .. }) => {
            "This is not a backup file (it is not JSON).".into()
        }
        (Locale::En, BackupError::WrongFormat) => "This JSON file is not a Field CRM backup.".into(),
        (Locale::En, BackupError::TooNew { .. }) => {
            "This backup was made by a newer version of the app: update the app first.".into()
        }
        (Locale::En, BackupError::Damaged { message }) => {
            format!("The backup is damaged: {message}")
        }
        (Locale::En, BackupError::NotEmpty { records }) => format!(
            "Restore refused: this database is not empty ({records} records). A backup can only be restored into an empty database — use a new browser profile or device."
        ),
        (Locale::ZhCn, BackupError::NotJson { .. }) => "这不是备份文件（不是 JSON）。".into(),
        (Locale::ZhCn, BackupError::WrongFormat) => "这个 JSON 文件不是 Field CRM 备份。".into(),
        (Locale::ZhCn, BackupError::TooNew { .. }) => {
            "此备份由更新版本的应用生成：请先更新应用。".into()
        }
        (Locale::ZhCn, BackupError::Damaged { message }) => format!("备份已损坏：{message}"),
        (Locale::ZhCn, BackupError::NotEmpty { records }) => format!(
            "拒绝恢复：当前数据库不是空的（{records} 条记录）。备份只能恢复到空数据库——请使用新的浏览器配置或设备。"
        ),
    }
}

/// One consistency problem of a backup.
pub fn backup_problem(locale: Locale, problem: &BackupProblem) -> String {
    match (locale, problem) {
        (Locale::ZhCn, BackupProblem::DuplicateId(id)) => format!("两条记录的编号相同：{id}"),
        (Locale::ZhCn, BackupProblem::MissingCustomer { interaction, .. }) => {
            format!("互动 {interaction} 所属的客户不在备份中")
        }
        (_, BackupProblem::DuplicateId(id)) => format!("two records have the id {id}"),
        (_, BackupProblem::MissingCustomer { interaction, .. }) => {
            format!("interaction {interaction} belongs to a customer missing from the backup")
        }
    }
}
