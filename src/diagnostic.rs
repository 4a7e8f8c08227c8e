//! Errors in a planner's input, rendered the way cargo renders compiler errors: the file, line
//! and column, the offending line with a caret under the value, the key path, and a help line
//! with the fix (a did-you-mean for misspelt keys). [`input`] reads an input file within its
//! kind's size limit.

pub mod input;

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use toml::de::{DeTable, DeValue};

/// A problem with the user's input, located in a file where possible.
#[derive(Debug, Clone)]
pub struct InputError {
    /// The file as the user named it.
    pub file: String,
    /// The file's text, for the snippet.
    pub text: Option<Arc<str>>,
    /// Byte range of the offending value or key.
    pub span: Option<Range<usize>>,
    /// Dotted key path, e.g. `pipeline.outcomes.won`.
    pub key: Option<String>,
    /// What is wrong, including the bad value and the allowed range.
    pub message: String,
    /// How to fix it.
    pub help: Vec<String>,
}

impl InputError {
    /// An error about a file as a whole (missing, unreadable, not UTF-8).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            text: None,
            span: None,
            key: None,
            message: message.into(),
            help: Vec::new(),
        }
    }

    /// An error located at `span` in `text`; the key path is found from the span.
    pub fn at(
        file: &str,
        text: &Arc<str>,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let span = span
            .filter(|s| s.end <= text.len() && !(s.start == 0 && s.end == 0))
            .map(|s| {
                // Byte offsets from a parser may fall inside a multi-byte character.
                let mut start = s.start;
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let mut end = s.end.max(start);
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                start..end
            });
        let key = span.as_ref().and_then(|s| key_path_at(text, s.clone()));
        InputError {
            file: file.to_string(),
            text: Some(text.clone()),
            span,
            key,
            message: message.into(),
            help: Vec::new(),
        }
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Sets the key path explicitly (when the span does not identify it).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// 1-based line and column of the span start.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let (text, span) = (self.text.as_ref()?, self.span.as_ref()?);
        let before = text.get(..span.start)?;
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, col))
    }

    /// Turns a `toml` deserialization error into an input error with a did-you-mean.
    pub fn from_toml(file: &str, text: &Arc<str>, e: &toml::de::Error) -> Self {
        let msg = e.message().trim().to_string();
        let mut err = InputError::at(file, text, e.span(), msg.clone());
        if let Some(rest) = msg.strip_prefix("unknown field `") {
            let (bad, expected) = rest.split_once('`').unwrap_or((rest, ""));
            let options: Vec<&str> = expected
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|s| !s.is_empty())
                .collect();
            err.message = format!("unknown key `{bad}`");
            if let Some(k) = &err.key {
                // The span is the key itself; report the full path of the unknown key.
                err.key = Some(k.clone());
            }
            match did_you_mean(bad, &options) {
                Some(best) => err.help.push(format!("did you mean `{best}`?")),
                None if !options.is_empty() => err
                    .help
                    .push(format!("the keys allowed here are: {}", options.join(", "))),
                None => {}
            }
        } else if let Some(rest) = msg.strip_prefix("unknown variant `") {
            let (bad, expected) = rest.split_once('`').unwrap_or((rest, ""));
            let options: Vec<&str> = expected
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|s| !s.is_empty())
                .collect();
            err.message = format!("unknown kind `{bad}`");
            match did_you_mean(bad, &options) {
                Some(best) => err.help.push(format!("did you mean `{best}`?")),
                None => err
                    .help
                    .push(format!("choose one of: {}", options.join(", "))),
            }
        } else if msg.starts_with("invalid type: ") {
            let plain = msg
                .replace("expected u32", "expected a whole number")
                .replace("expected u64", "expected a whole number")
                .replace("expected f64", "expected a number")
                .replace("expected a boolean", "expected true or false");
            err.message = plain;
            if msg.contains("string") {
                err.help
                    .push("write numbers and true/false without quotes".into());
            }
            // `set = { pipeline.cycle_months = 4 }`: unquoted, the dots make nested tables.
            if msg.starts_with("invalid type: map")
                && err
                    .key
                    .as_deref()
                    .is_some_and(|k| k.starts_with("events[") && k.contains("].set"))
            {
                let example = e
                    .span()
                    .map(|s| line_at(text, s.start))
                    .map(quote_dotted_keys)
                    .filter(|l| l.contains('"'))
                    .unwrap_or_else(|| {
                        "set = { \"pipeline.opportunities_per_rep_month\" = 5 }".to_string()
                    });
                err.help.push(format!(
                    "write each key path of an event's `set` in quotes (unquoted, its dots make nested tables): {example}"
                ));
            }
        } else if let Some(rest) = msg.strip_prefix("invalid value: integer ") {
            // A count outside its integer type: negative, or beyond u32 / u64.
            let (value, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let max = match expected {
                "u32" => Some(u32::MAX as u64),
                "u64" => Some(u64::MAX),
                _ => None,
            };
            if let Some(max) = max {
                err.message = format!("{value} is not a whole number from 0 to {max}");
                err.help
                    .push("counts are whole numbers of 0 or more (no sign, no decimals)".into());
            }
        } else if msg.starts_with("the text holds ") {
            err.help.push("use plain printable text on one line".into());
        } else if msg == "duplicate key" {
            err.message = "this key or table appears twice".into();
            err.help.push(
                "each key may appear once in its table, and each [table] header once: remove or merge the repeated one".into(),
            );
        } else if msg.starts_with("missing field `") {
            err.message = msg.replacen("missing field", "missing key", 1);
            err.help.push(
                "add the key; docs/scenario-reference.md lists every key with an example".into(),
            );
        }
        err
    }
}

