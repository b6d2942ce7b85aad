package io.nuri.api.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "3" or "25%" of a total, as Kubernetes' IntOrString for maxSurge / maxUnavailable. */
public final class IntOrPercent {
    /** ASCII digits only (Integer.parseInt would also take other scripts' digits), then maybe '%'. */
    private static final Pattern FORM = Pattern.compile("([0-9]+)(%?)");

    private IntOrPercent() {}

    /** @throws IllegalArgumentException with a reason fit for a validation message */
    public static int resolve(String value, int total, boolean roundUp) {
        return resolve(value, total, roundUp, 100);
    }

    /** As {@link #resolve(String, int, boolean)} with percentages up to {@code maxPercent} (a rate: "1000%"). */
    public static int resolve(String value, int total, boolean roundUp, int maxPercent) {
        String v = value.trim();
        if (v.endsWith("%")) {
            int pct = parse(v.substring(0, v.length() - 1), value);
            if (pct > maxPercent) {
                throw new IllegalArgumentException("must be at most " + maxPercent + "%, got \"" + value + "\"");
            }
            long scaled = (long) pct * total;
            return (int) Math.min(Integer.MAX_VALUE, roundUp ? (scaled + 99) / 100 : scaled / 100);
        }
        return parse(v, value);
    }

    /**
     * The rule a written value breaks, without the value ("must be at most 100%"), or null when
     * it is valid: an integer >= 0 ("3") or a percentage from 0 to 100 ("25%"), ASCII digits,
     * no spaces, no sign.
     */
    public static String problem(String value) {
        return problem(value, 100);
    }

    /** As {@link #problem(String)} with percentages up to {@code maxPercent}. */
    public static String problem(String value, int maxPercent) {
        if (value == null) {
            return "required";
        }
        Matcher m = FORM.matcher(value);
        if (!m.matches()) {
            return value.startsWith("-") && FORM.matcher(value.substring(1)).matches()
                    ? "must be >= 0"
                    : "must be an integer or a percentage like \"25%\"";
        }
        String digits = m.group(1).replaceFirst("^0+(?=.)", "");
        boolean percent = !m.group(2).isEmpty();
        if (percent && (digits.length() > 6 || Integer.parseInt(digits) > maxPercent)) {
            return "must be at most " + maxPercent + "%";
        }
        if (digits.length() > 10 || Long.parseLong(digits) > Integer.MAX_VALUE) {
            return "must be at most " + Integer.MAX_VALUE;
        }
        return null;
    }

    /**
     * The canonical text of a valid value: leading zeros dropped ("007" gives "7", "05%" gives
     * "5%"). @throws IllegalArgumentException when {@link #problem} is not null
     */
    public static String canonical(String value) {
        String problem = problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(problem + ", got \"" + value + "\"");
        }
        return value.replaceFirst("^0+(?=[0-9])", "");
    }

    /** True for a valid value that is 0 whatever the total: "0" or "0%" (leading zeros allowed). */
    public static boolean isZero(String value) {
        return problem(value) == null && canonical(value).replace("%", "").equals("0");
    }

    private static int parse(String digits, String original) {
        try {
            int n = Integer.parseInt(digits);
            if (n < 0) {
                throw new IllegalArgumentException("must be >= 0, got \"" + original + "\"");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be an integer or a percentage like \"25%\", got \"" + original + "\"");
        }
    }
}
