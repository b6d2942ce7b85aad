package io.nuri.runtime;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What an instance (or an exec probe) inherits from the platform's own environment.
 *
 * <p>The platform runs with its own secrets in its environment (an admin token, a store
 * password). An app must never see them just because the platform started it, so everything
 * named {@code NURI_*} (the platform's own settings, and a stale {@code NURI_INSTANCE_ID} or
 * {@code NURI_OWNER} that would confuse stray reaping if the platform itself was started by a
 * Nuri) and everything whose name looks like a credential is dropped. The app's own spec env is
 * added afterwards by the caller and may of course carry the app's own secrets.
 */
public final class ChildEnvironment {
    private static final String[] SECRET_WORDS = {
        "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "API_KEY", "APIKEY"
    };

    private ChildEnvironment() {}

    /** The platform's variables that an instance may inherit, in their original order. */
    public static Map<String, String> inherited(Map<String, String> platformEnv) {
        Map<String, String> out = new LinkedHashMap<>();
        platformEnv.forEach((k, v) -> {
            if (k != null && v != null && !isWithheld(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** True for {@code NURI_*} and for names containing TOKEN, SECRET, PASSWORD and the like. */
    public static boolean isWithheld(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.startsWith("NURI_")) {
            return true;
        }
        for (String w : SECRET_WORDS) {
            if (upper.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
