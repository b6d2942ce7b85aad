package io.nuri.cli;

import io.nuri.api.client.ServerLocation;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * What every command shares: the streams, the environment, the global options and, made on first
 * use only, the {@link Api} (so {@code --help} or {@code apply} of a missing file never loads the
 * HTTP client or reads the data dir).
 */
final class Cli {
    final PrintStream out;
    final PrintStream err;
    final InputStream in;
    final Map<String, String> env;
    final Clock clock;

    // Global options, set by the inherited options of {@link Nuri}.
    String namespace;
    String dataDir;
    String server;
    String token;

    /** How often watches and waits poll; tests shorten it through NURI_POLL_INTERVAL_MS. */
    final Duration pollInterval;

    private Api api;

    Cli(PrintStream out, PrintStream err, InputStream in, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.env = env;
        this.clock = clock;
        String poll = env.get("NURI_POLL_INTERVAL_MS");
        this.pollInterval = poll == null ? Duration.ofSeconds(1) : Duration.ofMillis(Long.parseLong(poll));
    }

    String namespace() {
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }

    Api api() {
        if (api == null) {
            try {
                api = new Api(ServerLocation.resolve(server, token, dataDir, env));
            } catch (ServerLocation.LocateException e) {
                throw new CliException(e.kind() == ServerLocation.LocateException.Kind.NO_SERVER
                        ? CliException.UNREACHABLE : CliException.UNAUTHORIZED, e.getMessage());
            }
        }
        return api;
    }

    /** Releases the HTTP client, if one was made; see {@link Api#close()}. */
    void close() {
        if (api != null) {
            api.close();
        }
    }

    void sleepPoll() {
        try {
            Thread.sleep(pollInterval);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Api.Interrupted();
        }
    }
}
