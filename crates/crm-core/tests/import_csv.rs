//! CSV import: bad files, encodings, delimiters, line numbers, ragged rows, mapping
//! guesses on real exporters' headers, and row validation with every reason.

use chrono::NaiveDate;
use crm_core::customer::{Customer, CustomerKind, Stage};
use crm_core::demo::{Demo, Size, DEMO_SEED};
use crm_core::import::bench::{demo_csv, demo_csv_rows};
use crm_core::import::csv_import::{parse_csv, read_csv, CsvOptions, CsvTable};
use crm_core::import::encoding::{
    decode, detect_encoding, sniff_delimiter, Delimiter, TextEncoding,
};
use crm_core::import::export::{rejected_rows_csv, write_cells};
use crm_core::import::mapping::{
    check_rows, guess_mapping, import_row, preview, ColumnMapping, ImportField, MappingProblem,
};
use crm_core::import::{sniff_kind, FileKind, ImportError, RowProblem, MAX_IMPORT_BYTES};
use crm_core::validation::Problem;
use uuid::Uuid;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(bytes: &[u8]) -> Result<CsvTable, ImportError> {
    read_csv(bytes, &CsvOptions::default())
}

fn base() -> Customer {
    Customer::new(Uuid::nil(), "", 0)
}

/// Reads `text` with the guessed mapping and returns each row's verdict as
/// `(line, Ok(name) | Err(problems))`.
#[track_caller]
fn import_all(bytes: &[u8]) -> Vec<(u64, Result<String, Vec<RowProblem>>)> {
    let table = read(bytes).unwrap();
    let mapping = guess_mapping(&table.headers, None);
    assert_eq!(mapping.problems(), vec![], "{mapping:?}");
    table
        .rows
        .iter()
        .map(|row| {
            let verdict = import_row(&mapping, row, &base(), today())
                .map(|c| c.name)
                .map_err(|e| e.problems);
            (row.line, verdict)
        })
        .collect()
}

