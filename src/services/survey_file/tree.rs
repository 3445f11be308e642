//! YAML and TOML read into one small tree in which every value knows its
//! line, so the survey-file checks are written once and every error they find
//! can name the line an author has to fix.
//!
//! YAML comes from `saphyr`, whose `MarkedYaml` keeps a position for every
//! node (keys included); TOML from `toml`'s `DeTable`, which keeps a byte span
//! for every key and value and recovers after a syntax error to report the
//! next one too.

use saphyr::{LoadableYamlNode as _, MarkedYaml, Scalar, YamlData};
use toml::de::{DeTable, DeValue};

/// Our format is four levels deep; anything deeper is not a survey and is
/// not walked (no recursion driven by the input's depth).
const MAX_DEPTH: usize = 8;
/// YAML nested deeper than this is refused before a tree is built: saphyr
/// builds nested nodes fine but dropping them recurses once per level, and
/// `- - - - …` on one line of a 1 MB file would overflow the stack.
const MAX_YAML_NESTING: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based.
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// YAML `~` or a key with nothing after it: the same as leaving the key out.
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A TOML date-time or date, as TOML writes it (2026-12-01T09:00:00).
    DateTime(String),
    List(Vec<Node>),
    Map(Vec<Entry>),
    /// Anything our format has no use for: tags, aliases, nesting too deep.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: usize,
    pub value: Node,
}

/// A syntax error as the parser words it (in English: parsers speak no other
/// language), at its line when the parser knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub line: Option<usize>,
    pub message: String,
}

/// The document's root; `None` for a document with nothing in it.
pub fn from_yaml(src: &str) -> Result<Option<Node>, Vec<SyntaxError>> {
    check_yaml_nesting(src)?;
    let docs = MarkedYaml::load_from_str(src)
        .map_err(|e| vec![SyntaxError { line: Some(e.marker().line()), message: e.info().to_owned() }])?;
    let mut docs = docs.into_iter();
    let Some(first) = docs.next() else { return Ok(None) };
    if let Some(second) = docs.next() {
        return Err(vec![SyntaxError {
            line: Some(second.span.start.line()),
            message: "a survey file holds one YAML document; this is a second one".into(),
        }]);
    }
    let root = yaml_node(&first, 0);
    Ok(if root.value == Value::Null { None } else { Some(root) })
}

/// A pass over the parser's events (a state machine, no recursion) that
/// refuses nesting deeper than [`MAX_YAML_NESTING`].
fn check_yaml_nesting(src: &str) -> Result<(), Vec<SyntaxError>> {
    use saphyr_parser::{Event, Parser};
    let mut depth = 0usize;
    for event in Parser::new_from_str(src) {
        let (event, span) =
            event.map_err(|e| vec![SyntaxError { line: Some(e.marker().line()), message: e.info().to_owned() }])?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_YAML_NESTING {
                    return Err(vec![SyntaxError {
                        line: Some(span.start.line()),
                        message: format!("nested more than {MAX_YAML_NESTING} levels deep"),
                    }]);
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn yaml_node(node: &MarkedYaml<'_>, depth: usize) -> Node {
    let line = node.span.start.line().max(1);
    let value = if depth > MAX_DEPTH {
        Value::Other
    } else {
        match &node.data {
            YamlData::Value(scalar) => scalar_value(scalar),
            YamlData::Sequence(items) => Value::List(items.iter().map(|n| yaml_node(n, depth + 1)).collect()),
            YamlData::Mapping(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| Entry {
                        key: match &k.data {
                            YamlData::Value(Scalar::String(s)) => s.to_string(),
                            YamlData::Value(Scalar::Integer(n)) => n.to_string(),
                            YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
                            _ => "?".into(),
                        },
                        key_line: k.span.start.line().max(1),
                        value: {
                            let mut v = yaml_node(v, depth + 1);
                            // `key:` with nothing after it has no position of its own.
                            if v.value == Value::Null {
                                v.line = k.span.start.line().max(1);
                            }
                            v
                        },
                    })
                    .collect(),
            ),
            YamlData::Representation(..) | YamlData::Tagged(..) | YamlData::Alias(_) | YamlData::BadValue => {
                Value::Other
            }
        }
    };
    Node { line, value }
}

fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(n) => Value::Int(*n),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

/// The document's root (a TOML document is always a table, maybe empty).
pub fn from_toml(src: &str) -> Result<Node, Vec<SyntaxError>> {
    let lines = LineIndex::new(src);
    let (root, errors) = DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| SyntaxError { line: e.span().map(|s| lines.line(s.start)), message: e.message().to_owned() })
            .collect());
    }
    let line = lines.line(root.span().start);
    Ok(Node { line, value: toml_table(root.get_ref(), &lines, 0) })
}

