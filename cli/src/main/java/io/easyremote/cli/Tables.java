package io.easyremote.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain aligned text table for terminals. */
final class Tables {
  private final List<String[]> rows = new ArrayList<>();
  private final String[] header;

  Tables(String... header) {
    this.header = header;
  }

  Tables row(Object... cells) {
    String[] row = new String[header.length];
    for (int i = 0; i < row.length; i++) {
      row[i] = i < cells.length && cells[i] != null ? String.valueOf(cells[i]) : "";
    }
    rows.add(row);
    return this;
  }

  void print(PrintStream out) {
    int[] widths = new int[header.length];
    for (int i = 0; i < header.length; i++) {
      widths[i] = header[i].length();
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    printRow(out, header, widths);
    for (String[] row : rows) {
      printRow(out, row, widths);
    }
  }

  private static void printRow(PrintStream out, String[] cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      line.append(i == cells.length - 1 ? cells[i] : String.format("%-" + widths[i] + "s  ", cells[i]));
    }
    out.println(line.toString().stripTrailing());
  }
}