#[track_caller]
fn check_file_error(bytes: &[u8], expected: ImportError) {
    assert_eq!(read(bytes), Err(expected));
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    check_file_error(b"", ImportError::Empty);
    check_file_error(b"\xEF\xBB\xBF \r\n\r\n", ImportError::Empty);
    check_file_error(b",,,\r\n,,\r\n", ImportError::Empty);
    check_file_error(b"Name,Email\r\n", ImportError::HeaderOnly);
    check_file_error(b"Name,Email\r\n,\r\n ,  \r\n", ImportError::HeaderOnly);
    check_file_error(b"Name\x00\x01\x02binary", ImportError::NotText);
    check_file_error(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", ImportError::NotText);
    check_file_error(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ImportError::NotText);
    let mut xlsx = b"PK\x03\x04\x14\0\x06\0".to_vec();
    xlsx.extend_from_slice(b"[Content_Types].xml...xl/workbook.xml");
    check_file_error(&xlsx, ImportError::Spreadsheet);
    check_file_error(
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
        ImportError::Spreadsheet,
    );
    let mut docx = b"PK\x03\x04\x14\0".to_vec();
    docx.extend_from_slice(b"word/document.xml");
    check_file_error(&docx, ImportError::NotText);
    // Control characters without NULs (a binary format that has none in its head).
    check_file_error(
        &[b'\x01', b'\x02', b'\x03', b'\x04', b'\x05', b'\x06', b'a'].repeat(20),
        ImportError::NotText,
    );
}

#[test]
fn the_size_limit_is_a_parameter() {
    let csv = b"Name\r\nLi Wei\r\n";
    let options = CsvOptions {
        max_bytes: 10,
        ..CsvOptions::default()
    };
    assert_eq!(
        read_csv(csv, &options),
        Err(ImportError::TooLarge { size: 14, max: 10 })
    );
    assert_eq!(MAX_IMPORT_BYTES, 50 * 1024 * 1024);
    assert!(read_csv(
        csv,
        &CsvOptions {
            max_bytes: 14,
            ..options
        }
    )
    .is_ok());
}

#[test]
fn utf8_with_and_without_bom() {
    let text = "姓名,城市\r\n王芳,上海\r\n";
    for bytes in [
        text.as_bytes().to_vec(),
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
    ] {
        let table = read(&bytes).unwrap();
        assert_eq!(table.encoding, TextEncoding::Utf8);
        assert_eq!(table.headers, ["姓名", "城市"]);
        assert_eq!(table.rows[0].cells, ["王芳", "上海"]);
        assert!(!table.had_decode_errors);
    }
}

#[test]
fn gbk_as_chinese_excel_writes_it_is_detected_and_decoded() {
    let text = "姓名,公司,手机,城市,备注\r\n王芳,上海春秋国际旅行社,13800138000,上海,\"不吃辣，\r\n偏头痛 → 荞麦枕\"\r\n李伟,锦程商务酒店,13900001111,北京,喜欢靠窗\r\n";
    // Excel's plain "CSV" on Chinese Windows is code page 936 (GBK); → is not in GBK,
    // so build the bytes with the GB18030 encoder as Excel 2016+ does.
    let (gbk, _, unmappable) = encoding_rs::GBK.encode("姓名,公司\r\n王芳,锦程\r\n");
    assert!(!unmappable);
    assert_eq!(detect_encoding(&gbk), TextEncoding::Gb18030);
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let table = read(&bytes).unwrap();
    assert_eq!(table.encoding, TextEncoding::Gb18030);
    assert_eq!(table.rows[0].cells[4], "不吃辣，\r\n偏头痛 → 荞麦枕");
    assert_eq!(table.rows[1].line, 4);
    let verdicts = import_all(&bytes);
    assert_eq!(
        verdicts,
        vec![(2, Ok("王芳".to_string())), (4, Ok("李伟".to_string()))]
    );
    // Read as UTF-8 (a wrong override) it is garbled and says so.
    let garbled = read_csv(
        &bytes,
        &CsvOptions {
            encoding: Some(TextEncoding::Utf8),
            ..CsvOptions::default()
        },
    )
    .unwrap();
    assert!(garbled.had_decode_errors);
}

#[test]
fn utf16_unicode_text_from_excel() {
    // Excel "Unicode text": UTF-16 LE with BOM, tab separated.
    let text = "Name\tCompany\tCity\r\nLi Wei\t锦程\t北京\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let table = read(&bytes).unwrap();
    assert_eq!(table.encoding, TextEncoding::Utf16Le);
    assert_eq!(table.delimiter, Delimiter::Tab);
    assert_eq!(table.rows[0].cells, ["Li Wei", "锦程", "北京"]);
}

#[test]
fn western_excel_with_sep_line_needs_the_override() {
    let bytes = fixture("excel_de_semicolon.csv");
    // Windows-1252 bytes are not UTF-8; they happen to be valid GB18030, so detection
    // picks GB18030 and the user overrides (the preview shows the garbling).
    assert_eq!(detect_encoding(&bytes), TextEncoding::Gb18030);
    let table = read_csv(
        &bytes,
        &CsvOptions {
            encoding: Some(TextEncoding::Windows1252),
            ..CsvOptions::default()
        },
    )
    .unwrap();
    assert_eq!(table.delimiter, Delimiter::Semicolon);
    assert_eq!(table.header_line, 2);
    assert_eq!(table.headers[0], "Name");
    assert_eq!(table.rows[0].line, 3);
    assert_eq!(table.rows[0].cells[1], "Reisebüro Müller GmbH");
    assert_eq!(table.rows[0].cells[5], "Budget 12.500,00 €; Rückruf");
    let mapping = guess_mapping(&table.headers, None);
    assert_eq!(mapping.field(0), Some(ImportField::Name));
    assert_eq!(mapping.field(2), Some(ImportField::Email));
}

#[test]
fn delimiters_are_sniffed() {
    assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), Delimiter::Comma);
    assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n"), Delimiter::Semicolon);
    assert_eq!(sniff_delimiter("a\tb\n\"x, y, z\"\tq\n"), Delimiter::Tab);
    assert_eq!(sniff_delimiter("name\nLi Wei\n"), Delimiter::Comma);
    assert_eq!(sniff_delimiter(""), Delimiter::Comma);
    // Commas inside quoted notes do not outvote the real delimiter.
    assert_eq!(
        sniff_delimiter("Name;Notes\nA;\"x, y, z, w\"\nB;\"1, 2, 3, 4\"\n"),
        Delimiter::Semicolon
    );
    let table = read("Name;Email\r\nLi;li@example.com\r\n".as_bytes()).unwrap();
    assert_eq!(table.delimiter, Delimiter::Semicolon);
    let forced = read_csv(
        "Name;Email\r\nLi;li@example.com\r\n".as_bytes(),
        &CsvOptions {
            delimiter: Some(Delimiter::Comma),
            ..CsvOptions::default()
        },
    )
    .unwrap();
    assert_eq!(forced.headers, ["Name;Email"]);
}

