//! vCard import: the RFC 6350 / RFC 2426 examples and cards as iPhone, Android,
//! Google Contacts and Outlook / feature phones (GB2312) write them.

use chrono::NaiveDate;
use crm_core::customer::{Customer, CustomerKind};
use crm_core::import::encoding::TextEncoding;
use crm_core::import::vcard::{import_card, parse_vcards, read_vcards, VcardCard};
use crm_core::import::{ImportDraft, ImportError, RowError, RowProblem, MAX_IMPORT_BYTES};
use crm_core::validation::Problem;
use uuid::Uuid;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn fixture(name: &str) -> Vec<VcardCard> {
    let path = format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    read_vcards(&bytes, None, MAX_IMPORT_BYTES).unwrap()
}

#[track_caller]
fn customer(card: &VcardCard) -> Customer {
    import_card(card, &Customer::new(Uuid::nil(), "", 0), today())
        .unwrap_or_else(|e| panic!("card at line {}: {e}", card.line))
}

#[track_caller]
fn draft(card: &VcardCard) -> &ImportDraft {
    card.draft.as_ref().unwrap()
}

#[test]
fn rfc6350_examples() {
    let cards = fixture("rfc6350.vcf");
    assert_eq!(cards.len(), 3);
    assert!(cards.iter().all(|c| c.version == "4.0"));

    let simon = customer(&cards[0]);
    assert_eq!(cards[0].line, 1);
    assert_eq!(simon.name, "Simon Perreault");
    assert_eq!(simon.company, "Viagenie");
    // The folded ADR ("2875 Laurier;" + " Quebec") unfolds to the locality.
    assert_eq!(simon.city, "Quebec");
    // tel: URIs; the cell number wins over the preferred work line (which goes to notes).
    assert_eq!(simon.phone, "+1-418-262-6501");
    assert_eq!(simon.email, "simon.perreault@viagenie.ca");
    assert_eq!(simon.birthday, None);
    assert_eq!(simon.notes, "Tel: +1-418-656-9254\nBirthday: --0203");

    let john = customer(&cards[1]);
    assert_eq!(john.name, "Mr. John Q. Public, Esq.");
    assert_eq!(john.company, "ABC, Inc.");
    assert_eq!(john.title, "Research Scientist");
    assert_eq!(john.birthday, NaiveDate::from_ymd_opt(1996, 4, 15));
    // The quoted LABEL parameter holds ':' ';' ',' and is folded; ADR still parses.
    assert_eq!(john.city, "Any Town");
    assert_eq!(john.phone, "+1-555-555-5555");
    assert_eq!(john.email, "jane_doe@example.com");
    assert_eq!(
        john.tags,
        [
            "TRAVEL AGENT",
            "INTERNET",
            "IETF",
            "INDUSTRY",
            "INFORMATION TECHNOLOGY"
        ]
    );
    // "1715\r\n  EST": unfolding removes exactly one space.
    assert_eq!(
        john.notes,
        "This fax number is operational 0800 to 1715 EST, Mon-Fri.\nTel: +33-01-23-45-67\nEmail: jqpublic@xyz.example.com"
    );

    let org = customer(&cards[2]);
    assert_eq!(org.kind, CustomerKind::Company);
    assert_eq!(org.name, "ABC Marketing");
}

#[test]
fn rfc2426_examples() {
    let cards = fixture("rfc2426.vcf");
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[1].line, 14);
    let frank = customer(&cards[0]);
    assert_eq!(frank.name, "Frank Dawson");
    assert_eq!(frank.company, "Lotus Development Corporation");
    assert_eq!(frank.city, "Raleigh");
    assert_eq!(
        frank.phone, "+1-919-676-9515",
        "a fax number is never the phone"
    );
    assert_eq!(frank.email, "Frank_Dawson@Lotus.com");
    assert_eq!(
        frank.notes,
        "Tel: +1-919-676-9564\nEmail: fdawson@earthlink.net"
    );
    let tim = customer(&cards[1]);
    assert_eq!(tim.name, "Tim Howes");
    assert_eq!(tim.city, "Mountain View");
    assert_eq!(tim.email, "howes@netscape.com");
}

#[test]
fn iphone_export() {
    let cards = fixture("iphone_ios17.vcf");
    assert_eq!(cards.len(), 3);
    let wang = customer(&cards[0]);
    assert_eq!(wang.name, "王芳");
    assert_eq!(wang.company, "上海春秋国际旅行社");
    assert_eq!(wang.title, "差旅经理");
    assert_eq!(wang.email, "wang.fang@example.cn");
    assert_eq!(wang.phone, "+86 138 0013 8000");
    assert_eq!(wang.city, "上海");
    assert_eq!(wang.birthday, NaiveDate::from_ymd_opt(1988, 2, 29));
    assert_eq!(
        wang.notes,
        "不吃辣，偏头痛 → 荞麦枕\n下次拜访带新线路资料\nTel: 021-6288 1234\nEmail: fang.w@example.com"
    );
    let emma = customer(&cards[1]);
    // iOS wraps numbers in invisible direction marks; they are removed.
    assert_eq!(emma.phone, "+44 7700 900123");
    assert_eq!(emma.company, "Hilton Shanghai");
    // X-APPLE-OMIT-YEAR: a birthday without a year is kept in the notes.
    assert_eq!(emma.birthday, None);
    assert_eq!(emma.notes, "Birthday: --07-14");
    let company = customer(&cards[2]);
    assert_eq!(company.kind, CustomerKind::Company);
    assert_eq!(company.name, "锦程国际旅行社");
    assert_eq!(company.company, "");
    assert_eq!(company.phone, "010-8888 0000");
}

