//! CRM exports used as they are: each test hands `ivvy invite --people`
//! (or `--contacts-file`) a file exactly as a CRM or spreadsheet writes it
//! (made-up people), and checks what reached the fake server.

mod common;

use common::{code, input_file, ivvy, json, mock, text};
use ivvy_mock::Faults;

/// `ivvy invite --people FILE --create-missing` to event 1 with JSON
/// output, plus `extra`; the exit code and the rows.
async fn invite_people(
    server: &ivvy_mock::MockServer,
    file: &str,
    extra: &[&str],
) -> (i32, Vec<serde_json::Value>, String) {
    let mut args = vec![
        "invite",
        "--event",
        "1",
        "--people",
        file,
        "--create-missing",
        "--output",
        "json",
        "--no-journal",
    ];
    args.extend_from_slice(extra);
    let output = ivvy(Some(server), &args, None).await;
    let stderr = text(&output.stderr);
    let rows = if output.stdout.is_empty() {
        Vec::new()
    } else {
        json(&output)["results"].as_array().expect("rows").clone()
    };
    (code(&output), rows, stderr)
}

/// The contact added for `email`, with its names, from the server.
fn added(server: &ivvy_mock::MockServer, email: &str) -> (String, String, Option<String>) {
    let account = server.account();
    let contact = account
        .contacts()
        .iter()
        .find(|c| c.email == email)
        .unwrap_or_else(|| panic!("{email} was not added"));
    (
        contact.first_name.clone(),
        contact.last_name.clone(),
        contact.external_id.clone(),
    )
}

#[tokio::test]
async fn hubspot_export_adds_with_its_names() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "hubspot.csv",
        b"Record ID,First Name,Last Name,Email,Phone Number,Lifecycle Stage\n\
          9001,Hana,Kobayashi,hana@new.test,+61 400 111222,lead\n",
    );
    let (code, rows, stderr) = invite_people(&server, &file, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(rows[0]["created"], true);
    assert_eq!(
        added(&server, "hana@new.test"),
        ("Hana".into(), "Kobayashi".into(), None)
    );
}

#[tokio::test]
async fn salesforce_export_with_its_record_id_as_the_external_id() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "salesforce.csv",
        b"\"Id\",\"First Name\",\"Last Name\",\"Email\",\"Mailing City\"\r\n\
          \"0035g00000AbCdE\",\"Sam\",\"Okafor\",\"sam@new.test\",\"Perth\"\r\n",
    );
    let (code, rows, stderr) = invite_people(&server, &file, &["--column", "externalId=Id"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(rows[0]["externalId"], "0035g00000AbCdE");
    assert_eq!(
        added(&server, "sam@new.test"),
        (
            "Sam".into(),
            "Okafor".into(),
            Some("0035g00000AbCdE".into())
        )
    );
}

#[tokio::test]
async fn mailchimp_export() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "mailchimp.csv",
        b"Email Address,First Name,Last Name,Address,Phone Number,MEMBER_RATING,OPTIN_TIME,TAGS\n\
          lee@new.test,Lee,Marsh,\"1 High St, Hobart\",,2,2026-01-04 10:00:00,\"\"\"vip\"\"\"\n",
    );
    let (code, _, stderr) = invite_people(&server, &file, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        added(&server, "lee@new.test"),
        ("Lee".into(), "Marsh".into(), None)
    );
}

#[tokio::test]
async fn external_id_headers_as_people_spell_them() {
    for header in ["External ID", "external_id"] {
        let server = mock(Faults::default()).await;
        let body = format!("{header},Email\nCRM-00002,\n,person3@example.test\n");
        let file = input_file(
            &format!("{}.csv", header.replace(' ', "-")),
            body.as_bytes(),
        );
        let (code, rows, stderr) = invite_people(&server, &file, &[]).await;
        assert_eq!(code, 0, "{header}: {stderr}");
        assert_eq!(rows[0]["contact"], 2, "{header}");
        assert_eq!(rows[1]["contact"], 3, "{header}");
    }
}

#[tokio::test]
async fn excel_unicode_text_utf16le_tabs_with_a_bom() {
    let server = mock(Faults::default()).await;
    let text = "Email\tFirst Name\tLast Name\r\nzoe@new.test\tZoë\tÅberg\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let file = input_file("unicode.txt", &bytes);
    let (code, _, stderr) = invite_people(&server, &file, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        added(&server, "zoe@new.test"),
        ("Zoë".into(), "Åberg".into(), None)
    );
}