#[test]
fn quoted_commas_newlines_and_quotes_keep_line_numbers() {
    let text = "Name,Company,Notes,Email\r\n\
                \"Wang, Fang\",\"Acme, Inc.\",\"line one\r\nline two\r\nline three\",wf@example.com\r\n\
                \r\n\
                Li Wei,\"He said \"\"hi\"\"\",,not-an-email\r\n\
                Zhao Min,,\"a\nb\",zm@example.com\n";
    let table = parse_csv(text, None).unwrap();
    let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 6, 7]);
    assert_eq!(table.rows[0].cells[0], "Wang, Fang");
    assert_eq!(table.rows[0].cells[2], "line one\r\nline two\r\nline three");
    assert_eq!(table.rows[1].cells[1], "He said \"hi\"");
    let verdicts = import_all(text.as_bytes());
    assert_eq!(verdicts[0], (2, Ok("Wang, Fang".to_string())));
    assert_eq!(
        verdicts[1],
        (
            6,
            Err(vec![RowProblem::Field {
                field: "email".into(),
                problem: Problem::InvalidEmail
            }])
        )
    );
    assert_eq!(verdicts[2], (7, Ok("Zhao Min".to_string())));
}

#[test]
fn old_mac_cr_line_ends() {
    let table = parse_csv("Name,City\rLi,北京\rWang,上海\r", None).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[1].line, 3);
}

#[test]
fn ragged_rows_are_row_errors_not_shifts() {
    let text = "Name,Email,City\n\
                Li Wei,li@example.com,北京\n\
                Wang Fang,wf@example.com\n\
                Zhao Min,zm@example.com,上海,extra\n\
                Sun Li,sl@example.com,杭州,,\n";
    let verdicts = import_all(text.as_bytes());
    assert_eq!(
        verdicts,
        vec![
            (2, Ok("Li Wei".into())),
            (
                3,
                Err(vec![RowProblem::TooFewCells {
                    expected: 3,
                    found: 2
                }])
            ),
            (
                4,
                Err(vec![RowProblem::TooManyCells {
                    expected: 3,
                    found: 4
                }])
            ),
            // Trailing empty cells are what spreadsheets write: harmless.
            (5, Ok("Sun Li".into())),
        ]
    );
}

#[test]
fn an_unclosed_quote_is_reported_on_its_row() {
    let text = "Name,Notes,City\nLi Wei,ok,北京\nWang Fang,\"oops,上海\nZhao Min,fine,杭州\n";
    let verdicts = import_all(text.as_bytes());
    assert_eq!(verdicts[0], (2, Ok("Li Wei".into())));
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[1].0, 3);
    let problems = verdicts[1].1.clone().unwrap_err();
    assert!(
        problems.contains(&RowProblem::UnclosedQuote),
        "{problems:?}"
    );
}

#[test]
fn every_reason_of_a_row_is_reported() {
    let text = "姓名,邮箱,手机,生日,阶段,类型,协议客户\n\
                ,li@example,12ab,1990-02-30,vip,robot,maybe\n";
    let verdicts = import_all(text.as_bytes());
    let field = |f: &str, p| RowProblem::Field {
        field: f.into(),
        problem: p,
    };
    let choice = |f: &str, v: &str| RowProblem::UnknownChoice {
        field: f.into(),
        value: v.into(),
    };
    assert_eq!(
        verdicts,
        vec![(
            2,
            Err(vec![
                choice("stage", "vip"),
                choice("kind", "robot"),
                choice("contracted", "maybe"),
                field("name", Problem::Required),
                field("email", Problem::InvalidEmail),
                field("phone", Problem::InvalidPhone),
                field("birthday", Problem::InvalidDate),
            ])
        )]
    );
}

