//! Drawing the scaling figure: the two panels (fault and alarm bands, lines, scaling markers
//! on top) and the legend column beside each.

use super::*;

impl Picture for ScalingFigure {
    fn size(&self) -> (u32, u32) {
        SCALING_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plots, legend) = frame(root, &self.title, LEGEND_WIDTH)?;
        // The legend column is cut where the plots are, so that each panel's entries stand
        // level with it.
        let (_, h) = plots.dim_in_pixel();
        let split = (TASKS_SHARE * h as f64).round() as i32;
        let (tasks, utilization) = plots.split_vertically(split);
        let (tasks_key, utilization_key) = legend.split_vertically(split);
        self.draw_panel(&self.tasks, &tasks, false)?;
        draw_legend(&tasks_key, &self.tasks.legend)?;
        self.draw_panel(&self.utilization, &utilization, true)?;
        draw_legend(&utilization_key, &self.utilization.legend)?;
        root.present().map_err(err)
    }
}

impl ScalingFigure {
    /// One panel: its bands, lines, then markers on top; the time axis is described under the
    /// bottom panel only.
    fn draw_panel<DB: DrawingBackend>(&self, panel: &Panel, area: &DrawingArea<DB, Shift>, bottom: bool) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        // Whole numbers only: a task count of 2.5 is no tick worth labelling.
        let whole = |y: &f64| if (y - y.round()).abs() < 1e-9 { trim_number(*y) } else { String::new() };
        let axes = PanelAxes {
            caption: &panel.caption,
            x_max: self.x_max,
            y_range: 0f64..panel.top,
            y_desc: panel.y_desc,
            y_labels: (panel.top as usize).min(10) + 1,
            y_label: &whole,
            x_desc: bottom.then_some(self.x_desc.as_str()),
        };
        let mut chart = axes.draw(area)?;
        draw_fault_bands(&mut chart, &self.faults, self.unit_s, self.x_max, 0f64..panel.top, !bottom)?;
        chart
            .draw_series(panel.bands.iter().map(|b| Rectangle::new([(b.from, 0.0), (b.to, panel.top)], b.color.mix(BAND_OPACITY).filled())))
            .map_err(err)?;
        for trace in &panel.traces {
            draw_runs(&mut chart, &trace.runs, trace.stroke, &|v| v)?;
        }
        chart.draw_series(panel.markers.iter().map(|m| EmptyElement::at((m.x, m.y)) + m.step.marker())).map_err(err)?;
        Ok(())
    }
}

/// A panel's legend blocks from the top of its area. Entries that do not fit are left out
/// from the end, and a last line says how many.
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, blocks: &[LegendBlock]) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let heading_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let label_style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let (_, h) = area.dim_in_pixel();
    // The lowest row an entry may use: one row stays free for "… and N more".
    let last_row = h as i32 - 2 * LEGEND_ROW;
    let mut y = LEGEND_TOP;
    let mut hidden = 0;
    for block in blocks {
        if hidden > 0 || y + LEGEND_ROW > last_row {
            hidden += block.entries.len();
            continue;
        }
        area.draw(&Text::new(block.heading, (LEGEND_X, y), heading_style.clone())).map_err(err)?;
        for entry in &block.entries {
            let rows = entry.label.len() as i32;
            if hidden > 0 || y + rows * LEGEND_ROW > last_row {
                hidden += 1;
                continue;
            }
            y += LEGEND_ROW;
            draw_key(area, entry.key, y)?;
            for (i, line) in entry.label.iter().enumerate() {
                area.draw(&Text::new(line.as_str(), (LEGEND_X + 42, y + i as i32 * LEGEND_ROW), label_style.clone())).map_err(err)?;
            }
            y += (rows - 1) * LEGEND_ROW;
        }
        y += LEGEND_ROW + LEGEND_BLOCK_GAP;
    }
    if hidden > 0 {
        area.draw(&Text::new(format!("… and {hidden} more"), (LEGEND_X + 42, y), label_style)).map_err(err)?;
    }
    Ok(())
}

/// The sample left of a legend entry's first line, centred on `y`.
fn draw_key<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, key: Key, y: i32) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (x0, x1) = (LEGEND_X, LEGEND_X + 32);
    match key {
        Key::Blank => Ok(()),
        Key::Line(Stroke { color, width, dashed: true }) => {
            area.draw(&DashedPathElement::new(vec![(x0, y), (x1, y)], 8, 5, color.stroke_width(width)))
        }
        Key::Line(Stroke { color, width, dashed: false }) => {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], color.stroke_width(width)))
        }
        Key::Band(color) => area.draw(&Rectangle::new([(x0, y - 7), (x1, y + 7)], color.mix(BAND_OPACITY).filled())),
        Key::Marker(step) => area.draw(&(EmptyElement::at(((x0 + x1) / 2, y)) + step.marker())),
    }
    .map_err(err)
}