#[tokio::test]
async fn semicolons_as_european_excel_writes_them() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "semicolons.csv",
        b"E-mail;Vorname;First Name;Last Name\r\nmia@new.test;x;Mia;M\xc3\xbcller\r\n",
    );
    let (code, _, stderr) = invite_people(&server, &file, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        added(&server, "mia@new.test"),
        ("Mia".into(), "Müller".into(), None)
    );
}

#[tokio::test]
async fn windows_1252_named_with_encoding() {
    let server = mock(Faults::default()).await;
    let bytes = b"Email,First Name,Last Name\r\njose@new.test,Jos\xe9,Pe\xf1a\r\n";
    let file = input_file("cp1252.csv", bytes);
    let (code, _, stderr) = invite_people(&server, &file, &[]).await;
    assert_eq!(code, 2);
    assert!(
        stderr.contains(":2: not valid UTF-8") && stderr.contains("--encoding"),
        "{stderr}"
    );
    let (code, _, stderr) = invite_people(&server, &file, &["--encoding", "windows-1252"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        added(&server, "jose@new.test"),
        ("José".into(), "Peña".into(), None)
    );
}

#[tokio::test]
async fn crlf_files_name_the_right_line() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "crlf.csv",
        b"Email,First Name,Last Name\r\na@new.test,A,One\r\nb@new.test,B,Two\r\nnot-an-address,C,Three\r\n",
    );
    let (exit, _, stderr) = invite_people(&server, &file, &[]).await;
    assert_eq!(exit, 2);
    assert!(stderr.contains("crlf.csv:4: "), "{stderr}");
    let ids = input_file("ids-crlf.txt", b"id\r\n1\r\n2\r\nx3\r\n");
    let output = ivvy(
        Some(&server),
        &["invite", "--event", "1", "--contacts-file", &ids],
        None,
    )
    .await;
    assert_eq!(code(&output), 2);
    assert!(
        text(&output.stderr).contains("ids-crlf.txt:4: "),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(server.request_count(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_column_named_with_column_and_one_that_is_not_there() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "record-id.csv",
        b"Record ID,First Name,Last Name,Email\n7001,Ava,Stone,ava@new.test\n",
    );
    let (code, rows, stderr) =
        invite_people(&server, &file, &["--column", "externalId=Record ID"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(rows[0]["externalId"], "7001");
    assert_eq!(added(&server, "ava@new.test").2.as_deref(), Some("7001"));
    let (code, _, stderr) =
        invite_people(&server, &file, &["--column", "externalId=Contact ID"]).await;
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--column externalId=Contact ID")
            && stderr.contains("\"Record ID\", \"First Name\", \"Last Name\", \"Email\""),
        "{stderr}"
    );
}

#[tokio::test]
async fn no_name_columns_are_said_once_and_named_in_each_row() {
    let server = mock(Faults::default()).await;
    let file = input_file("emails.csv", b"Email\nnew1@new.test\nnew2@new.test\n");
    let (code, rows, stderr) = invite_people(&server, &file, &[]).await;
    // Nobody can be added: the summary, and exit 3, not an input error.
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(stderr.matches("no firstName column").count(), 1, "{stderr}");
    assert!(stderr.contains("summary: 2 people"), "{stderr}");
    for row in &rows {
        assert!(
            row["error"]
                .as_str()
                .is_some_and(|e| e.contains("no firstName column")),
            "{row}"
        );
    }
    assert_eq!(server.created_count(), 0);
}

#[tokio::test]
async fn phone_numbers_stay_as_they_are_in_csv_output() {
    let server = mock(Faults::default()).await;
    server.seed_invitations(1, [1]);
    for extra in [&[][..], &["--csv-formulas", "keep"][..]] {
        let mut args = vec!["invited", "--event", "1", "--output", "csv"];
        args.extend_from_slice(extra);
        let output = ivvy(Some(&server), &args, None).await;
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
        let csv = text(&output.stdout);
        assert!(csv.contains(",+61 400 000001"), "{csv}");
        assert!(!csv.contains("'+61"), "{csv}");
    }
}