#[track_caller]
fn check_guess(headers: &[&str], expected: &[Option<ImportField>]) {
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mapping = guess_mapping(&headers, None);
    let got: Vec<Option<ImportField>> = mapping.columns.iter().map(|c| c.field).collect();
    assert_eq!(got, expected, "{headers:?}");
}

#[test]
fn mapping_is_guessed_from_english_and_chinese_headers() {
    use ImportField::*;
    check_guess(
        &[
            "Name", "Company", "Title", "Mobile", "E-mail", "City", "Tags", "Birthday", "Notes",
            "Source",
        ],
        &[
            Some(Name),
            Some(Company),
            Some(Title),
            Some(Phone),
            Some(Email),
            Some(City),
            Some(Tags),
            Some(Birthday),
            Some(Notes),
            Some(Source),
        ],
    );
    check_guess(
        &[
            "姓名", "单位", "职务", "手机", "邮箱", "城市", "标签", "生日", "备注", "来源",
        ],
        &[
            Some(Name),
            Some(Company),
            Some(Title),
            Some(Phone),
            Some(Email),
            Some(City),
            Some(Tags),
            Some(Birthday),
            Some(Notes),
            Some(Source),
        ],
    );
    check_guess(
        &[
            "序号",
            "客户名称*",
            "公司名称",
            "手机号码（必填）",
            "电子邮箱",
            "所在城市",
            "客户标签",
            "出生日期",
            "备注信息",
        ],
        &[
            None,
            Some(Name),
            Some(Company),
            Some(Phone),
            Some(Email),
            Some(City),
            Some(Tags),
            Some(Birthday),
            Some(Notes),
        ],
    );
    // Fragments: "工作电话" has 电话, "Work Email" has email; "Hotel" must not be "tel".
    check_guess(
        &[
            "联系人",
            "工作电话",
            "Work Email",
            "Hotel",
            "Stage",
            "Kind",
            "Contracted",
            "Preferences",
        ],
        &[
            Some(Name),
            Some(Phone),
            Some(Email),
            None,
            Some(Stage),
            Some(Kind),
            Some(Contracted),
            Some(Preferences),
        ],
    );
    // Each single-valued field goes to one column only; tags may take several.
    check_guess(
        &["Phone", "Tel", "Tags", "Labels"],
        &[Some(Phone), None, Some(Tags), Some(Tags)],
    );
}

#[test]
fn outlook_export_maps_and_imports() {
    let table = read(&fixture("outlook_contacts.csv")).unwrap();
    let mapping = guess_mapping(&table.headers, None);
    let field_of = |header: &str| {
        mapping
            .columns
            .iter()
            .find(|c| c.header == header)
            .and_then(|c| c.field)
    };
    assert_eq!(field_of("First Name"), Some(ImportField::GivenName));
    assert_eq!(field_of("Last Name"), Some(ImportField::FamilyName));
    assert_eq!(field_of("Job Title"), Some(ImportField::Title));
    assert_eq!(field_of("Title"), None, "Outlook's Title is Mr./Ms.");
    assert_eq!(field_of("Mobile Phone"), Some(ImportField::Phone));
    assert_eq!(field_of("E-mail Address"), Some(ImportField::Email));
    assert_eq!(field_of("Company"), Some(ImportField::Company));
    assert_eq!(field_of("Business City"), Some(ImportField::City));
    assert_eq!(field_of("Categories"), Some(ImportField::Tags));
    assert_eq!(mapping.problems(), vec![]);
    let customers: Vec<Customer> = table
        .rows
        .iter()
        .map(|r| import_row(&mapping, r, &base(), today()).unwrap())
        .collect();
    assert_eq!(customers[0].name, "James Brown");
    assert_eq!(customers[0].title, "Travel Manager");
    assert_eq!(customers[0].phone, "+44 7700 900456");
    assert_eq!(customers[0].tags, ["Partners", "VIP"]);
    assert_eq!(
        customers[0].notes,
        "Met at ITB Berlin, wants\r\ngroup rates for Q2"
    );
    assert_eq!(
        customers[0].birthday, None,
        "0/0/00 is Outlook's empty date"
    );
    assert_eq!(customers[1].company, "Hôtel Lumière");
    assert_eq!(customers[2].name, "陈伟");
    assert_eq!(customers[2].city, "北京");
}

