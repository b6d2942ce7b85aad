package io.nuri.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nuri.api.codec.Json;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * JSON and YAML output of API answers, as trees: the CLI prints what the server sent, field for
 * field, and never binds it to records. A plain {@link ObjectMapper} without modules is all a tree
 * needs; that keeps {@code nuri get apps} from paying for the JavaTime module and the YAML factory
 * that {@link Json} builds. YAML uses {@link Json#YAML} (same style as spec files) on demand only.
 */
final class Output {
    static final ObjectMapper JSON = new ObjectMapper();

    private Output() {}

    enum Format {
        TABLE, WIDE, JSON, YAML;

        static Format parse(String s) {
            if (s == null || s.isEmpty()) {
                return TABLE;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "wide" -> WIDE;
                case "json" -> JSON;
                case "yaml", "yml" -> YAML;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "unknown output format \"" + s + "\" (expected: json, yaml or wide)");
            };
        }

        boolean structured() {
            return this == JSON || this == YAML;
        }
    }

    /** Jackson's pretty printer with kubectl's look: {@code "key": value}, arrays one item a line. */
    static String prettyJson(JsonNode node) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        pp.indentArraysWith(new DefaultIndenter("  ", "\n"));
        pp.indentObjectsWith(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(pp).writeValueAsString(node);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String yaml(JsonNode node) {
        try {
            return Json.YAML.writeValueAsString(node);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prints {@code node} in a structured format; returns false for table formats. */
    static boolean printStructured(PrintStream out, Format format, JsonNode node) {
        switch (format) {
            case JSON -> out.println(prettyJson(node));
            case YAML -> out.print(yaml(node));
            default -> {
                return false;
            }
        }
        return true;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }

    /** The field's text, or "-" when it is absent, null or (for numbers) 0. */
    static String orDash(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull() || (v.isNumber() && v.asLong() == 0) || v.asText().isEmpty()) {
            return "-";
        }
        return v.asText();
    }
}