#[test]
fn android_21_export_with_quoted_printable() {
    let cards = fixture("android_21.vcf");
    assert_eq!(cards.len(), 3);
    assert!(cards.iter().all(|c| c.version == "2.1"));
    let zhang = customer(&cards[0]);
    assert_eq!(zhang.name, "张三");
    assert_eq!(zhang.company, "华夏快递服务有限公司");
    assert_eq!(zhang.title, "采购经理");
    assert_eq!(zhang.phone, "138-0013-8001");
    assert_eq!(zhang.email, "zhang.san@example.cn");
    assert_eq!(zhang.city, "广州");
    assert_eq!(zhang.birthday, NaiveDate::from_ymd_opt(1979, 11, 3));
    // Soft line breaks split UTF-8 sequences; joined before decoding.
    assert_eq!(
        zhang.notes,
        "每月发国际件，月结客户；周五下午不方便接电话\nTel: +86 21 6288 1235"
    );
    let li = customer(&cards[1]);
    assert_eq!(
        (li.name.as_str(), li.phone.as_str()),
        ("Li Wei", "+8613900001111")
    );
    // A card with only a phone number: a clear error for that card, the others import.
    assert_eq!(
        cards[2].draft,
        Err(RowError {
            line: cards[2].line,
            problems: vec![RowProblem::NoName]
        })
    );
    assert_eq!(cards[2].line, 31);
}

#[test]
fn google_contacts_30_export() {
    let cards = fixture("google_contacts_30.vcf");
    let olivia = customer(&cards[0]);
    assert_eq!(olivia.name, "Olivia Rossi");
    assert_eq!(olivia.company, "Rossi Viaggi");
    assert_eq!(olivia.phone, "+39 347 123 4567");
    assert_eq!(olivia.city, "Milano");
    assert_eq!(
        olivia.tags,
        ["Partners"],
        "Google's myContacts group is not a tag"
    );
    assert_eq!(olivia.notes, "Prefers window seats; vegetarian");
}

#[test]
fn gb2312_cards_from_outlook_and_feature_phones() {
    let cards = fixture("outlook_gbk_21.vcf");
    assert_eq!(cards.len(), 2);
    let liu = customer(&cards[0]);
    assert_eq!(liu.name, "刘洋");
    assert_eq!(liu.company, "远航快递服务有限公司");
    assert_eq!(liu.title, "总经理");
    assert_eq!(liu.phone, "139 0000 2222");
    assert_eq!(liu.city, "广州");
    assert_eq!(liu.email, "liu.yang@example.cn");
    // N;CHARSET=GB2312;ENCODING=QUOTED-PRINTABLE: the bytes are GB2312, not UTF-8.
    let zhao = customer(&cards[1]);
    assert_eq!(zhao.name, "赵敏");
}

#[test]
fn the_issue_example_and_folding_variants() {
    let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0;=E4=B8=89;;;\r\nEND:VCARD\r\n\
                BEGIN:VCARD\nVERSION:3.0\nFN:Wang\n\tFang\nEMAIL:wf@\n example.com\nEND:VCARD\n";
    let cards = parse_vcards(text).unwrap();
    assert_eq!(draft(&cards[0]).draft.name, "张三");
    assert_eq!(draft(&cards[1]).draft.name, "WangFang");
    assert_eq!(draft(&cards[1]).draft.email, "wf@example.com");
    assert_eq!(cards[1].line, 5);
}

#[test]
fn bad_cards_are_rejected_one_by_one() {
    let text = "BEGIN:VCARD\nVERSION:3.0\nFN:Good One\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nORG:Only A Company\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nFN:Bad Mail\nEMAIL:not-an-email\nBDAY:2030-01-01\nEND:VCARD\n\
                garbage line without colon\n\
                BEGIN:VCARD\nVERSION:3.0\nFN:Cut Off\n";
    let cards = parse_vcards(text).unwrap();
    assert_eq!(cards.len(), 4);
    let base = Customer::new(Uuid::nil(), "", 0);
    let results: Vec<Result<String, RowError>> = cards
        .iter()
        .map(|c| import_card(c, &base, today()).map(|c| c.name))
        .collect();
    assert_eq!(results[0], Ok("Good One".to_string()));
    assert_eq!(
        results[1],
        Err(RowError {
            line: 5,
            problems: vec![RowProblem::NoName]
        })
    );
    assert_eq!(
        results[2],
        Err(RowError {
            line: 9,
            problems: vec![
                RowProblem::Field {
                    field: "email".into(),
                    problem: Problem::InvalidEmail
                },
                RowProblem::Field {
                    field: "birthday".into(),
                    problem: Problem::InFuture
                },
            ]
        })
    );
    assert_eq!(
        results[3],
        Err(RowError {
            line: 16,
            problems: vec![RowProblem::Unterminated]
        })
    );
}

#[test]
fn files_without_cards_are_refused() {
    assert_eq!(
        parse_vcards("Name,Email\nLi,li@example.com\n"),
        Err(ImportError::NoCards)
    );
    assert_eq!(
        read_vcards(b"", None, MAX_IMPORT_BYTES),
        Err(ImportError::Empty)
    );
    assert_eq!(
        read_vcards(b"BEGIN:VCARD\r\n", None, 4),
        Err(ImportError::TooLarge { size: 13, max: 4 })
    );
    // A UTF-8 file read with a wrong override still parses; the text is garbled, not lost.
    let cards = read_vcards(
        "BEGIN:VCARD\nFN:王芳\nEND:VCARD\n".as_bytes(),
        Some(TextEncoding::Windows1252),
        MAX_IMPORT_BYTES,
    )
    .unwrap();
    assert_ne!(draft(&cards[0]).draft.name, "王芳");
}
