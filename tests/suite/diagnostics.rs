//! Located messages: `file:line:column`, the line with a caret, help (`model::diagnostic`), and
//! every type error of a scenario file reported, not only the first (`scenario::toml_errors`).

mod rendering {
    use ecsim::model::diagnostic::*;
    use std::path::Path;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncde\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 4), (2, 2));
        assert_eq!(line_col(text, 7), (3, 1));
    }

    #[test]
    fn the_line_index_agrees_with_the_scans() {
        // A scan from the start of the text, as the index must answer.
        let scan = |text: &str, offset: usize| {
            let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
            let start = before.rfind('\n').map_or(0, |p| p + 1);
            (before.matches('\n').count() + 1, before[start..].chars().count() + 1)
        };
        for text in ["ab\ncde\nf", "", "\n", "x\r\ny\n", "é\nàb\n\nz", "no newline"] {
            let idx = LineIndex::new(text);
            for off in 0..=text.len() + 1 {
                assert_eq!(idx.line_col(text, off), scan(text, off), "{text:?} at {off}");
                assert_eq!(line_col(text, off), scan(text, off), "{text:?} at {off}");
            }
            let lines: Vec<&str> = text.lines().collect();
            for n in 1..=lines.len() + 2 {
                assert_eq!(idx.line_text(text, n), lines.get(n - 1).copied(), "{text:?} line {n}");
            }
        }
    }

    #[test]
    fn a_file_that_is_not_utf8_is_located_at_its_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("td.json");
        std::fs::write(&path, b"{\n  \"family\": \"w\xc3\xa9b\xff\"\n}\n").unwrap();
        let d = read_text(&path).unwrap_err();
        // Line 2 is `  "family": "wéb?"`: the bad byte is the 17th character (é counts as one).
        assert_eq!((d.line, d.column), (2, 17), "{d}");
        assert!(d.to_string().contains("byte 0xFF here is not valid UTF-8"), "{d}");
        assert_eq!(d.source_line.as_deref(), Some("  \"family\": \"wéb\u{FFFD}\""));
        assert_eq!(read_text(&dir.path().join("missing.json")).unwrap_err().line, 0);
    }

    #[test]
    fn a_source_locates_an_offset_and_shows_its_line() {
        let text = "a = 1\nbé = 2\n";
        let src = Source::new(Path::new("s.toml"), text);
        let d = src.diagnostic(Severity::Warning, text.find('2').unwrap(), "two");
        assert_eq!((d.line, d.column, d.is_error()), (2, 6, false));
        assert_eq!(d.to_string(), "s.toml:2:6: warning: two\n  |\n2 | bé = 2\n  |      ^");
    }

    #[test]
    fn diagnostics_render_with_a_caret_and_help() {
        let d = Diagnostic::error(Path::new("a.json"), 2, 3, "bad value").with_help("use 1").with_source("x\n  42\n");
        assert_eq!(d.to_string(), "a.json:2:3: error: bad value\n  |\n2 |   42\n  |   ^\n  = help: use 1");
    }
}

mod toml_errors {
    use ecsim::scenario::load_str;
    use std::path::Path;

    #[test]
    fn type_errors_in_two_sections_are_both_reported() {
        // Line 5: a count that is a string; line 13: a threshold that is a string.
        let text =
            "[scenario]\nduration = \"1h\"\n[cluster]\nzones = [\"us-east-1a\"]\ninstances = [{ type = \"m5.large\", count = \"two\" }]\n\
                    [[services]]\nname = \"web\"\ntask_definition = \"web\"\n\n\n\n[[alarms]]\nname = \"a\"\nthreshold = \"high\"\n";
        let e = load_str(Path::new("s.toml"), text).unwrap_err();
        let located: Vec<(usize, usize)> = e.errors().map(|d| (d.line, d.column)).collect();
        assert_eq!(located.len(), 2, "{e}");
        assert_eq!(located[0].0, 5, "{e}");
        assert_eq!(located[1].0, 14, "{e}");
    }

    #[test]
    fn type_errors_in_two_entries_of_one_section_are_both_reported() {
        // Two services, each with a desired count that is a string (lines 4 and 8).
        let text = "[scenario]\nduration = \"1h\"\n[[services]]\ndesired_count = \"two\"\nname = \"a\"\ntask_definition = \"web\"\n\
                    [[services]]\ndesired_count = \"three\"\nname = \"b\"\ntask_definition = \"web\"\n";
        let e = load_str(Path::new("s.toml"), text).unwrap_err();
        let lines: Vec<usize> = e.errors().map(|d| d.line).collect();
        assert_eq!(lines, vec![4, 8], "{e}");
    }
}
