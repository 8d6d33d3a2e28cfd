//! The page of a scenario run with variants (comparison.csv and one folder per variant): the
//! comparison table, each variant linked to its own report.html.

use super::page::{self, escape_html};
use super::read::Table;
use anyhow::Result;
use serde_json::json;
use std::path::Path;

/// The folder name of a variant, as `ecsim run` names it (lowercase, dashes).
fn slug(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}

/// The page of the variants in `dir`.
pub fn page(dir: &Path) -> Result<String> {
    let table = Table::read(dir, "comparison.csv")?;
    // The scenario's name, from a variant's summary.json (not the folder's: the same results
    // in another folder give the same page).
    let title = table
        .rows
        .iter()
        .find_map(|row| {
            let summary = super::read::json(&dir.join(slug(row.get(0)?)), "summary.json").ok()?;
            summary.get("scenario")?.as_str().map(str::to_string)
        })
        .unwrap_or_else(|| "variants".to_string());
    let head: String = table.header.iter().map(|h| format!("<th>{}</th>", escape_html(h))).collect();
    let mut rows = String::new();
    for row in &table.rows {
        rows.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                let folder = slug(cell);
                // A link only to a report that is there (the folder's report.html is written
                // before this page).
                if dir.join(&folder).join(super::REPORT_FILE).is_file() {
                    rows.push_str(&format!("<td><a href=\"{}/report.html\">{}</a></td>", escape_html(&folder), escape_html(cell)));
                } else {
                    rows.push_str(&format!("<td>{}</td>", escape_html(cell)));
                }
            } else {
                rows.push_str(&format!("<td class=\"num\">{}</td>", escape_html(cell)));
            }
        }
        rows.push_str("</tr>\n");
    }
    let mut body = page::header(&title, &format!("{} variants of one scenario, same seed", table.rows.len()));
    body.push_str(&format!(
        "<section id=\"comparison\"><h2>The variants side by side</h2><div class=\"explain\">comparison.csv: tasks placed and refused, mean reservation, the spread between zones, stranded capacity and cost. Each variant's name opens its own report.</div><div class=\"table-wrap\"><table><thead><tr>{head}</tr></thead><tbody>\n{rows}</tbody></table></div></section>\n"
    ));
    Ok(page::render(&page::Page {
        title: &title,
        body: &body,
        data: &[&json!({"kind": "variants"}).to_string()],
        script: "",
        cluster: None,
    }))
}
