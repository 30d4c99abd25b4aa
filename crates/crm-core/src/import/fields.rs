//! The customer fields an import can fill, and the header spellings (English and
//! Chinese, as CRMs, Excel templates, Outlook and Google Contacts write them) that
//! the mapping step recognises for each.

use serde::{Deserialize, Serialize};

use crate::search::normalise;

/// A customer field a column can be imported into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    /// Full name.
    Name,
    /// First name (joined with the family name when there is no full-name column).
    GivenName,
    /// Last name / surname.
    FamilyName,
    /// Person or company.
    Kind,
    /// Company name.
    Company,
    /// Job title.
    Title,
    /// E-mail address.
    Email,
    /// Phone number.
    Phone,
    /// City.
    City,
    /// Tags (comma separated; several tag columns are joined).
    Tags,
    /// Lifecycle stage.
    Stage,
    /// Birthday (`YYYY-MM-DD`, `YYYY/M/D`, `YYYY年M月D日`, `YYYYMMDD`).
    Birthday,
    /// Lead source.
    Source,
    /// Preferences free text.
    Preferences,
    /// Contracted-organisation flag (yes/no, 是/否, 1/0).
    Contracted,
    /// Notes (several note columns are joined line by line).
    Notes,
}

impl ImportField {
    /// Every field, in the order the mapping menu lists them (and guessing tries them).
    pub const ALL: [ImportField; 16] = [
        ImportField::Name,
        ImportField::GivenName,
        ImportField::FamilyName,
        ImportField::Kind,
        ImportField::Company,
        ImportField::Title,
        ImportField::Email,
        ImportField::Phone,
        ImportField::City,
        ImportField::Tags,
        ImportField::Stage,
        ImportField::Birthday,
        ImportField::Source,
        ImportField::Preferences,
        ImportField::Contracted,
        ImportField::Notes,
    ];

    /// Whether several columns may feed this field (their values are joined).
    pub fn allows_several(self) -> bool {
        matches!(self, ImportField::Tags | ImportField::Notes)
    }

    /// Header spellings that map to this field, already in [`header_key`] form, most
    /// specific first (Outlook's "Job Title" before its "Title" = Mr./Ms.).
    pub(super) fn exact_aliases(self) -> &'static [&'static str] {
        match self {
            ImportField::Name => &[
                "name",
                "fullname",
                "customername",
                "customer",
                "contactname",
                "contact",
                "displayname",
                "姓名",
                "客户名称",
                "客户姓名",
                "客户",
                "名称",
                "名字",
                "联系人",
                "联系人姓名",
                "全名",
            ],
            ImportField::GivenName => &["firstname", "givenname", "forename", "名"],
            ImportField::FamilyName => &["lastname", "familyname", "surname", "姓", "姓氏"],
            ImportField::Kind => &["kind", "type", "customertype", "客户类型", "类型", "类别"],
            ImportField::Company => &[
                "company",
                "companyname",
                "organization",
                "organisation",
                "organizationname",
                "organization1name",
                "org",
                "employer",
                "account",
                "accountname",
                "公司",
                "公司名称",
                "单位",
                "单位名称",
                "工作单位",
                "企业",
                "企业名称",
                "所属公司",
                "机构",
            ],
            ImportField::Title => &[
                "jobtitle",
                "title",
                "position",
                "role",
                "organizationtitle",
                "organization1title",
                "职务",
                "职位",
                "头衔",
                "岗位",
            ],
            ImportField::Email => &[
                "email",
                "emailaddress",
                "mail",
                "email1value",
                "primaryemail",
                "邮箱",
                "电子邮箱",
                "电子邮件",
                "邮件",
                "邮件地址",
                "电邮",
                "邮箱地址",
            ],
            ImportField::Phone => &[
                "mobile",
                "mobilephone",
                "mobilenumber",
                "cellphone",
                "cell",
                "手机",
                "手机号",
                "手机号码",
                "移动电话",
                "phone",
                "phonenumber",
                "tel",
                "telephone",
                "电话",
                "联系电话",
                "电话号码",
                "联系方式",
                "座机",
                "phone1value",
                "primaryphone",
                "businessphone",
                "homephone",
            ],
            ImportField::City => &[
                "city",
                "town",
                "businesscity",
                "homecity",
                "城市",
                "所在城市",
                "所在地",
                "地区",
                "城市地区",
            ],
            ImportField::Tags => &[
                "tags",
                "tag",
                "labels",
                "label",
                "categories",
                "category",
                "groups",
                "groupmembership",
                "标签",
                "客户标签",
                "分组",
                "分类",
            ],
            ImportField::Stage => &[
                "stage",
                "lifecyclestage",
                "status",
                "阶段",
                "客户阶段",
                "状态",
                "客户状态",
            ],
            ImportField::Birthday => &[
                "birthday",
                "birthdate",
                "dateofbirth",
                "dob",
                "生日",
                "出生日期",
                "出生年月日",
            ],
            ImportField::Source => &[
                "source",
                "leadsource",
                "channel",
                "来源",
                "客户来源",
                "渠道",
                "获客渠道",
            ],
            ImportField::Preferences => &[
                "preferences",
                "preference",
                "偏好",
                "喜好",
                "客户偏好",
                "习惯",
            ],
            ImportField::Contracted => &[
                "contracted",
                "contract",
                "协议客户",
                "协议",
                "签约",
                "是否签约",
                "是否协议客户",
            ],
            ImportField::Notes => &[
                "notes",
                "note",
                "remarks",
                "remark",
                "comments",
                "comment",
                "description",
                "备注",
                "说明",
                "备注信息",
            ],
        }
    }

    /// Fragments that map a header containing them ("手机号码1", "Work E-mail"), tried
    /// only after no exact spelling matched. Kept specific: "tel" would match "hotel".
    pub(super) fn contained_aliases(self) -> &'static [&'static str] {
        match self {
            ImportField::Company => &["公司", "单位", "company", "organization", "organisation"],
            ImportField::Name => &["姓名", "fullname"],
            ImportField::Email => &["email", "邮箱", "邮件"],
            ImportField::Phone => &["手机", "mobile", "phone", "电话"],
            ImportField::City => &["城市", "city"],
            ImportField::Tags => &["标签", "tags"],
            ImportField::Birthday => &["生日", "birth"],
            ImportField::Source => &["来源"],
            ImportField::Notes => &["备注", "notes"],
            _ => &[],
        }
    }
}

/// A header in comparable form: width-folded, lowercase, bracketed asides such as
/// "(必填)" or "(mobile)" dropped, only letters and digits kept ("E-mail 1 - Value" →
/// "email1value", "姓名*" → "姓名").
pub fn header_key(header: &str) -> String {
    let mut depth = 0u32;
    let mut key = String::new();
    for c in normalise(header).chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            c if depth == 0 && c.is_alphanumeric() => key.push(c),
            _ => {}
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys() {
        assert_eq!(header_key("E-mail 1 - Value"), "email1value");
        assert_eq!(header_key("姓名*"), "姓名");
        assert_eq!(header_key("手机（必填）"), "手机");
        assert_eq!(header_key(" Ｊｏｂ　Title "), "jobtitle");
    }
}
