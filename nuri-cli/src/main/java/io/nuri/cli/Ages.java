package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** kubectl's age format ({@code 45s}, {@code 3m12s}, {@code 5h}, {@code 2d}): k8s.io/apimachinery duration.HumanDuration. */
final class Ages {
    private Ages() {}

    /** The age of an ISO-8601 time field, or "-" when absent or not a time. */
    static String since(JsonNode node, String field, Instant now) {
        JsonNode v = node.path(field);
        if (!v.isTextual()) {
            return "-";
        }
        try {
            return human(Duration.between(Instant.parse(v.asText()), now));
        } catch (DateTimeParseException e) {
            return "-";
        }
    }

    static String human(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < -1) {
            return "<invalid>"; // clocks apart: as kubectl shows it
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        }
        if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        }
        long days = hours / 24;
        if (days < 365 * 2) {
            return days + "d";
        }
        if (days < 365 * 8) {
            long dy = days % 365;
            return dy == 0 ? days / 365 + "y" : days / 365 + "y" + dy + "d";
        }
        return days / 365 + "y";
    }

    /** "30s", "2m", "1h", "500ms" or plain seconds, for --timeout flags. */
    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            char unit = t.charAt(t.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(Long.parseLong(t));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (unit) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new picocli.CommandLine.TypeConversionException(
                    "invalid duration \"" + s + "\" (expected: like 30s, 2m, 1h or 500ms)");
        }
    }
}
