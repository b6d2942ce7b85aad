package io.nuri.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The platform's settings after flags, {@code NURI_*} environment variables and the YAML config
 * file were merged, in that order of precedence (see {@link SettingsLoader}).
 *
 * @param apiHost address the API binds; 127.0.0.1 unless told otherwise
 * @param gatewayHost address the gateway binds; 127.0.0.1 unless told otherwise
 * @param gatewayPort the gateway's HTTP port; 0 = any free port, negative = no gateway
 * @param gatewayTls HTTPS on the gateway, or null for none
 * @param gatewayLimits request size limits and event loops of the gateway
 * @param apply spec files to apply once the server is up (flag only)
 * @param metricsPort a port on the API host serving {@code /metrics} without the token; 0 = any free port,
 *     negative = none (the API's {@code /metrics}, behind the token, is always there)
 * @param otlpEndpoint base URL of an OTLP/HTTP collector for spans and metrics (docs/apm.md); null = no export
 */
public record ServerSettings(Path dataDir, String apiHost, int apiPort, String gatewayHost, int gatewayPort,
        GatewayTls gatewayTls, GatewayLimits gatewayLimits, Duration stopGrace, String logLevel, List<Path> apply,
        int metricsPort, String otlpEndpoint) {
    public static final String DEFAULT_API_HOST = "127.0.0.1";
    public static final int DEFAULT_API_PORT = 7070;
    /** The gateway is on by default; a negative port turns it off. */
    public static final int DEFAULT_GATEWAY_PORT = 8000;
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    public static final String DEFAULT_LOG_LEVEL = "info";

    public ServerSettings {
        apply = List.copyOf(apply);
        gatewayLimits = gatewayLimits == null ? GatewayLimits.DEFAULTS : gatewayLimits;
    }

    /** Without OTLP export. */
    public ServerSettings(Path dataDir, String apiHost, int apiPort, String gatewayHost, int gatewayPort,
            GatewayTls gatewayTls, GatewayLimits gatewayLimits, Duration stopGrace, String logLevel, List<Path> apply,
            int metricsPort) {
        this(dataDir, apiHost, apiPort, gatewayHost, gatewayPort, gatewayTls, gatewayLimits, stopGrace, logLevel, apply,
                metricsPort, null);
    }

    /** Without the unauthenticated metrics port. */
    public ServerSettings(Path dataDir, String apiHost, int apiPort, String gatewayHost, int gatewayPort,
            GatewayTls gatewayTls, GatewayLimits gatewayLimits, Duration stopGrace, String logLevel, List<Path> apply) {
        this(dataDir, apiHost, apiPort, gatewayHost, gatewayPort, gatewayTls, gatewayLimits, stopGrace, logLevel, apply, -1);
    }

    /**
     * @param maxBodyBytes larger request bodies get 413 (0 = no limit)
     * @param maxHeaderBytes larger request headers get 431
     * @param eventLoops gateway event-loop threads; 0 = one per core
     */
    public record GatewayLimits(long maxBodyBytes, int maxHeaderBytes, int eventLoops) {
        public static final GatewayLimits DEFAULTS = new GatewayLimits(64L << 20, 16 << 10, 0);
    }

    public boolean gatewayEnabled() {
        return gatewayPort >= 0;
    }

    /**
     * HTTPS on the gateway: certificates per host from PEM files (SNI), and/or a self-signed
     * certificate for local use kept in {@code <data-dir>/tls}.
     *
     * @param httpsPort 0 = any free port
     * @param redirectHttp answer plain HTTP with a 308 to HTTPS
     */
    public record GatewayTls(int httpsPort, List<Cert> certs, boolean selfSigned, boolean redirectHttp) {
        public GatewayTls {
            certs = List.copyOf(certs);
        }

        /** {@code host} exact, "*.domain", or "*" for the default certificate. */
        public record Cert(String host, Path certPem, Path keyPem) {}
    }
}
