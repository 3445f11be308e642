//! The parameters of one Bot API request, whatever way the client sent them: a JSON body (teloxide's
//! default), `multipart/form-data` (teloxide for anything that may upload a file; the upload itself is a
//! part named by an `attach://<name>` value), a urlencoded form, or the query string.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

/// A file part of a multipart request.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub bytes: Vec<u8>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
}

/// An `InputFile` as the bot gave it.
pub(crate) enum InputFileRef {
    Upload(Upload),
    /// A `file_id` (or a URL) to reuse.
    Existing(String),
}

#[derive(Debug, Default)]
pub(crate) struct Params {
    fields: Map<String, Value>,
    files: HashMap<String, Upload>,
}

impl Params {
    pub(crate) async fn from_request(req: Request) -> Result<Self, String> {
        let mut params = Params::default();
        if let Some(query) = req.uri().query() {
            for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
                params.fields.insert(k.into_owned(), Value::String(v.into_owned()));
            }
        }
        let content_type =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| e.to_string())?;
            while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().map(str::to_owned);
                let part_type = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(|e| e.to_string())?;
                // A part with a file name is an upload; any part may be named by `attach://`.
                if file_name.is_none() {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    params.fields.insert(name.clone(), Value::String(text));
                }
                let upload = Upload { bytes: bytes.to_vec(), file_name, content_type: part_type };
                params.files.insert(name, upload);
            }
        } else {
            let body = axum::body::to_bytes(req.into_body(), usize::MAX).await.map_err(|e| e.to_string())?;
            if body.iter().all(u8::is_ascii_whitespace) {
                // No body: the query string was all.
            } else if content_type.starts_with("application/x-www-form-urlencoded") {
                for (k, v) in url::form_urlencoded::parse(&body) {
                    params.fields.insert(k.into_owned(), Value::String(v.into_owned()));
                }
            } else {
                match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(o)) => params.fields.extend(o),
                    Ok(_) => return Err("the request body must be a JSON object".into()),
                    Err(e) => return Err(format!("the request body is not JSON: {e}")),
                }
            }
        }
        Ok(params)
    }

    #[cfg(test)]
    pub(crate) fn from_json(v: Value) -> Self {
        Params { fields: v.as_object().cloned().unwrap_or_default(), files: HashMap::new() }
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name) || self.files.contains_key(name)
    }

    pub(crate) fn str(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub(crate) fn i64(&self, name: &str) -> Option<i64> {
        match self.fields.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn f64(&self, name: &str) -> Option<f64> {
        match self.fields.get(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn bool(&self, name: &str) -> bool {
        match self.fields.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    /// A structured parameter: JSON in a JSON body, or a JSON string in a form or multipart body.
    pub(crate) fn json(&self, name: &str) -> Option<Value> {
        match self.fields.get(name)? {
            Value::String(s) => serde_json::from_str(s).ok(),
            Value::Null => None,
            other => Some(other.clone()),
        }
    }

    /// A file parameter: `attach://<part>`, a part named like the parameter, or a file_id / URL.
    pub(crate) fn input_file(&self, name: &str) -> Option<InputFileRef> {
        match self.files.get(name) {
            Some(upload) if upload.file_name.is_some() => Some(InputFileRef::Upload(upload.clone())),
            _ => self.resolve_file_value(&self.str(name)?),
        }
    }

    /// Resolves a `media` value inside an `InputMedia` object.
    pub(crate) fn resolve_file_value(&self, value: &str) -> Option<InputFileRef> {
        match value.strip_prefix("attach://") {
            Some(part) => self.files.get(part).cloned().map(InputFileRef::Upload),
            None => Some(InputFileRef::Existing(value.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_are_read_from_json_numbers_and_from_form_text() {
        let p = Params::from_json(json!({ "chat_id": 42, "message_id": "7", "show_alert": "true" }));
        assert_eq!(p.i64("chat_id"), Some(42));
        assert_eq!(p.i64("message_id"), Some(7));
        assert!(p.bool("show_alert"));
        assert!(!p.bool("missing"));
    }

    #[test]
    fn structured_fields_may_arrive_as_json_text() {
        let p = Params::from_json(json!({ "reply_markup": "{\"remove_keyboard\":true}" }));
        assert_eq!(p.json("reply_markup"), Some(json!({ "remove_keyboard": true })));
    }
}
