package io.nuri.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Columns aligned as kubectl does: each column as wide as its widest cell, three spaces between,
 * the last column not padded (so long messages do not leave trailing blanks).
 */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        columns = header.length;
        rows.add(header);
    }

    Table(List<String> header) {
        this(header.toArray(String[]::new));
    }

    Table row(String... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, header " + columns);
        }
        String[] copy = Arrays.copyOf(cells, cells.length);
        for (int i = 0; i < copy.length; i++) {
            copy[i] = copy[i] == null ? "" : copy[i];
        }
        rows.add(copy);
        return this;
    }

    Table row(List<String> cells) {
        return row(cells.toArray(String[]::new));
    }

    /** Data rows, header excluded. */
    int size() {
        return rows.size() - 1;
    }

    void print(PrintStream out) {
        print(out, "");
    }

    /** Column widths of header and rows, for {@link #printRows} of a watch that continues this table. */
    int[] widths() {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        return width;
    }

    /**
     * Prints the data rows only, each column at least as wide as {@code minWidths} (a watch keeps
     * the columns of the table it printed first); returns the widths used.
     */
    int[] printRows(PrintStream out, int[] minWidths) {
        int[] width = widths();
        for (int i = 0; i < columns; i++) {
            width[i] = Math.max(width[i], minWidths[i]);
        }
        printLines(out, "", width, 1);
        return width;
    }

    /** Prints every line with {@code indent} in front (describe nests tables). */
    void print(PrintStream out, String indent) {
        printLines(out, indent, widths(), 0);
    }

    private void printLines(PrintStream out, String indent, int[] width, int from) {
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows.subList(from, rows.size())) {
            sb.setLength(0);
            sb.append(indent);
            for (int i = 0; i < columns; i++) {
                sb.append(r[i]);
                if (i < columns - 1) {
                    sb.repeat(' ', width[i] - r[i].length() + 3);
                }
            }
            int end = sb.length();
            while (end > 0 && sb.charAt(end - 1) == ' ') {
                end--;
            }
            sb.setLength(end);
            out.println(sb);
        }
    }
}