#[test]
fn google_contacts_export_maps_and_imports() {
    let table = read(&fixture("google_contacts.csv")).unwrap();
    let mapping = guess_mapping(&table.headers, None);
    let customers: Vec<Customer> = table
        .rows
        .iter()
        .map(|r| import_row(&mapping, r, &base(), today()).unwrap())
        .collect();
    let c = &customers[0];
    assert_eq!(
        (
            c.name.as_str(),
            c.company.as_str(),
            c.title.as_str(),
            c.email.as_str()
        ),
        (
            "Olivia Rossi",
            "Rossi Viaggi",
            "Travel Manager",
            "olivia.rossi@example.com"
        )
    );
    assert_eq!(
        (c.phone.as_str(), c.city.as_str()),
        ("+39 347 123 4567", "Milano")
    );
    assert_eq!(c.tags, ["Partners"]);
    assert_eq!(c.birthday, NaiveDate::from_ymd_opt(1985, 6, 30));
    assert_eq!(customers[1].name, "林欣怡");
    assert_eq!(customers[1].tags, ["常旅客", "VIP"]);
}

#[test]
fn chinese_excel_utf8_bom_file_with_formula_cell() {
    let table = read(&fixture("excel_zh_bom.csv")).unwrap();
    let mapping = guess_mapping(&table.headers, None);
    assert_eq!(mapping.field(9), Some(ImportField::Notes));
    assert_eq!(mapping.field(8), Some(ImportField::Source));
    let rows: Vec<Customer> = table
        .rows
        .iter()
        .map(|r| import_row(&mapping, r, &base(), today()).unwrap())
        .collect();
    assert_eq!(rows[0].birthday, NaiveDate::from_ymd_opt(1988, 2, 29));
    assert_eq!(rows[0].tags, ["VIP", "商务"]);
    assert_eq!(rows[0].source, "展会");
    assert_eq!(rows[1].birthday, NaiveDate::from_ymd_opt(1975, 10, 1));
    assert_eq!(rows[1].notes, "地址：北京市朝阳区建国路88号, 3楼");
    assert_eq!(table.rows[2].line, 5);
    // Imported as text; escaped again whenever it is exported.
    assert!(rows[2].notes.starts_with("=HYPERLINK("));
}

#[test]
fn a_remembered_mapping_is_reused_for_matching_headers() {
    use ImportField::*;
    let headers: Vec<String> = ["客户名称", "联系人", "手机", "Remarks 2"]
        .map(String::from)
        .to_vec();
    let guessed = guess_mapping(&headers, None);
    let fields = |m: &ColumnMapping| m.columns.iter().map(|c| c.field).collect::<Vec<_>>();
    // A B2B export: the "customer name" is the account, the contact is the person.
    assert_eq!(
        fields(&guessed),
        [Some(Company), Some(Name), Some(Phone), None]
    );
    // The user ignores the phone column and maps "Remarks 2" to notes.
    let mut chosen = guessed.clone();
    chosen.columns[2].field = None;
    chosen.columns[3].field = Some(Notes);
    let stored = serde_json::to_string(&chosen).unwrap();
    let remembered: ColumnMapping = serde_json::from_str(&stored).unwrap();
    let next_file: Vec<String> = ["Remarks 2", "联系人", "客户名称", "手机", "邮箱"]
        .map(String::from)
        .to_vec();
    let again = guess_mapping(&next_file, Some(&remembered));
    assert_eq!(
        fields(&again),
        [Some(Notes), Some(Name), Some(Company), None, Some(Email)]
    );
    // Without a contact column, 客户名称 is the name.
    let alone: Vec<String> = ["客户名称", "手机"].map(String::from).to_vec();
    assert_eq!(
        fields(&guess_mapping(&alone, None)),
        [Some(Name), Some(Phone)]
    );
}

