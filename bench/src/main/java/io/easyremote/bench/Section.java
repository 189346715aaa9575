package io.easyremote.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One scenario's results: a table (columns and rows of values) and notes, printed and saved as JSON. */
final class Section {
  final String id;
  final String title;
  final List<String> columns;
  final List<Map<String, Object>> rows = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  boolean failed;

  Section(String id, String title, String... columns) {
    this.id = id;
    this.title = title;
    this.columns = List.of(columns);
  }

  /** Adds a row; values line up with the columns (numbers stay numbers in the JSON). */
  Section row(Object... values) {
    if (values.length != columns.size()) {
      throw new IllegalArgumentException(id + ": " + values.length + " values for " + columns.size() + " columns");
    }
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      row.put(columns.get(i), values[i]);
    }
    rows.add(row);
    return this;
  }

  /** Adds a line printed under the table. */
  Section note(String note) {
    notes.add(note);
    return this;
  }

  /** Marks the scenario as failed (the command then exits with 1) and says why under the table. */
  Section fail(String why) {
    failed = true;
    return note("FAILED: " + why);
  }

  /** The section as Markdown: a heading, the table, the notes. */
  String markdown() {
    StringBuilder md = new StringBuilder("### ").append(title).append("\n\n");
    if (!rows.isEmpty()) {
      md.append("| ").append(String.join(" | ", columns)).append(" |\n|");
      for (int i = 0; i < columns.size(); i++) {
        md.append(i == 0 ? "---|" : "--:|");
      }
      md.append('\n');
      for (Map<String, Object> row : rows) {
        md.append('|');
        row.values().forEach(v -> md.append(' ').append(format(v)).append(" |"));
        md.append('\n');
      }
      md.append('\n');
    }
    notes.forEach(n -> md.append("- ").append(n).append('\n'));
    return md.append('\n').toString();
  }

  /** Numbers with as many decimals as they deserve; anything else as text. */
  static String format(Object value) {
    if (value instanceof Double d) {
      double a = Math.abs(d);
      if (d.isNaN()) {
        return "–";
      }
      return String.format(java.util.Locale.ROOT, a >= 100 ? "%,.0f" : a >= 10 ? "%.1f" : "%.2f", d);
    }
    if (value instanceof Long || value instanceof Integer) {
      return String.format(java.util.Locale.ROOT, "%,d", ((Number) value).longValue());
    }
    return value == null ? "–" : value.toString();
  }
}
