package io.nuri.api.codec;

import io.nuri.api.spec.App;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns the text of a spec file (YAML or JSON, one or more documents separated by {@code ---})
 * into validated {@link App}s with every default filled and every relative path resolved
 * against {@code baseDir}. Reports every error of every document at once; returns nothing when
 * any document has an error, so a rejected apply changes nothing.
 */
public final class SpecDecoder {
    private SpecDecoder() {}

    /**
     * @param fileName the name used in error messages (e.g. "portal.yaml")
     * @param baseDir folder that relative paths resolve against; null means relative paths are
     *     an error ("must be absolute when the spec does not come from a file")
     */
    public static List<App> decode(String fileName, String text, Path baseDir) throws SpecException {
        throw new UnsupportedOperationException("TODO: implemented in this module");
    }
}
