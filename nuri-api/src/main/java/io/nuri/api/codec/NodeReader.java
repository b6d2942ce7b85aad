package io.nuri.api.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * Reads one JSON/YAML mapping of a spec and knows where it is: every getter checks the type of
 * its field and reports a problem as {@code path: message} into a shared {@link Problems} list,
 * then returns the default (or null) so decoding goes on and every error is found in one pass.
 *
 * <p>A reader is created with the list of its known fields and reports every other field at
 * once, so nothing is ever dropped silently. An explicit {@code null} is treated like an absent
 * field. Getters never throw.
 *
 * <pre>
 * NodeReader spec = doc.object("spec", SPEC_FIELDS);        // "spec.foo: unknown field (known: ...)"
 * int replicas = spec.integer("replicas", 1, between(0, 1000)); // "spec.replicas: must be between 0 and 1000, got -1"
 * </pre>
 */
public final class NodeReader {
    private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
    private static final int MAX_SHOWN_CHARS = 60;

    private final Problems problems;
    private final String path;
    private final boolean documentRoot;
    private final ObjectNode node;

    /** @param known the fields this mapping may have; null for a map with free keys (env, labels) */
    private NodeReader(Problems problems, String path, boolean documentRoot, ObjectNode node, List<String> known) {
        this.problems = problems;
        this.path = path;
        this.documentRoot = documentRoot;
        this.node = node;
        if (known == null) {
            return;
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                problems.add(child(name), known.isEmpty()
                        ? "unknown field (no fields are allowed here)"
                        : "unknown field (known: " + String.join(", ", known) + ")");
            }
        }
    }

    /**
     * The reader of a whole document, or null (after reporting) when the document is not a map.
     *
     * @param path the path of the document itself, "" or {@code [doc N]}
     */
    public static NodeReader document(Problems problems, String path, JsonNode root, List<String> known) {
        if (!root.isObject()) {
            problems.add(path, "must be a map (an App document), got " + describe(root));
            return null;
        }
        return new NodeReader(problems, path, true, (ObjectNode) root, known);
    }

    /** This mapping's path, e.g. {@code spec.volumes[1]}. */
    public String path() {
        return path;
    }

    /**
     * The path of a field of this mapping: {@code spec.port}; keys that are not identifiers are
     * quoted ({@code metadata.labels["app.kubernetes.io/name"]}); in documents after the first the
     * document comes first ({@code [doc 2] spec.port}).
     */
    public String child(String field) {
        boolean simple = SIMPLE_KEY.matcher(field).matches();
        String part = simple ? field : "[" + Json.write(field) + "]";
        if (path.isEmpty()) {
            return part;
        }
        if (documentRoot) {
            return path + " " + part;
        }
        return simple ? path + "." + part : path + part;
    }

    /** Reports a problem with this mapping itself. */
    public void error(String message) {
        problems.add(path, message);
    }

    /** Reports a problem with one field of this mapping. */
    public void error(String field, String message) {
        problems.add(child(field), message);
    }

    /** Reports a problem with one element of a list field: {@code spec.traffic.retries.on[2]}. */
    public void error(String field, int index, String message) {
        problems.add(child(field) + "[" + index + "]", message);
    }

    /** How many problems the whole decode has found so far (to tell whether a field was fine). */
    public int problemCount() {
        return problems.size();
    }

    /** True when the field is present and not null. */
    public boolean has(String field) {
        return raw(field) != null;
    }

    /** The field's value as parsed, or null when absent or null. */
    public JsonNode raw(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.isMissingNode() ? null : v;
    }

    /** A string field; null when absent or not a string (reported). */
    public String string(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            error(field, "must be a string, got " + describe(v) + quoteHint(v));
            return null;
        }
        return v.textValue();
    }

    /** A string field that must be present. */
    public String requiredString(String field) {
        if (!has(field)) {
            error(field, "required");
            return null;
        }
        return string(field);
    }

    /** A string or number field taken as text ("0.5", "256Mi"); null when absent or wrong. */
    public String scalarText(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            error(field, "must be a string or a number, got " + describe(v));
            return null;
        }
        return v.asText();
    }

    /**
     * An integer field.
     *
     * @param check returns null when the value is fine, else the rule ("must be >= 0"); the
     *     reader adds {@code , got <value>}
     */
    public int integer(String field, int dflt, IntFunction<String> check) {
        JsonNode v = raw(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            error(field, "must be an integer, got " + describe(v));
            return dflt;
        }
        if (!v.canConvertToInt()) {
            int clamped = v.bigIntegerValue().signum() < 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            String rule = check.apply(clamped);
            error(field, (rule != null ? rule : "must be between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE)
                    + ", got " + describe(v));
            return dflt;
        }
        String rule = check.apply(v.intValue());
        if (rule != null) {
            error(field, rule + ", got " + describe(v));
            return dflt;
        }
        return v.intValue();
    }

    /** A boolean field ({@code true}/{@code false}; YAML 1.1 also reads yes/no, on/off). */
    public boolean bool(String field, boolean dflt) {
        JsonNode v = raw(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            error(field, "must be true or false, got " + describe(v));
            return dflt;
        }
        return v.booleanValue();
    }

    /** A number field (integer or decimal, finite); see {@link #integer} for {@code check}. */
    public double number(String field, double dflt, DoubleFunction<String> check) {
        JsonNode v = raw(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            error(field, "must be a number, got " + describe(v));
            return dflt;
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            error(field, "must be a finite number, got " + describe(v));
            return dflt;
        }
        String rule = check.apply(d);
        if (rule != null) {
            error(field, rule + ", got " + describe(v));
            return dflt;
        }
        return d;
    }

    /**
     * A nested mapping with its own known fields; null when absent or not a map (reported).
     */
    public NodeReader object(String field, List<String> known) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            error(field, "must be a map, got " + describe(v));
            return null;
        }
        return new NodeReader(problems, child(field), false, (ObjectNode) v, known);
    }

    /**
     * Like {@link #object}, but an absent field reads as an empty mapping, so that its required
     * fields are reported ({@code metadata.name: required}). Null only when of the wrong type.
     */
    public NodeReader objectOrEmpty(String field, List<String> known) {
        if (!has(field)) {
            return new NodeReader(problems, child(field), false, JsonNodeFactory.instance.objectNode(), known);
        }
        return object(field, known);
    }

    /** The elements of a list of mappings; elements that are not maps are reported and left out. */
    public List<NodeReader> objects(String field, List<String> known) {
        JsonNode v = raw(field);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            error(field, "must be a list, got " + describe(v));
            return List.of();
        }
        List<NodeReader> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String at = child(field) + "[" + i + "]";
            if (e.isObject()) {
                out.add(new NodeReader(problems, at, false, (ObjectNode) e, known));
            } else {
                problems.add(at, "must be a map, got " + describe(e));
            }
        }
        return out;
    }

    /** A list of strings; null when absent or wrong (reported). Elements must be strings. */
    public List<String> strings(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            error(field, "must be a list of strings, got " + describe(v));
            return null;
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (e.isTextual()) {
                out.add(e.textValue());
            } else {
                problems.add(child(field) + "[" + i + "]", "must be a string, got " + describe(e) + quoteHint(e));
                ok = false;
            }
        }
        return ok ? out : null;
    }

    /**
     * A map of string to string in source order. Scalar values (numbers, booleans) are taken as
     * their text and null as ""; lists and maps as values are reported. Keys are checked with
     * {@code check(key, value)} (null when fine, else the message); the reported path names the key.
     */
    public Map<String, String> stringMap(String field, BiFunction<String, String, String> check) {
        NodeReader map = object(field, null);
        if (map == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = map.node.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            String text = value.isNull() ? "" : value.isValueNode() && !value.isBinary() ? value.asText() : null;
            if (text == null) {
                map.error(key, "must be a string, got " + describe(value));
                continue;
            }
            String problem = check.apply(key, text);
            if (problem != null) {
                map.error(key, problem);
            }
            out.put(key, text);
        }
        return out;
    }

    /**
     * How a value is shown after "got": strings JSON-quoted (cut at 60 characters), numbers and
     * booleans as written, containers by kind.
     */
    public static String describe(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "null";
        }
        if (v.isTextual()) {
            String s = v.textValue();
            return Json.write(s.length() > MAX_SHOWN_CHARS ? s.substring(0, MAX_SHOWN_CHARS) + "..." : s);
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "a map";
        }
        if (v.isBigInteger()) {
            BigInteger b = v.bigIntegerValue();
            String s = b.toString();
            return s.length() > 30 ? s.substring(0, 30) + "..." : s;
        }
        if (v.isNumber() || v.isBoolean()) {
            return v.asText();
        }
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String quoteHint(JsonNode v) {
        return v.isNumber() || v.isBoolean() ? " (quote it: \"" + v.asText() + "\")" : "";
    }

    // ----- checks for integer() and number() -----

    public static IntFunction<String> atLeast(int min) {
        return n -> n >= min ? null : "must be >= " + min;
    }

    public static IntFunction<String> between(int min, int max) {
        return n -> n >= min && n <= max ? null : "must be between " + min + " and " + max;
    }

    /** Where every problem of one decode goes, in the order found. */
    public static final class Problems {
        private final String file;
        private final List<SpecError> errors = new ArrayList<>();

        public Problems(String file) {
            this.file = file;
        }

        public void add(String path, String message) {
            errors.add(new SpecError(file, path, message));
        }

        public List<SpecError> errors() {
            return errors;
        }

        public boolean isEmpty() {
            return errors.isEmpty();
        }

        public int size() {
            return errors.size();
        }
    }
}
