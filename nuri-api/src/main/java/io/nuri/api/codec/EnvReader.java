package io.nuri.api.codec;

import java.util.Map;
import java.util.regex.Pattern;

/** Reads {@code spec.env}, and owns the rule for the names of the app's environment variables. */
final class EnvReader {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String ENV_NAME_RULE =
            "invalid environment variable name (letters, digits and '_', not starting with a digit)";

    private EnvReader() {}

    /** @param spec the reader of {@code spec}: env is a map with free keys */
    static Map<String, String> read(NodeReader spec) {
        return spec.stringMap("env", (name, value) -> nameProblem(name, false));
    }

    /**
     * Why {@code name} cannot be one of the app's environment variables, or null when it can.
     *
     * @param showName whether a syntax problem ends in {@code , got "name"} (the path of a map key
     *     names it already)
     */
    static String nameProblem(String name, boolean showName) {
        if (!ENV_NAME.matcher(name).matches()) {
            return showName ? ENV_NAME_RULE + ", got " + Json.write(name) : ENV_NAME_RULE;
        }
        if (name.equals("PORT")) {
            return "PORT is reserved: the platform sets it to the port the instance must listen on";
        }
        if (name.startsWith("NURI_")) {
            return "names starting with NURI_ are reserved for the platform";
        }
        return null;
    }
}
