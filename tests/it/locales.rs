//! Every text exists in both languages, and every key the code uses exists.

use std::collections::BTreeSet;
use std::path::Path;

use propdesk::i18n::{Locale, has_key};

fn keys_in(dir: &Path) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ftl") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                // A message starts at the beginning of a line: `key = …`.
                if let Some((key, _)) = line.split_once('=') {
                    let key = key.trim_end();
                    if !line.starts_with([' ', '#', '\t'])
                        && !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    {
                        assert!(keys.insert(key.to_owned()), "{key} is defined twice in {}", dir.display());
                    }
                }
            }
        }
    }
    keys
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `Text::new(…)` in the code, outside comments, with a literal key.
fn keys_used_in_code() -> BTreeSet<String> {
    let re = regex::Regex::new(r#"Text::new\(\s*("([^"]*)"|[^)]*)"#).unwrap();
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    rust_files(Path::new("tests"), &mut files);
    let mut keys = BTreeSet::new();
    for file in files {
        for (n, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for cap in re.captures_iter(code) {
                let key = cap.get(2).unwrap_or_else(|| {
                    panic!("{}:{}: Text::new takes a string literal, so keys can be checked", file.display(), n + 1)
                });
                keys.insert(key.as_str().to_owned());
            }
        }
    }
    keys
}

#[test]
fn both_languages_have_the_same_keys() {
    let zh = keys_in(Path::new("locales/zh-CN"));
    let en = keys_in(Path::new("locales/en"));
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(only_zh.is_empty() && only_en.is_empty(), "only in zh-CN: {only_zh:?}; only in en: {only_en:?}");
    assert!(zh.len() > 50);
}

#[test]
fn every_key_the_code_uses_exists_in_every_language() {
    let used = keys_used_in_code();
    assert!(used.len() > 50, "the scan found the keys: {}", used.len());
    let mut missing = Vec::new();
    for key in &used {
        for locale in Locale::ALL {
            if !has_key(locale, key) {
                missing.push(format!("{key} ({locale})"));
            }
        }
    }
    assert!(missing.is_empty(), "keys used in code but missing: {missing:?}");
}

#[test]
fn every_key_in_the_files_loads_into_the_bundles() {
    // A syntax error in an .ftl file drops the message from the bundle.
    for locale in Locale::ALL {
        let dir = format!("locales/{locale}");
        for key in keys_in(Path::new(&dir)) {
            assert!(has_key(locale, &key), "{key} in {dir} does not load (Fluent syntax?)");
        }
    }
}
