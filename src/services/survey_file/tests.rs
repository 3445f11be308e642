use chrono::TimeZone as _;
use chrono_tz::Asia::Shanghai;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

fn yaml(src: &str) -> Result<SurveySpec, Vec<FileError>> {
    parse("survey.yaml", src.as_bytes(), now(), Shanghai)
}

fn toml(src: &str) -> Result<SurveySpec, Vec<FileError>> {
    parse("survey.toml", src.as_bytes(), now(), Shanghai)
}

/// Each error as `LINE: reason` in zh-CN (line 0: none).
fn errors(result: Result<SurveySpec, Vec<FileError>>) -> Vec<(usize, String)> {
    result
        .expect_err("the file should be refused")
        .iter()
        .map(|e| (e.line.unwrap_or(0), e.reason.render(Locale::ZhCn)))
        .collect()
}

const EXAMPLE_YAML: &str = include_str!("../../../examples/survey.yaml");
const EXAMPLE_TOML: &str = include_str!("../../../examples/survey.toml");

#[test]
fn the_yaml_example_reads_as_a_five_question_survey() {
    let spec = yaml(EXAMPLE_YAML).unwrap();
    assert_eq!(spec.title, "2026年第四季度业主满意度调查");
    assert!(spec.intro.starts_with("尊敬的业主"));
    let kinds: Vec<QuestionKind> = spec.questions.iter().map(|q| q.kind).collect();
    use QuestionKind::*;
    assert_eq!(kinds, vec![Rating, Rating, Single, Multiple, Text]);
    assert!(spec.questions[1].prompt.contains("保洁"));
    assert_eq!(spec.questions[2].options.len(), 4);
    assert_eq!(spec.questions[3].options[0], "维修服务");
    assert_eq!(spec.questions.iter().map(|q| q.required).collect::<Vec<_>>(), vec![true, true, true, true, false]);
    assert_eq!(spec.buildings, Some(vec!["1".to_string(), "2".to_string()]));
    // 09:00 in Shanghai; a closing date alone runs to the end of that day.
    assert_eq!(spec.opens_at, Some(Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap()));
    assert_eq!(spec.closes_at, Some(Utc.with_ymd_and_hms(2026, 12, 15, 16, 0, 0).unwrap()));
    assert_eq!(spec.remind_before_hours, Some(48));
}

#[test]
fn the_toml_example_is_the_same_survey_as_the_yaml_one() {
    assert_eq!(toml(EXAMPLE_TOML).unwrap(), yaml(EXAMPLE_YAML).unwrap());
}

#[test]
fn a_minimal_file_needs_only_a_title_and_questions() {
    let spec = yaml("title: 保洁满意度\nquestions:\n  - type: rating\n    text: 您对保洁满意吗？\n").unwrap();
    assert_eq!(spec.questions[0].prompt, "您对保洁满意吗？");
    assert!(spec.questions[0].required);
    assert_eq!((spec.buildings, spec.opens_at, spec.closes_at, spec.remind_before_hours), (None, None, None, None));
}

#[test]
fn question_types_may_be_written_in_chinese() {
    let spec = yaml(
        "title: t\nquestions:\n  - {type: 评分, prompt: a}\n  - {type: 单选, prompt: b, options: [是, 否]}\n  - {type: 多选, prompt: c, options: [1, 2]}\n  - {type: 文字, prompt: d}\n",
    )
    .unwrap();
    use QuestionKind::*;
    assert_eq!(spec.questions.iter().map(|q| q.kind).collect::<Vec<_>>(), vec![Rating, Single, Multiple, Text]);
    assert_eq!(spec.questions[2].options, vec!["1", "2"], "bare numbers are options too");
}

#[test]
fn a_yaml_syntax_error_is_reported_at_its_line() {
    let e = errors(yaml("title: t\nquestions:\n  - type: rating\n   prompt: [unclosed\n"));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, 4, "{e:?}");
    assert!(e[0].1.starts_with("格式错误"), "{e:?}");
}

#[test]
fn toml_syntax_errors_are_all_reported_at_their_lines() {
    let e = errors(toml("title = \"t\"\nintro = \n[[questions]]\ntype = \"rating\"\nprompt = 'a\n"));
    let lines: Vec<usize> = e.iter().map(|(l, _)| *l).collect();
    assert!(lines.contains(&2) && lines.contains(&5), "{e:?}");
}

#[test]
fn unknown_fields_are_named_at_their_lines() {
    let e = errors(yaml("title: t\ntitel: t\nquestions:\n  - type: rating\n    prompt: a\n    requird: false\n"));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].0, 2);
    assert!(e[0].1.contains("titel") && e[0].1.contains("questions"), "lists what is known: {e:?}");
    assert_eq!(e[1].0, 6);
    assert!(e[1].1.starts_with("第 1 题") && e[1].1.contains("requird"), "{e:?}");
}

