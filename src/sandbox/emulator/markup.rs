//! `parse_mode`: turns formatted text into the plain text a chat shows, and rejects what Telegram
//! rejects. MarkdownV2 is checked strictly (an unescaped reserved character is a 400), because that is
//! the mistake a bot makes most; HTML and legacy Markdown are only stripped.

/// Characters MarkdownV2 reserves: each must be escaped with `\` in plain text.
const RESERVED: &str = "_*[]()~`>#+-=|{}.!";

/// The plain text, or the error description after "Bad Request: ".
pub(crate) fn render(text: &str, parse_mode: Option<&str>) -> Result<String, String> {
    match parse_mode {
        Some("MarkdownV2") => markdown_v2(text),
        Some("HTML") => Ok(html(text)),
        Some("Markdown") => Ok(text.chars().filter(|c| !"*_`".contains(*c)).collect()),
        _ => Ok(text.to_owned()),
    }
}

fn cant_parse(detail: String) -> String {
    format!("can't parse entities: {detail}")
}

fn markdown_v2(text: &str) -> Result<String, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // Open entities, innermost last, by their marker.
    let mut open: Vec<&'static str> = Vec::new();
    let mut in_link_text = 0usize;
    let mut i = 0;
    let mut at_line_start = true;
    while i < chars.len() {
        let c = chars[i];
        let byte_offset = chars[..i].iter().map(|c| c.len_utf8()).sum::<usize>();
        if c == '\\' {
            match chars.get(i + 1) {
                Some(next) => {
                    out.push(*next);
                    i += 2;
                    at_line_start = false;
                    continue;
                }
                None => {
                    return Err(cant_parse(format!("Unexpected end of text at byte offset {byte_offset}")));
                }
            }
        }
        // Inside code, only ` and \ are special.
        if open.last().is_some_and(|m| m.starts_with('`')) {
            let closing = *open.last().expect("open");
            if text[byte_offset..].starts_with(closing) {
                open.pop();
                i += closing.chars().count();
            } else {
                out.push(c);
                i += 1;
            }
            continue;
        }
        let marker: Option<&'static str> =
            ["```", "||", "__", "`", "*", "_", "~"].into_iter().find(|m| text[byte_offset..].starts_with(m));
        if let Some(m) = marker {
            if open.last() == Some(&m) {
                open.pop();
            } else if open.contains(&m) {
                return Err(cant_parse(format!("Can't find end of entity at byte offset {byte_offset}")));
            } else {
                open.push(m);
            }
            i += m.chars().count();
            at_line_start = false;
            continue;
        }
        match c {
            '[' => {
                in_link_text += 1;
                i += 1;
            }
            ']' if in_link_text > 0 => {
                in_link_text -= 1;
                i += 1;
                if chars.get(i) == Some(&'(') {
                    // The URL: only ')' and '\' must be escaped inside it; it is not shown.
                    i += 1;
                    while i < chars.len() && chars[i] != ')' {
                        i += if chars[i] == '\\' { 2 } else { 1 };
                    }
                    if i >= chars.len() {
                        return Err(cant_parse("Can't find end of a URL".into()));
                    }
                    i += 1;
                }
            }
            '>' if at_line_start => i += 1,
            c if RESERVED.contains(c) => {
                return Err(cant_parse(format!(
                    "Character '{c}' is reserved and must be escaped with the preceding '\\'"
                )));
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
        at_line_start = c == '\n';
    }
    if let Some(m) = open.last() {
        return Err(cant_parse(format!("Can't find end of the entity starting with {m:?}")));
    }
    if in_link_text > 0 {
        return Err(cant_parse("Can't find end of a link text".into()));
    }
    Ok(out)
}

fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unescaped_dot_in_markdown_v2_is_rejected() {
        let err = render("Done.", Some("MarkdownV2")).unwrap_err();
        assert!(err.starts_with("can't parse entities: Character '.' is reserved"), "{err}");
    }

    #[test]
    fn escaped_markdown_v2_renders_to_plain_text() {
        assert_eq!(render(r"*Ticket* \#12 done\.", Some("MarkdownV2")).unwrap(), "Ticket #12 done.");
        assert_eq!(render("[site](https://a.b/c_d)", Some("MarkdownV2")).unwrap(), "site");
        assert_eq!(render("`a.b` __u__ ||s||", Some("MarkdownV2")).unwrap(), "a.b u s");
    }

    #[test]
    fn an_unclosed_bold_is_rejected() {
        assert!(render("*bold", Some("MarkdownV2")).is_err());
    }

    #[test]
    fn html_is_stripped_and_unescaped() {
        assert_eq!(render("<b>1 &lt; 2</b>", Some("HTML")).unwrap(), "1 < 2");
    }

    #[test]
    fn plain_text_is_left_alone() {
        assert_eq!(render("a.b_c", None).unwrap(), "a.b_c");
    }
}