fn toml_table(table: &DeTable<'_>, lines: &LineIndex, depth: usize) -> Value {
    Value::Map(
        table
            .iter()
            .map(|(k, v)| Entry {
                key: k.get_ref().to_string(),
                key_line: lines.line(k.span().start),
                value: Node { line: lines.line(v.span().start), value: toml_value(v.get_ref(), lines, depth + 1) },
            })
            .collect(),
    )
}

fn toml_value(value: &DeValue<'_>, lines: &LineIndex, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Other;
    }
    match value {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(n) => {
            i64::from_str_radix(&n.as_str().replace('_', ""), n.radix()).map_or(Value::Other, Value::Int)
        }
        DeValue::Float(f) => f.as_str().replace('_', "").parse().map_or(Value::Other, Value::Float),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::DateTime(d.to_string()),
        DeValue::Array(items) => Value::List(
            items
                .iter()
                .map(|v| Node { line: lines.line(v.span().start), value: toml_value(v.get_ref(), lines, depth + 1) })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(t, lines, depth),
    }
}

/// Byte offset to 1-based line.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(src: &str) -> Self {
        LineIndex(src.match_indices('\n').map(|(i, _)| i).collect())
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_nodes_carry_their_lines() {
        let root = from_yaml("title: 调查\nquestions:\n  - type: rating\n    prompt: 保洁\n").unwrap().unwrap();
        let Value::Map(entries) = root.value else { panic!() };
        assert_eq!((entries[0].key.as_str(), entries[0].key_line), ("title", 1));
        assert_eq!(entries[1].key_line, 2);
        let Value::List(items) = &entries[1].value.value else { panic!() };
        assert_eq!(items[0].line, 3);
        let Value::Map(q) = &items[0].value else { panic!() };
        assert_eq!((q[1].key.as_str(), q[1].value.line, &q[1].value.value), ("prompt", 4, &Value::Str("保洁".into())));
    }

    #[test]
    fn toml_nodes_carry_their_lines() {
        let root =
            from_toml("title = \"调查\"\nopens = 2026-12-01\n\n[[questions]]\ntype = \"rating\"\nprompt = \"保洁\"\n")
                .unwrap();
        let Value::Map(entries) = root.value else { panic!() };
        assert_eq!(entries[1].value, Node { line: 2, value: Value::DateTime("2026-12-01".into()) });
        let Value::List(items) = &entries[2].value.value else { panic!() };
        let Value::Map(q) = &items[0].value else { panic!() };
        assert_eq!((q[1].key_line, q[1].value.line), (6, 6));
    }

    #[test]
    fn a_yaml_key_without_a_value_is_null_on_its_own_line() {
        let root = from_yaml("title: a\nintro:\n").unwrap().unwrap();
        let Value::Map(entries) = root.value else { panic!() };
        assert_eq!(entries[1].value, Node { line: 2, value: Value::Null });
    }

    fn deep() -> String {
        format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000))
    }

    #[test]
    fn deep_yaml_flow_nesting_is_not_a_crash() {
        let _ = from_yaml(&deep());
    }

    #[test]
    fn deep_toml_nesting_is_not_a_crash() {
        let _ = from_toml(&format!("a = {}", deep()));
    }

    #[test]
    fn deep_yaml_block_nesting_is_not_a_crash() {
        let block: String = (0..2_000).map(|i| format!("{}- \n", " ".repeat(i * 2))).collect();
        assert_eq!(from_yaml(&block).unwrap_err()[0].line, Some(33));
        assert!(from_yaml(&"- ".repeat(400_000)).is_err());
    }
}
