//! Charts drawn on the server as SVG: columns per day and horizontal bars per place, sized by a viewBox so they scale to a laptop or a phone, every bar with its number in a `<title>` (the pages print the numbers as text beside them too).
//!
//! No script and no library: a few rectangles and lines. Every text that comes from data is
//! escaped here, since the pages insert the SVG unescaped.

use std::fmt::Write as _;

/// One series of a chart: its CSS class (`s1`, `s2`, `s3`: colours in console.css), its name in
/// the page's language, one value per label.
pub struct Series<'a> {
    pub class: &'static str,
    pub name: &'a str,
    pub values: &'a [i64],
}

const W: f64 = 640.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const PLOT_H: f64 = 190.0;
const BOTTOM: f64 = 34.0;

/// Text safe inside SVG (and HTML) elements and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The top of the axis: the smallest 2, 5 or 10 × 10ⁿ at or above `max` (2 for nothing), so that
/// its middle line is a whole number (or, for 5, left unlabelled).
pub fn nice_max(max: i64) -> i64 {
    if max <= 2 {
        return 2;
    }
    let mut magnitude = 1i64;
    while magnitude.saturating_mul(10) <= max {
        magnitude = magnitude.saturating_mul(10);
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| magnitude.saturating_mul(m))
        .find(|top| *top >= max)
        .unwrap_or(max)
}

/// Columns: one group per label, one column per series in each group, with a scale of three
/// lines labelled by `fmt` (counts, or durations).
pub fn columns(
    caption: &str,
    labels: &[String],
    series: &[Series<'_>],
    fmt: &dyn Fn(i64) -> String,
) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let top = nice_max(max) as f64;
    let height = TOP + PLOT_H + BOTTOM;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{}">"#,
        esc(caption)
    );
    for step in 0..=2 {
        let y = TOP + PLOT_H - PLOT_H * f64::from(step) / 2.0;
        let _ = write!(
            svg,
            r#"<line class="axis" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#,
            W - RIGHT
        );
        let value = top as i64 * i64::from(step);
        if value % 2 == 0 {
            let _ = write!(
                svg,
                r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                y + 5.0,
                esc(&fmt(value / 2))
            );
        }
    }
    let n = labels.len().max(1) as f64;
    let group = (W - LEFT - RIGHT) / n;
    let bar = group * 0.8 / series.len().max(1) as f64;
    for (i, label) in labels.iter().enumerate() {
        let x0 = LEFT + group * i as f64 + group * 0.1;
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0).max(0);
            let h = PLOT_H * v as f64 / top;
            let _ = write!(
                svg,
                r#"<rect class="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}"><title>{}: {} {}</title></rect>"#,
                s.class,
                x0 + bar * k as f64,
                TOP + PLOT_H - h,
                (bar - 1.0).max(1.0),
                esc(label),
                esc(s.name),
                esc(&fmt(v))
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + group * (i as f64 + 0.5),
            TOP + PLOT_H + 24.0,
            esc(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

const ROW: f64 = 38.0;
const LABEL_W: f64 = 180.0;
const NUMBER_W: f64 = 56.0;

/// Horizontal bars, one row per label, the series stacked left to right, the row's total
/// written after the bar.
pub fn bars(caption: &str, rows: &[(String, Vec<i64>)], series: &[(&'static str, &str)]) -> String {
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let height = ROW * rows.len().max(1) as f64 + 8.0;
    let width = W - LABEL_W - NUMBER_W;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{}">"#,
        esc(caption)
    );
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let short: String = if label.chars().count() > 22 {
            label.chars().take(21).chain(['…']).collect()
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + ROW / 2.0 + 4.0,
            esc(&short)
        );
        let mut x = LABEL_W;
        for ((class, name), v) in series.iter().zip(values) {
            let w = width * (*v).max(0) as f64 / max;
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}"><title>{}: {} {v}</title></rect>"#,
                y + 4.0,
                ROW - 10.0,
                esc(label),
                esc(name)
            );
            x += w;
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            x + 6.0,
            y + ROW / 2.0 + 4.0,
            values.iter().sum::<i64>()
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_ends_on_a_round_number_at_or_above_the_largest_value() {
        assert_eq!(nice_max(0), 2);
        assert_eq!(nice_max(1), 2);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(10), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(230), 500);
        assert_eq!(nice_max(501), 1000);
    }

    #[test]
    fn columns_are_as_tall_as_their_values_and_carry_them() {
        let labels = vec!["01".to_string(), "02".to_string()];
        let sent = [10, 5];
        let delivered = [8, 0];
        let s = [
            Series {
                class: "s1",
                name: "sent",
                values: &sent,
            },
            Series {
                class: "s2",
                name: "delivered",
                values: &delivered,
            },
        ];
        let svg = columns("messages", &labels, &s, &|v| v.to_string());
        assert_eq!(svg.matches("<rect").count(), 4);
        // The tallest column fills the plot (10 of 10); half the value is half the height.
        assert!(svg.contains(&format!(r#"height="{PLOT_H:.1}""#)), "{svg}");
        assert!(
            svg.contains(&format!(r#"height="{:.1}""#, PLOT_H / 2.0)),
            "{svg}"
        );
        assert!(svg.contains("<title>02: sent 5</title>"), "{svg}");
        assert!(
            svg.contains(">10</text>") && svg.contains(">5</text>"),
            "the scale: {svg}"
        );
    }

    #[test]
    fn names_from_data_are_escaped() {
        let rows = vec![("<b>Bản & \"Nà\"</b>".to_string(), vec![1, 2])];
        let svg = bars("x", &rows, &[("s2", "open"), ("s1", "closed")]);
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(
            svg.contains("&lt;b&gt;Bản &amp; &quot;Nà&quot;&lt;/b&gt;"),
            "{svg}"
        );
        assert!(svg.contains(">3</text>"), "the row's total: {svg}");
    }

    #[test]
    fn long_place_names_are_shortened_on_the_chart() {
        let rows = vec![("Thị trấn Nông trường Mộc Châu Sơn La".to_string(), vec![1])];
        let svg = bars("x", &rows, &[("s2", "open")]);
        assert!(svg.contains("…</text>"), "{svg}");
    }
}
