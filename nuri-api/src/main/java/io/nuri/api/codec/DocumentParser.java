package io.nuri.api.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.nuri.api.codec.NodeReader.Problems;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Text to trees: the documents of a YAML or JSON text, parsed by Jackson (strict about duplicate
 * keys, no YAML aliases), with syntax errors reported by line and column.
 */
final class DocumentParser {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL) // `key:` and empty documents read as null
            .build();

    private DocumentParser() {}

    /**
     * Every document of the text in order (null entries for empty ones); null text reads as "".
     * A syntax error ends the parse: it is reported with its line and column, and the documents
     * before it are kept.
     */
    static List<JsonNode> parse(String text, Problems problems) {
        String body = text == null ? "" : text.startsWith("\uFEFF") ? text.substring(1) : text;
        boolean json = body.stripLeading().startsWith("{"); // as kubectl: a leading '{' means JSON
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = json ? JSON.createParser(body) : new NoAliases(YAML.createParser(body));
                MappingIterator<JsonNode> it = Json.MAPPER.readerFor(JsonNode.class).readValues(parser)) {
            while (it.hasNextValue()) {
                docs.add(it.nextValue());
            }
        } catch (JsonProcessingException e) {
            String doc = SpecDecoder.docPath(docs.size() + 1);
            String duplicate = duplicateKeyPath(e);
            if (duplicate != null) {
                problems.add(SpecDecoder.join(doc, duplicate), "duplicate key" + at(e));
            } else {
                problems.add(doc, syntaxMessage(e, json));
            }
        } catch (IOException | RuntimeException e) {
            // SnakeYAML and Jackson report bad input as JsonProcessingException; anything else is
            // still bad input, never a crash of the caller
            problems.add(SpecDecoder.docPath(docs.size() + 1), "cannot read " + (json ? "JSON" : "YAML") + ": " + e.getMessage());
        }
        return docs;
    }

    private static String syntaxMessage(JsonProcessingException e, boolean json) {
        String kind = json ? "JSON" : "YAML";
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                String problem = String.valueOf(m.getProblem()).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
                String msg = "invalid YAML at line " + (m.getProblemMark().getLine() + 1)
                        + ", column " + (m.getProblemMark().getColumn() + 1) + ": " + problem;
                if (m.getContext() != null) {
                    msg += " (" + m.getContext()
                            + (m.getContextMark() == null ? "" : " at line " + (m.getContextMark().getLine() + 1)
                                    + ", column " + (m.getContextMark().getColumn() + 1))
                            + ")";
                    if (m.getContext().contains("alias")) {
                        msg += "; a value starting with '*' must be quoted, e.g. host: \"*\"";
                    }
                }
                return msg;
            }
        }
        String original = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        original = original.lines().findFirst().orElse(original);
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1
                ? "invalid " + kind + ": " + original
                : "invalid " + kind + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + original;
    }

    /** For Jackson's "Duplicate field 'x'", the dotted path of the key; else null. */
    private static String duplicateKeyPath(JsonProcessingException e) {
        if (e.getOriginalMessage() == null || !e.getOriginalMessage().startsWith("Duplicate field")
                || !(e.getProcessor() instanceof JsonParser p)) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                String name = c.getCurrentName() == null ? "?" : c.getCurrentName();
                parts.addFirst(name.matches("[A-Za-z_][A-Za-z0-9_-]*") ? "." + name : "[" + Json.write(name) + "]");
            } else if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    private static String at(JsonProcessingException e) {
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr();
    }

    /**
     * Jackson reads a YAML alias ({@code *name}) into a tree as the plain string "name". Rather
     * than let a wrong value through, aliases are rejected.
     */
    private static final class NoAliases extends JsonParserDelegate {
        NoAliases(JsonParser yaml) {
            super(yaml);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = super.nextToken();
            if (delegate instanceof YAMLParser y && y.isCurrentAlias()) {
                throw new JsonParseException(this, "YAML aliases (*" + y.getText() + ") are not supported; repeat the value");
            }
            return t;
        }
    }
}
