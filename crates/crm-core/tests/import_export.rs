//! Export: CSV that Excel opens safely and that re-imports to the same customers, and
//! the JSON backup's round trip and refusals.

use std::sync::OnceLock;

use chrono::NaiveDate;
use crm_core::customer::{Customer, CustomerKind, Stage};
use crm_core::demo::{Demo, Size, DEMO_SEED};
use crm_core::import::backup::{
    backup_json, check_restore_target, parse_backup, Backup, BackupError, BackupProblem,
    BackupWriter,
};
use crm_core::import::csv_import::{read_csv, CsvOptions};
use crm_core::import::encoding::TextEncoding;
use crm_core::import::export::{customers_csv, escape_formula, unescape_formula, HeaderLanguage};
use crm_core::import::mapping::{guess_mapping, import_row};
use crm_core::interaction::Interaction;
use proptest::prelude::*;
use uuid::Uuid;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// The demo book, generated once for all tests of this file.
fn demo() -> (Vec<Customer>, Vec<Interaction>) {
    static BOOK: OnceLock<(Vec<Customer>, Vec<Interaction>)> = OnceLock::new();
    BOOK.get_or_init(|| {
        let demo = Demo::new(Size::S, DEMO_SEED, today());
        let mut customers = Vec::new();
        let mut interactions = Vec::new();
        for c in demo.all() {
            customers.push(c.customer);
            interactions.extend(c.interactions);
        }
        (customers, interactions)
    })
    .clone()
}

#[track_caller]
fn check_escape(cell: &str, expected: &str) {
    assert_eq!(escape_formula(cell), expected, "{cell:?}");
    assert_eq!(unescape_formula(expected), cell, "{expected:?}");
}

#[test]
fn formula_cells_are_escaped() {
    check_escape("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0");
    check_escape(
        "=HYPERLINK(\"http://evil.example\")",
        "'=HYPERLINK(\"http://evil.example\")",
    );
    check_escape("+86 138 0013 8000", "'+86 138 0013 8000");
    check_escape("-2+3", "'-2+3");
    check_escape("@SUM(A1:A9)", "'@SUM(A1:A9)");
    check_escape("\t=1", "'\t=1");
    check_escape("\r=1", "'\r=1");
    check_escape("'=already quoted", "''=already quoted");
    check_escape("王芳", "王芳");
    check_escape("a=b", "a=b");
    check_escape("'just a quote", "'just a quote");
    check_escape("", "");
}

proptest! {
    #[test]
    fn escaping_is_safe_and_reversible(cell in "['=+@\\t\\r-]{0,3}\\PC{0,8}") {
        let escaped = escape_formula(&cell);
        prop_assert!(!escaped.starts_with(['=', '+', '-', '@', '\t', '\r']));
        prop_assert_eq!(unescape_formula(&escaped), cell.as_str());
    }
}

fn nasty_customers() -> Vec<Customer> {
    let mut a = Customer::new(Uuid::from_u128(1), "=cmd|' /C calc'!A0", 1);
    a.notes = "line one\nline two, with comma and \"quotes\"".into();
    a.phone = "+86 138 0013 8000".into();
    a.tags = vec!["VIP".into(), "-1".into()];
    a.stage = Stage::Dormant;
    a.contracted = true;
    a.source = "@trade fair".into();
    a.preferences = "'=not a formula'".into();
    a.birthday = NaiveDate::from_ymd_opt(1990, 1, 31);
    let mut b = Customer::new(Uuid::from_u128(2), "Company, Ltd.", 2);
    b.kind = CustomerKind::Company;
    b.city = " 上海 ".trim().into();
    let mut deleted = Customer::new(Uuid::from_u128(3), "Gone", 3);
    deleted.deleted = true;
    vec![a, b, deleted]
}

#[test]
fn export_starts_with_bom_and_escapes_formulas() {
    let csv = customers_csv(&nasty_customers(), HeaderLanguage::English);
    assert!(csv.starts_with("\u{feff}Name,Kind,Company,"));
    assert!(csv.contains("\r\n'=cmd|' /C calc'!A0,person,"));
    assert!(csv.contains(",'+86 138 0013 8000,"));
    assert!(csv.contains("\"line one\nline two, with comma and \"\"quotes\"\"\""));
    assert!(!csv.contains("Gone"), "tombstones are not exported");
    // Every line that starts a record starts safely.
    for line in csv.split("\r\n").skip(1) {
        assert!(!line.starts_with(['=', '+', '-', '@']), "{line}");
    }
}