#[test]
fn values_of_the_wrong_type_are_refused_at_their_lines() {
    let e = errors(toml(
        "title = [\"t\"]\nremind_before_hours = \"48\"\n[[questions]]\ntype = \"rating\"\nprompt = \"a\"\nrequired = \"no\"\n",
    ));
    assert_eq!(
        e,
        vec![
            (1, "title：应为文字".to_string()),
            (2, "remind_before_hours：应为整数".to_string()),
            (6, "第 1 题的 required：应为true 或 false".to_string()),
        ]
    );
}

#[test]
fn a_question_without_a_known_type_is_refused_at_its_line() {
    let e = errors(yaml("title: t\nquestions:\n  - prompt: a\n  - type: slider\n    prompt: b\n"));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!((e[0].0, e[0].1.as_str()), (3, "第 1 题：缺少 type（题型）"));
    assert_eq!(e[1].0, 4);
    assert!(e[1].1.contains("slider"));
}

#[test]
fn the_design_rules_point_at_the_lines_they_concern() {
    let long_title = "长".repeat(101);
    let src = format!(
        "title: {long_title}
questions:
  - type: rating
    prompt: 保洁
    options: [好, 坏]
  - type: single
    prompt: \"  \"
    options:
      - 是
      - 否
      - 是
  - type: multiple
    prompt: 改进
    options: [只有一个]
opens: 2026-12-10 09:00
closes: 2026-12-01 09:00
"
    );
    let e = errors(yaml(&src));
    assert_eq!(
        e,
        vec![
            (1, "title：太长了，最多 100 个字".to_string()),
            (5, "第 1 题的选项：「评分（1–5 星）」题不需要选项".to_string()),
            (7, "第 2 题：不能为空".to_string()),
            (11, "第 2 题的第 3 个选项：这个选项重复了".to_string()),
            (14, "第 3 题的选项：选择题需要 2 到 8 个选项".to_string()),
            (16, "closes：结束时间必须晚于开始时间".to_string()),
        ]
    );
}

#[test]
fn a_missing_title_and_questions_are_reported_without_a_line() {
    let e = errors(yaml("intro: 你好\n"));
    assert_eq!(e, vec![(0, "title：不能为空".to_string()), (0, "questions：问卷需要 1 到 20 道题".to_string())]);
}

#[test]
fn a_closing_time_in_the_past_and_a_bad_date_are_refused() {
    let e = errors(yaml("title: t\nquestions: [{type: text, prompt: a}]\nopens: 2026-13-01\ncloses: 2026-11-01\n"));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].0, 3);
    assert!(e[0].1.contains("2026-13-01"));
    assert_eq!((e[1].0, e[1].1.as_str()), (4, "closes：结束时间已经过去了"));
}

#[test]
fn toml_dates_may_be_native_or_strings() {
    let base = "title = \"t\"\n[[questions]]\ntype = \"text\"\nprompt = \"a\"\n";
    let native = toml(&format!("opens = 2026-12-01T09:30:00\ncloses = \"2026-12-02 18:00\"\n{base}")).unwrap();
    assert_eq!(native.opens_at, Some(Utc.with_ymd_and_hms(2026, 12, 1, 1, 30, 0).unwrap()));
    assert_eq!(native.closes_at, Some(Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()));
}

#[test]
fn a_file_that_is_not_utf8_is_refused_at_the_line_of_the_bad_bytes() {
    let mut bytes = b"title: t\nintro: ".to_vec();
    bytes.extend_from_slice(&[0xC4, 0xE3, 0xBA, 0xC3]); // 你好 in GBK
    let e = parse("s.yaml", &bytes, now(), Shanghai).unwrap_err();
    assert_eq!(e, vec![FileError { line: Some(2), reason: Text::new("survey-file-not-utf8") }]);
}

#[test]
fn empty_huge_and_unknown_files_get_one_clear_error() {
    for (name, bytes) in [
        ("s.yaml", b"".to_vec()),
        ("s.yaml", b"  \n# only a comment\n".to_vec()),
        ("s.toml", b"\n".to_vec()),
        ("s.yaml", vec![b' '; MAX_FILE_BYTES]),
        ("s.json", b"{}".to_vec()),
        ("survey", b"title: t".to_vec()),
    ] {
        let e = parse(name, &bytes, now(), Shanghai).unwrap_err();
        assert_eq!(e.len(), 1, "{name}: {e:?}");
        assert_eq!(e[0].line, None);
    }
}

#[test]
fn a_byte_order_mark_and_upper_case_extensions_are_fine() {
    let src = "\u{feff}title: t\nquestions: [{type: rating, prompt: a}]\n";
    assert!(parse("问卷.YML", src.as_bytes(), now(), Shanghai).is_ok());
}

