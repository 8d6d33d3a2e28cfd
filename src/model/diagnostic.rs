//! Located messages about input files: `file:line:column`, the offending line with a caret,
//! what is wrong and what to change. Loading collects every error it can before giving up, so
//! `ecsim check` reports them all at once.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One located message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based; 0 when the message is about the whole file.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    /// What to change, when we can say.
    pub help: Option<String>,
    /// The source line the message points into.
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(file: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }
    pub fn warning(file: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(file, line, column, message) }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Attaches the source line from the file's text (so the message shows a caret).
    pub fn with_source(self, text: &str) -> Self {
        self.with_source_from(&LineIndex::new(text), text)
    }
    /// Attaches `line` as the source line shown under the message.
    pub fn with_source_line(mut self, line: String) -> Self {
        self.source_line = Some(line);
        self
    }
    /// Attaches the source line from a `LineIndex` built once for the file: the same as
    /// `with_source`, without rescanning the text for every message.
    pub fn with_source_from(mut self, lines: &LineIndex, text: &str) -> Self {
        if self.line > 0 {
            self.source_line = lines.line_text(text, self.line).map(str::to_string);
        }
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line > 0 {
            write!(f, "{}:{}:{}: {kind}: {}", self.file.display(), self.line, self.column, self.message)?;
        } else {
            write!(f, "{}: {kind}: {}", self.file.display(), self.message)?;
        }
        if let Some(src) = &self.source_line {
            let width = self.line.to_string().len();
            write!(f, "\n{:width$} |\n{} | {}\n{:width$} | {}^", "", self.line, src, "", " ".repeat(self.column.saturating_sub(1)))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Every message from loading one or more files; an `Err` of the loaders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| !d.is_error())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// 1-based (line, column in chars) of a byte offset in `text`.
pub fn line_col(text: &str, byte_offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, byte_offset)
}

/// Reads a text file for loading. A file that is not UTF-8 gets an error located at its first
/// invalid byte (with the line shown, the bad bytes replaced by U+FFFD), so that even this
/// message says `file:line:column`; a file that cannot be read at all is about the whole file.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| Diagnostic::error(path, 0, 0, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let bad_at = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&bytes[..bad_at]).unwrap_or_default();
        let (line, column) = line_col(valid, valid.len());
        let line_start = valid.rfind('\n').map_or(0, |p| p + 1);
        let line_end = bytes[bad_at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| bad_at + p);
        let shown = String::from_utf8_lossy(&bytes[line_start..line_end]).into_owned();
        Diagnostic::error(path, line, column, format!("the file is not UTF-8 text: byte 0x{:02X} here is not valid UTF-8", bytes[bad_at]))
            .with_help("save the file as UTF-8 (JSON and TOML files must be UTF-8)")
            .with_source_line(shown)
    })
}

/// A file being loaded, and where its lines start (indexed at its first message): every front
/// end turns a byte offset into `file:line:column` and the line shown under the message through
/// one of these, the scenario loader from a TOML value's span, the JSON importers from the
/// offset `json_doc` finds for a path.
#[derive(Debug)]
pub struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    lines: std::cell::OnceCell<LineIndex>,
}

impl<'a> Source<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        Source { path, text, lines: std::cell::OnceCell::new() }
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text))
    }

    /// 1-based (line, column in chars) of a byte offset.
    pub fn line_col(&self, byte_offset: usize) -> (usize, usize) {
        self.lines().line_col(self.text, byte_offset)
    }

    /// A message at `byte_offset`, showing the line it points into.
    pub fn diagnostic(&self, severity: Severity, byte_offset: usize, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.line_col(byte_offset);
        Diagnostic { severity, ..Diagnostic::error(self.path, line, column, message) }.with_source_from(self.lines(), self.text)
    }
}

/// Where each line of a text starts, built once per file so that locating thousands of
/// messages costs a binary search each instead of a scan from the start of the file.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset of the first character of each line; `starts[0] == 0`.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based (line, column in chars) of a byte offset in `text`, as `line_col` gives.
    pub fn line_col(&self, text: &str, byte_offset: usize) -> (usize, usize) {
        let offset = text.floor_char_boundary(byte_offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, text.get(start..offset).map_or(0, |s| s.chars().count()) + 1)
    }

    /// The text of 1-based line `line`, without its line break (as `str::lines` gives it).
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> Option<&'t str> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(text.len(), |&next| next - 1);
        if start > text.len() || (start == text.len() && self.starts.get(line).is_none()) {
            return None;
        }
        let s = text.get(start..end)?;
        Some(s.strip_suffix('\r').unwrap_or(s))
    }
}