#[track_caller]
fn reimport(csv: &str, originals: &[Customer]) {
    let table = read_csv(csv.as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!(table.encoding, TextEncoding::Utf8);
    let mapping = guess_mapping(&table.headers, None);
    assert_eq!(mapping.problems(), vec![]);
    let live: Vec<&Customer> = originals.iter().filter(|c| !c.deleted).collect();
    assert_eq!(table.rows.len(), live.len());
    for (row, original) in table.rows.iter().zip(live) {
        let base = Customer::new(original.id, "", original.created_ms);
        let mut back = import_row(&mapping, row, &base, today())
            .unwrap_or_else(|e| panic!("{e} for {original:?}"));
        // Not part of an import: who owns it, its company link and buying role.
        back.owner.clone_from(&original.owner);
        back.company_id = original.company_id;
        back.buying_role = original.buying_role;
        assert_eq!(&back, original);
    }
}

#[test]
fn export_then_import_round_trips() {
    let (customers, _) = demo();
    for language in [HeaderLanguage::English, HeaderLanguage::Chinese] {
        reimport(&customers_csv(&customers, language), &customers);
        reimport(
            &customers_csv(&nasty_customers(), language),
            &nasty_customers(),
        );
    }
}

#[test]
fn backup_round_trips_every_record() {
    let (customers, interactions) = demo();
    let backup = Backup::new(1_764_500_000_000, customers, interactions);
    let json = backup_json(&backup).unwrap();
    let back = parse_backup(json.as_bytes()).unwrap();
    assert_eq!(back, backup);
    assert_eq!(back.problems(), vec![]);
    assert_eq!(back.unknown_record_types(), Vec::<String>::new());
    // The chunked writer's output is the same document serde would write.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value, serde_json::to_value(&backup).unwrap());
}

#[test]
fn backup_writer_in_batches() {
    let (customers, interactions) = demo();
    let (mut writer, mut out) = BackupWriter::start(7);
    out += &writer.section("customers");
    for batch in customers.chunks(64) {
        out += &writer.records(batch).unwrap();
    }
    out += &writer.section("interactions");
    out += &writer.records::<Interaction>(&[]).unwrap();
    for batch in interactions.chunks(1000) {
        out += &writer.records(batch).unwrap();
    }
    out += &writer.finish();
    let back = parse_backup(out.as_bytes()).unwrap();
    assert_eq!(back.records.customers, customers);
    assert_eq!(back.records.interactions, interactions);
    let (writer, mut empty) = BackupWriter::start(7);
    empty += &writer.finish();
    assert_eq!(
        parse_backup(empty.as_bytes()).unwrap().records.customers,
        vec![]
    );
}

#[test]
fn backups_from_newer_versions_keep_unknown_record_types() {
    let json = r#"{"format":"field-crm-backup","version":1,"created_ms":5,
        "records":{"customers":[],"deals":[{"id":"x","amount":5}],"tickets":[]}}"#;
    let backup = parse_backup(json.as_bytes()).unwrap();
    assert_eq!(backup.unknown_record_types(), ["deals"]);
    let again = parse_backup(backup_json(&backup).unwrap().as_bytes()).unwrap();
    assert_eq!(again, backup);
}

#[test]
fn bad_backups_are_refused_clearly() {
    let check = |text: &str| parse_backup(text.as_bytes()).unwrap_err();
    assert!(matches!(check("Name,Email\n"), BackupError::NotJson { .. }));
    assert!(matches!(check("{\"format\":"), BackupError::NotJson { .. }));
    assert_eq!(check("[1,2]"), BackupError::WrongFormat);
    assert_eq!(check("{\"customers\":[]}"), BackupError::WrongFormat);
    assert_eq!(
        check("{\"format\":\"other-app\",\"version\":1}"),
        BackupError::WrongFormat
    );
    assert_eq!(
        check("{\"format\":\"field-crm-backup\",\"version\":2,\"records\":{}}"),
        BackupError::TooNew {
            found: 2,
            supported: 1
        }
    );
    let damaged = check(
        "{\"format\":\"field-crm-backup\",\"version\":1,\"created_ms\":0,\"records\":{\"customers\":[{\"name\":\"no id\"}]}}",
    );
    assert!(
        matches!(&damaged, BackupError::Damaged { message } if message.contains("id")),
        "{damaged:?}"
    );
    assert_eq!(check_restore_target(0), Ok(()));
    assert_eq!(
        check_restore_target(12),
        Err(BackupError::NotEmpty { records: 12 })
    );
}

#[test]
fn backup_consistency_problems() {
    let (customers, interactions) = demo();
    let mut customers = customers[..2].to_vec();
    customers.push(customers[0].clone());
    let orphan = interactions
        .iter()
        .find(|i| i.customer_id != customers[0].id && i.customer_id != customers[1].id)
        .unwrap()
        .clone();
    let backup = Backup::new(0, customers.clone(), vec![orphan.clone()]);
    assert_eq!(
        backup.problems(),
        [
            BackupProblem::DuplicateId(customers[0].id),
            BackupProblem::MissingCustomer {
                interaction: orphan.id,
                customer: orphan.customer_id
            }
        ]
    );
}