#[test]
fn a_second_yaml_document_and_a_list_at_the_top_are_refused() {
    assert_eq!(errors(yaml("title: a\n---\ntitle: b\n"))[0].0, 3);
    let e = errors(yaml("- title: a\n"));
    assert_eq!(e, vec![(1, "文件应以 title、questions 等字段开头".to_string())]);
}

#[test]
fn errors_render_as_file_line_reason() {
    let e = yaml("title: t\nquestions: 3\n").unwrap_err();
    assert_eq!(e[0].render("q4.yaml", Locale::En), "q4.yaml:2: questions: should be a list");
    assert_eq!(
        FileError { line: None, reason: Text::new("survey-file-empty") }.render("q4.yaml", Locale::ZhCn),
        "q4.yaml: 文件是空的"
    );
}

mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// Either a spec, or problems each on a line of the file (or on none).
    fn read_or_refused(name: &str, src: &str) -> Result<(), TestCaseError> {
        // YAML also ends a line at a lone carriage return.
        let lines = src.replace("\r\n", "\n").replace('\r', "\n").lines().count().max(1) + 1;
        match parse(name, src.as_bytes(), now(), Shanghai) {
            Ok(spec) => prop_assert!(!spec.questions.is_empty() && !spec.title.is_empty()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    if let Some(line) = e.line {
                        prop_assert!((1..=lines).contains(&line), "line {line} of {lines}");
                    }
                    // The reason renders in both languages.
                    let _ = e.render(name, Locale::ZhCn);
                    let _ = e.render(name, Locale::En);
                }
            }
        }
        Ok(())
    }

    /// A valid file with one change: a line dropped, duplicated or cut short,
    /// or some text put in somewhere.
    fn mutated(src: &'static str) -> impl Strategy<Value = String> {
        let lines: Vec<&'static str> = src.lines().collect();
        let n = lines.len();
        let insert = prop_oneof![
            Just(String::new()),
            "[ \\-:\\[\\]{}#\"'|>&*!%@`,=.0-9a-z]{1,6}",
            Just("opens: -262143-01-01 00:00".to_owned()),
            Just("closes: +262143-12-31".to_owned()),
            Just("remind_before_hours: 99999999999999999999".to_owned()),
        ];
        (0..n, 0..4u8, insert, 0..80usize).prop_map(move |(at, how, text, column)| {
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            match how {
                0 => {
                    out.remove(at);
                }
                1 => out.insert(at, out[at].clone()),
                2 => {
                    let cut: String = out[at].chars().take(column).collect();
                    out[at] = cut;
                }
                _ => {
                    let byte = out[at].char_indices().map(|(i, _)| i).nth(column).unwrap_or(out[at].len());
                    out[at].insert_str(byte, &text);
                }
            }
            out.join("\n")
        })
    }

    proptest! {
        #![proptest_config(crate::domain::proptests::config(64))]

        #[test]
        fn any_text_as_yaml_is_read_or_refused_with_line_numbers(src in "(.{0,30}\n){0,8}") {
            read_or_refused("survey.yaml", &src)?;
        }

        #[test]
        fn any_text_with_any_line_endings_as_yaml_is_read_or_refused(src in "([a-z: \\-\"\t]{0,12}[\r\n]{1,2}){0,8}") {
            read_or_refused("survey.yaml", &src)?;
        }

        #[test]
        fn any_text_as_toml_is_read_or_refused_with_line_numbers(src in "(.{0,30}\n){0,8}") {
            read_or_refused("survey.toml", &src)?;
        }

        #[test]
        fn a_mutated_yaml_example_is_read_or_refused_with_line_numbers(src in mutated(EXAMPLE_YAML)) {
            read_or_refused("survey.yaml", &src)?;
        }

        #[test]
        fn a_mutated_toml_example_is_read_or_refused_with_line_numbers(src in mutated(EXAMPLE_TOML)) {
            read_or_refused("survey.toml", &src)?;
        }

        #[test]
        fn any_typed_date_is_read_or_refused(s in "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?") {
            let _ = parse_local(&s, Shanghai, true);
            let _ = parse_local(&s, Shanghai, false);
            let _ = crate::services::surveys::parse_local_time(&s, Shanghai);
        }
    }
}

#[test]
fn the_first_and_last_days_chrono_can_read_do_not_panic_in_any_zone() {
    for s in ["-262143-01-01 00:00", "+262142-12-31 23:59", "-262143-01-01", "+262142-12-31", "262142-12-31"] {
        for tz in [Shanghai, chrono_tz::America::Los_Angeles, chrono_tz::Pacific::Kiritimati] {
            let _ = parse_local(s, tz, true);
            let _ = parse_local(s, tz, false);
            let _ = crate::services::surveys::parse_local_time(s, tz);
        }
    }
}
