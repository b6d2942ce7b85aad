package io.nuri.gateway.tls;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A TLS certificate or key that cannot be used. The message names the file and the problem, fit to show
 * to an operator as is.
 */
public final class TlsConfigException extends IllegalArgumentException {

    private final transient Path file;

    public TlsConfigException(Path file, String message) {
        this(file, message, null);
    }

    public TlsConfigException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The offending file, when the problem is with one file. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}
