package io.nuri.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuri.api.codec.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * JSON in and out as trees: the CLI prints what the server sent, field for field, and never binds it
 * to records. Trees are built and written with jackson-core's streaming parser and generator only:
 * creating an {@code ObjectMapper} loads most of jackson-databind and measured ~250 ms of a cold
 * start on the build machine, more than the rest of {@code nuri get apps} together (docs/cli.md).
 * YAML uses {@link Json#YAML} (the spec files' style) and pays that price only for {@code -o yaml}.
 */
final class Output {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Output() {}

    /** Parses one JSON document into a tree. */
    static JsonNode parse(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return MissingNode.getInstance();
            }
            JsonNode node = read(p, t);
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "more than one JSON value");
            }
            return node;
        }
    }

    private static JsonNode read(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.set(name, read(p, p.nextToken()));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                JsonToken next;
                while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
                    a.add(read(p, next));
                }
                yield a;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDecimalValue()); // keeps "1.0" as the server wrote it
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new JsonParseException(p, "unexpected token " + t);
        };
    }

    static ArrayNode array(Iterable<JsonNode> items) {
        ArrayNode a = NODES.arrayNode();
        items.forEach(a::add);
        return a;
    }

    /** Pretty JSON with kubectl's look: {@code "key": value}, arrays one item a line, two-space indent. */
    static String prettyJson(JsonNode node) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        pp.indentArraysWith(new DefaultIndenter("  ", "\n"));
        pp.indentObjectsWith(new DefaultIndenter("  ", "\n"));
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(sw)) {
            g.setPrettyPrinter(pp);
            write(g, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }

    private static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode item : n) {
                    write(g, item);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case NUMBER -> {
                if (n.isBigDecimal()) {
                    g.writeNumber(n.decimalValue());
                } else if (n.isBigInteger()) {
                    g.writeNumber(n.bigIntegerValue());
                } else if (n.isIntegralNumber()) {
                    g.writeNumber(n.longValue());
                } else {
                    g.writeNumber(n.doubleValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            default -> g.writeNull();
        }
    }

    static String yaml(JsonNode node) {
        try {
            return Json.YAML.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

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
