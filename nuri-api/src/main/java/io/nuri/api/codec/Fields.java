package io.nuri.api.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.spec.IntOrPercent;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleFunction;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The field rules that more than one section uses, on top of {@link NodeReader}'s typed getters:
 * each reports through the reader, so its errors name the field's path, and returns a default
 * (or null) so that decoding goes on.
 */
final class Fields {
    private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final String NAME_RULE =
            "must be lowercase letters, digits and '-', start with a letter and end with a letter or digit";
    /** Lowercase DNS labels separated by '.': label key prefixes and route hosts. */
    static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** An HTTP token (RFC 9110): the syntax of header and cookie names. */
    private static final Pattern TOKEN = Pattern.compile("[-!#$%&'*+.^_`|~0-9A-Za-z]+");

    private Fields() {}

    /** Reports a required field that is absent; 0 stands in for its value. */
    static int required(NodeReader r, String field) {
        r.error(field, "required");
        return 0;
    }

    /** A required integer field; {@code dflt} when present but bad, 0 when absent. */
    static int requiredInteger(NodeReader r, String field, int dflt, IntFunction<String> check) {
        return r.has(field) ? r.integer(field, dflt, check) : required(r, field);
    }

    /** One of the enum's constant names (case matters); the default when absent or bad. */
    static <E extends Enum<E>> E enumValue(NodeReader r, String field, Class<E> type, E dflt) {
        String s = r.string(field);
        if (s == null) {
            return dflt;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) {
                return e;
            }
        }
        r.error(field, "must be one of "
                + Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "))
                + ", got " + Json.write(s));
        return dflt;
    }

    /**
     * For a mapping that must have exactly one of some alternatives: reports none or more than
     * one, naming the ones {@code given}.
     *
     * @param noneText the alternatives as listed when none is given
     * @param manyText the alternatives as listed when several are given
     */
    static void exactlyOne(NodeReader r, List<String> given, String noneText, String manyText) {
        if (given.isEmpty()) {
            r.error("must have exactly one of " + noneText);
        } else if (given.size() > 1) {
            r.error("must have only one of " + manyText + ", got " + String.join(" and ", given));
        }
    }

    /** An integer >= 0 or a percentage "N%" (N from 0 to 100), as canonical text; null when bad. */
    static String intOrPercent(NodeReader r, String field, String dflt) {
        return intOrPercent(r, field, dflt, 100);
    }

    static String intOrPercent(NodeReader r, String field, String dflt, int maxPercent) {
        JsonNode v = r.raw(field);
        if (v == null) {
            return dflt;
        }
        String text = v.isTextual() ? v.textValue() : v.isIntegralNumber() ? v.bigIntegerValue().toString() : null;
        String problem = text == null ? "must be an integer or a percentage like \"25%\""
                : IntOrPercent.problem(text, maxPercent);
        if (problem != null) {
            r.error(field, problem + ", got " + NodeReader.describe(v));
            return null;
        }
        return text.replaceFirst("^0+(?=[0-9])", ""); // canonical: leading zeros dropped
    }

    /** A request timeout: more than 0, at most an hour. */
    static DoubleFunction<String> timeoutCheck() {
        return d -> d <= 0 ? "must be > 0"
                : d > SpecDecoder.MAX_TRAFFIC_SECONDS ? "must be at most " + SpecDecoder.MAX_TRAFFIC_SECONDS : null;
    }

    /** {@link NodeReader#between} for {@link NodeReader#number} fields. */
    static DoubleFunction<String> numberBetween(int min, int max) {
        return d -> d >= min && d <= max ? null : "must be between " + min + " and " + max;
    }

    /** DNS-1123 label starting with a letter, at most {@link SpecDecoder#MAX_NAME_LENGTH}; false when bad. */
    static boolean checkName(NodeReader r, String field, String value) {
        if (value == null) {
            return false;
        }
        if (value.length() > SpecDecoder.MAX_NAME_LENGTH) {
            r.error(field, "must be at most " + SpecDecoder.MAX_NAME_LENGTH + " characters, got " + value.length());
            return false;
        }
        if (!NAME.matcher(value).matches()) {
            r.error(field, NAME_RULE + ", got " + Json.write(value));
            return false;
        }
        return true;
    }

    /** True for a valid header or cookie name. */
    static boolean isToken(String s) {
        return TOKEN.matcher(s).matches();
    }

    /**
     * Where a list element is, without the document: {@code spec.routes[0]}, for "also at" in
     * duplicate errors, which are reported in the same document.
     */
    static String place(NodeReader element) {
        String path = element.path();
        return path.startsWith("[doc ") ? path.substring(path.indexOf(']') + 1).strip() : path;
    }
}