#[test]
fn mapping_problems_block_the_import() {
    let headers: Vec<String> = ["Email", "Phone"].map(String::from).to_vec();
    let mut mapping = guess_mapping(&headers, None);
    assert_eq!(mapping.problems(), vec![MappingProblem::NoName]);
    mapping.columns[1].field = Some(ImportField::Email);
    assert_eq!(
        mapping.problems(),
        vec![
            MappingProblem::NoName,
            MappingProblem::Repeated {
                field: ImportField::Email
            }
        ]
    );
    mapping.columns[0].field = Some(ImportField::GivenName);
    assert_eq!(mapping.problems(), vec![]);
}

#[test]
fn preview_shows_the_first_twenty_rows_with_verdicts() {
    let mut text = String::from("Name,Email\n");
    for i in 0..30 {
        let email = if i == 4 {
            "bad".to_string()
        } else {
            format!("p{i}@example.com")
        };
        text.push_str(&format!("Person {i},{email}\n"));
    }
    let table = read(text.as_bytes()).unwrap();
    let mapping = guess_mapping(&table.headers, None);
    let rows = preview(&table, &mapping, today());
    assert_eq!(rows.len(), 20);
    assert_eq!(rows[4].line, 6);
    assert_eq!(rows[4].problems.len(), 1);
    assert!(rows
        .iter()
        .enumerate()
        .all(|(i, r)| i == 4 || r.problems.is_empty()));
}

#[test]
fn choice_columns_accept_english_and_chinese() {
    let text = "Name,Stage,Kind,Contracted\nA,潜在客户,公司,是\nB,Customer,person,no\nC,,,\n";
    let table = read(text.as_bytes()).unwrap();
    let mapping = guess_mapping(&table.headers, None);
    let got: Vec<(Stage, CustomerKind, bool)> = table
        .rows
        .iter()
        .map(|r| import_row(&mapping, r, &base(), today()).unwrap())
        .map(|c| (c.stage, c.kind, c.contracted))
        .collect();
    assert_eq!(
        got,
        [
            (Stage::Prospect, CustomerKind::Company, true),
            (Stage::Customer, CustomerKind::Person, false),
            (Stage::Lead, CustomerKind::Person, false),
        ]
    );
}

/// 50 demo rows; two valid rows get multi-line notes (so line ≠ row + 1), three rows
/// are broken: a bad e-mail, an impossible birthday, a missing cell.
fn fifty_with_three_bad() -> String {
    let demo = Demo::new(Size::S, DEMO_SEED, today());
    let mut table = parse_csv(&demo_csv(&demo, 50), None).unwrap();
    let rows = &mut table.rows;
    rows[3].cells[12] = "第一行\r\n第二行".into();
    rows[30].cells[12] = "Follow up\r\nafter the fair".into();
    rows[7].cells[5] = "wang.fang@example".into();
    rows[23].cells[8] = "1988-13-01".into();
    rows[41].cells.remove(3);
    let mut out = String::new();
    write_cells(&mut out, &table.headers, false);
    for row in &table.rows {
        write_cells(&mut out, &row.cells, false);
    }
    out
}