/// The closest option to `bad`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(bad: &str, options: &[&'a str]) -> Option<&'a str> {
    options
        .iter()
        .map(|o| (strsim::jaro_winkler(bad, o), *o))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, o)| o)
}

/// The line of `text` that holds byte `at`, trimmed.
fn line_at(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    text.get(start..end).unwrap_or_default().trim().to_string()
}

/// `line` with every bare dotted key (`a.b = 1`, outside quotes) quoted: `"a.b" = 1`.
fn quote_dotted_keys(line: String) -> String {
    let bare = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let (mut i, mut quoted) = (0, None::<char>);
    while i < chars.len() {
        let c = chars[i];
        match quoted {
            Some(q) => {
                out.push(c);
                if c == q {
                    quoted = None;
                }
                i += 1;
            }
            None if c == '"' || c == '\'' => {
                quoted = Some(c);
                out.push(c);
                i += 1;
            }
            None if bare(c) => {
                let start = i;
                while i < chars.len() && bare(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let next = chars[i..].iter().find(|c| !c.is_whitespace());
                if word.contains('.') && next == Some(&'=') && !word.starts_with('.') {
                    out.push_str(&format!("\"{word}\""));
                } else {
                    out.push_str(&word);
                }
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The dotted key path of the innermost key or value containing `span`.
pub fn key_path_at(text: &str, span: Range<usize>) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    walk_table(doc.get_ref(), &span, &mut path).then(|| path.join("."))
}

// A table opened by a `[header]` spans only its header, not its body, so the search descends
// into every table and keeps the first key whose key or value span contains the error's span.
fn walk_table(t: &DeTable<'_>, span: &Range<usize>, path: &mut Vec<String>) -> bool {
    for (k, v) in t.iter() {
        path.push(k.get_ref().to_string());
        let (ks, vs) = (k.span(), v.span());
        let inside =
            |s: &Range<usize>| s.start <= span.start && span.end <= s.end && s.start < s.end;
        if walk_value(v.get_ref(), span, path) || inside(&ks) || inside(&vs) {
            return true;
        }
        path.pop();
    }
    false
}

fn walk_value(v: &DeValue<'_>, span: &Range<usize>, path: &mut Vec<String>) -> bool {
    match v {
        DeValue::Table(t) => walk_table(t, span, path),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                let s = item.span();
                let before = path.last().cloned().unwrap_or_default();
                if let Some(last) = path.last_mut() {
                    last.push_str(&format!("[{i}]"));
                }
                if walk_value(item.get_ref(), span, path)
                    || (s.start <= span.start && span.end <= s.end)
                {
                    return true;
                }
                if let Some(last) = path.last_mut() {
                    *last = before;
                }
            }
            false
        }
        _ => false,
    }
}

/// Whether revsim's own messages on stderr are coloured: only on a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string (no-color.org). Snapshots, pipes and
/// files get plain text.
pub fn colour_stderr() -> bool {
    use std::io::IsTerminal;
    wants_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// [`colour_stderr`] for a given terminal and `NO_COLOR`.
fn wants_colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// The bold red `error` label of a terminal, as clap and cargo print it.
pub const ERROR_LABEL_COLOURED: &str = "\x1b[1m\x1b[91merror\x1b[0m\x1b[1m:\x1b[0m";

impl InputError {
    /// The whole message with its `error:` label, coloured for a terminal when `styled`.
    pub fn report(&self, styled: bool) -> String {
        if !styled {
            return format!("error: {self}");
        }
        if self.text.is_none() || self.span.is_none() {
            return format!("{ERROR_LABEL_COLOURED} {self}");
        }
        self.render(Renderer::styled())
    }

    /// The message rendered by `renderer`, with annotate-snippets' own `error: ` label.
    fn render(&self, renderer: Renderer) -> String {
        let title = match &self.key {
            Some(k) => format!("{}: `{k}`: {}", self.file, self.message),
            None => format!("{}: {}", self.file, self.message),
        };
        let shown = shown_source(self.text.as_deref().unwrap_or_default());
        let mut main = Group::with_title(Level::ERROR.primary_title(title.as_str()));
        if let (Some(text), Some(span)) = (&self.text, &self.span) {
            let label = match &self.key {
                Some(k) => format!("in `{k}`"),
                None => String::new(),
            };
            let span = char_span(text, span.clone());
            main = main.element(
                Snippet::source(shown.as_ref())
                    .path(self.file.as_str())
                    .annotation(AnnotationKind::Primary.span(span).label(label)),
            );
        }
        for h in &self.help {
            main = main.element(Level::HELP.message(h.as_str()));
        }
        renderer.render(&[main])
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_none() || self.span.is_none() {
            match &self.key {
                Some(k) => write!(f, "{}: `{k}`: {}", self.file, self.message)?,
                None => write!(f, "{}: {}", self.file, self.message)?,
            }
            for h in &self.help {
                write!(f, "\n  = help: {h}")?;
            }
            return Ok(());
        }
        let rendered = self.render(Renderer::plain());
        // annotate-snippets prints "error: ..."; callers add their own prefix, so drop it.
        let rendered = rendered.strip_prefix("error: ").unwrap_or(&rendered);
        f.write_str(rendered)
    }
}

impl std::error::Error for InputError {}

/// What an invisible or direction-changing character is: Unicode's bidirectional controls
/// and marks, and the format characters that show nothing. Such a character can make text
/// read as other text (U+202E shows `invoice\u{202E}fdp.exe` as `invoiceexe.pdf`).
pub fn hidden(c: char) -> Option<&'static str> {
    match c {
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some("a direction control"),
        '\u{200E}' | '\u{200F}' | '\u{061C}' => Some("a direction mark"),
        '\u{00AD}'
        | '\u{034F}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{17B4}'
        | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E0FFF}' => Some("an invisible character"),
        _ => None,
    }
}

/// `text` as a snippet may show it: each control character (but tab and line breaks) and each
/// [`hidden`] character becomes as many `?` as it has bytes, so that the terminal shows what is
/// there and every span still falls on the same bytes.
fn shown_source(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || hidden(c).is_some();
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                "?".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// `span` inside `text` on character boundaries (the renderer slices the text by it): an empty
/// span is widened to the character it points at, and an end inside a multi-byte character
/// moves past it.
fn char_span(text: &str, span: Range<usize>) -> Range<usize> {
    let len = text.len();
    let floor = |mut i: usize| {
        i = i.min(len);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |mut i: usize| {
        i = i.min(len);
        while !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let start = floor(span.start);
    let end = if span.end <= span.start {
        text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8())
    } else {
        ceil(span.end)
    };
    start..end.max(start)
}

/// The label of the `--set` overrides where a file name would stand: in error messages, and
/// as the origin of a value a `--set` gave.
pub const SET_LABEL: &str = "--set";

#[cfg(test)]
mod tests {
    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(super::wants_colour(true, None));
        assert!(super::wants_colour(true, Some(OsStr::new(""))));
        assert!(!super::wants_colour(true, Some(OsStr::new("1"))));
        assert!(!super::wants_colour(false, None));
    }

    #[test]
    fn a_report_is_plain_unless_styled() {
        let text: std::sync::Arc<str> = std::sync::Arc::from("a = 3\n");
        let e = super::InputError::at("f.toml", &text, Some(4..5), "bad");
        assert!(!e.report(false).contains('\x1b'));
        assert!(e.report(false).starts_with("error: f.toml"));
        assert!(e.report(true).contains('\x1b'));
    }

    #[test]
    fn bare_dotted_keys_are_quoted() {
        assert_eq!(
            super::quote_dotted_keys(
                "set = { pipeline.cycle_months = 4, \"a.b\" = 1, x = 2.5 }".into()
            ),
            "set = { \"pipeline.cycle_months\" = 4, \"a.b\" = 1, x = 2.5 }"
        );
    }

    use super::*;

    #[test]
    fn key_path_follows_nested_tables_and_arrays() {
        let text = "[a]\nb = 1\n[c.d]\ne = [1, { f = 2 }]\n";
        let at = |needle: &str| {
            let i = text.find(needle).unwrap();
            key_path_at(text, i..i + needle.len())
        };
        assert_eq!(at("1").as_deref(), Some("a.b"));
        assert_eq!(at("2").as_deref(), Some("c.d.e[1].f"));
    }

    #[test]
    fn spans_land_on_character_boundaries() {
        let text = "a = é é";
        assert_eq!(char_span(text, 4..4), 4..6);
        assert_eq!(char_span(text, 4..5), 4..6);
        assert_eq!(char_span(text, 5..5), 4..6);
        assert_eq!(char_span(text, 9..9), 9..9);
        assert_eq!(char_span(text, 20..30), 9..9);
    }

    #[test]
    fn snippets_show_hidden_characters_as_question_marks() {
        let text = "name = \"a\u{202E}b\u{7}\"\tx = 1\n";
        let shown = shown_source(text);
        assert_eq!(shown, "name = \"a???b?\"\tx = 1\n");
        assert_eq!(shown.len(), text.len(), "spans keep their bytes");
    }

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(
            did_you_mean("seets", &["seats", "filled_seats"]),
            Some("seats")
        );
        assert_eq!(did_you_mean("zzz", &["seats", "filled_seats"]), None);
    }
}
