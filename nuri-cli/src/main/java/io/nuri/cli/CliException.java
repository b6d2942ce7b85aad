package io.nuri.cli;

/**
 * A failure the user should read as one line: {@code error: <message>} on stderr, then the process
 * exits with {@link #exitCode()}. The message never contains the token.
 */
final class CliException extends RuntimeException {
    /** The server refused the request: invalid spec, not found, conflict, or any other 4xx/5xx. */
    static final int REFUSED = 1;
    /** Bad command line; picocli's own default for usage errors. */
    static final int USAGE = 2;
    /** No server found, or it cannot be reached. */
    static final int UNREACHABLE = 3;
    /** The server refused the token (401). */
    static final int UNAUTHORIZED = 4;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