#[test]
fn fifty_rows_with_three_bad_report_exactly_those_lines() {
    let text = fifty_with_three_bad();
    let path = format!(
        "{}/tests/fixtures/import/customers_50_3_bad.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "fixture out of date: run with UPDATE_FIXTURES=1"
    );
    let table = read(text.as_bytes()).unwrap();
    assert_eq!(table.rows.len(), 50);
    let mapping = guess_mapping(&table.headers, None);
    assert_eq!(mapping.problems(), vec![]);
    let check = check_rows(&table, &mapping, today());
    assert_eq!(check.valid, 47);
    let lines: Vec<u64> = check.rejected.iter().map(|e| e.line).collect();
    assert_eq!(lines, [10, 26, 45]);
    assert_eq!(
        check.rejected[0].problems,
        [RowProblem::Field {
            field: "email".into(),
            problem: Problem::InvalidEmail
        }]
    );
    assert_eq!(
        check.rejected[1].problems,
        [RowProblem::Field {
            field: "birthday".into(),
            problem: Problem::InvalidDate
        }]
    );
    assert_eq!(
        check.rejected[2].problems,
        [RowProblem::TooFewCells {
            expected: 13,
            found: 12
        }]
    );
    // The download of rejected rows: line, original cells, reason; re-readable.
    let rejected = rejected_rows_csv(&table, &check.rejected, |e| e.message());
    let back = read(rejected.as_bytes()).unwrap();
    assert_eq!(back.headers.first().map(String::as_str), Some("Line"));
    assert_eq!(back.headers.last().map(String::as_str), Some("Error"));
    assert_eq!(back.rows.len(), 3);
    assert_eq!(back.rows[0].cells[0], "10");
    assert_eq!(
        back.rows[0].cells.last().unwrap(),
        "email is not a valid email address"
    );
    assert_eq!(
        back.rows[2].cells.last().unwrap(),
        "has 12 cells, the header has 13"
    );
}

#[test]
fn the_benchmark_file_is_realistic_and_imports_cleanly() {
    let demo = Demo::new(Size::L, DEMO_SEED, today());
    let sample = demo_csv_rows(&demo, 0..1000);
    // ≈ 150 bytes a row: 100,000 rows ≈ 15 MB.
    let per_row = sample.len() / 1000;
    assert!((130..=170).contains(&per_row), "{per_row} bytes per row");
    // Slices concatenate to the same file.
    let sliced = demo_csv_rows(&demo, 0..400) + &demo_csv_rows(&demo, 400..1000);
    assert_eq!(sliced, sample);
    let table = read(sample.as_bytes()).unwrap();
    let mapping = guess_mapping(&table.headers, None);
    let check = check_rows(&table, &mapping, today());
    assert_eq!(check.rejected, vec![]);
    assert_eq!(check.valid, 1000);
    let first = import_row(&mapping, &table.rows[0], &base(), today()).unwrap();
    let original = demo.customer(0).customer;
    assert_eq!(first.name, original.name);
    assert_eq!(first.kind, original.kind);
    assert_eq!(first.tags, original.tags);
}

#[test]
fn file_kind_is_sniffed_from_content() {
    assert_eq!(
        sniff_kind(b"\xEF\xBB\xBFBEGIN:VCARD\r\nVERSION:3.0"),
        FileKind::Vcard
    );
    assert_eq!(sniff_kind(b"\r\n begin:vcard\r\n"), FileKind::Vcard);
    assert_eq!(sniff_kind(b"Name,Email\r\n"), FileKind::Csv);
    assert_eq!(decode(b"", None).text, "");
}

/// The 100,000-row file natively, end to end (read, map, validate, build, dedupe).
/// Slow in debug: runs only with `CRM_IMPORT_BENCH=1`, best with `--release`.
#[test]
fn import_benchmark_100k_rows() {
    if std::env::var_os("CRM_IMPORT_BENCH").is_none() {
        return;
    }
    let demo = Demo::new(Size::L, DEMO_SEED, today());
    let t = std::time::Instant::now();
    let csv = demo_csv(&demo, 100_000);
    let generated = t.elapsed();
    let t = std::time::Instant::now();
    let table = read(csv.as_bytes()).unwrap();
    let parsed = t.elapsed();
    let mapping = guess_mapping(&table.headers, None);
    let t = std::time::Instant::now();
    let customers: Vec<Customer> = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let base = Customer::new(Uuid::from_u128(i as u128 + 1), "", 0);
            import_row(&mapping, row, &base, today()).unwrap()
        })
        .collect();
    let validated = t.elapsed();
    let t = std::time::Instant::now();
    let mut index = crm_core::import::dedupe::DuplicateIndex::default();
    let mut duplicates = 0;
    for customer in &customers {
        duplicates += usize::from(!index.matches(customer).is_empty());
        index.insert(customer);
    }
    eprintln!(
        "{} bytes; generate {generated:?}; decode+parse {parsed:?}; map+validate {validated:?}; \
         dedupe {:?} ({duplicates} rows match an earlier one)",
        csv.len(),
        t.elapsed()
    );
}
