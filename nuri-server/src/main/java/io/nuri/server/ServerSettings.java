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
 * @param accessLogMaxMiB the gateway's access log of an app rotates when larger than this (>= 1)
 * @param accessLogFiles rotated access-log files kept per app, {@code access.log.1 .. .N} (>= 1)
 */
public record ServerSettings(Path dataDir, String apiHost, int apiPort, String gatewayHost, int gatewayPort,
        GatewayTls gatewayTls, GatewayLimits gatewayLimits, Duration stopGrace, String logLevel, List<Path> apply,
        int metricsPort, String otlpEndpoint, int accessLogMaxMiB, int accessLogFiles) {
    public static final String DEFAULT_API_HOST = "127.0.0.1";
    public static final int DEFAULT_API_PORT = 7070;
    /** The gateway is on by default; a negative port turns it off. */
    public static final int DEFAULT_GATEWAY_PORT = 8000;
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    public static final String DEFAULT_LOG_LEVEL = "info";
    /** The unauthenticated metrics port is off unless asked for. */
    public static final int DEFAULT_METRICS_PORT = -1;
    public static final int DEFAULT_ACCESS_LOG_MAX_MIB = (int) (AccessLog.DEFAULT_MAX_BYTES >> 20);
    public static final int DEFAULT_ACCESS_LOG_FILES = AccessLog.DEFAULT_KEPT;

    public ServerSettings {
        apply = List.copyOf(apply);
        gatewayLimits = gatewayLimits == null ? GatewayLimits.DEFAULTS : gatewayLimits;
        if (accessLogMaxMiB < 1 || accessLogFiles < 1) {
            throw new IllegalArgumentException("accessLogMaxMiB and accessLogFiles must be >= 1, got "
                    + accessLogMaxMiB + " and " + accessLogFiles);
        }
    }

    /** Settings with every default but the data dir: {@code ServerSettings.builder(dir).apiPort(0).build()}. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** The access log's rotation size in bytes. */
    public long accessLogMaxBytes() {
        return (long) accessLogMaxMiB << 20;
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

    /** Builds {@link ServerSettings}; every setting not given keeps its default. */
    public static final class Builder {
        private final Path dataDir;
        private String apiHost = DEFAULT_API_HOST;
        private int apiPort = DEFAULT_API_PORT;
        private String gatewayHost = DEFAULT_API_HOST;
        private int gatewayPort = DEFAULT_GATEWAY_PORT;
        private GatewayTls gatewayTls;
        private GatewayLimits gatewayLimits = GatewayLimits.DEFAULTS;
        private Duration stopGrace = DEFAULT_STOP_GRACE;
        private String logLevel = DEFAULT_LOG_LEVEL;
        private List<Path> apply = List.of();
        private int metricsPort = DEFAULT_METRICS_PORT;
        private String otlpEndpoint;
        private int accessLogMaxMiB = DEFAULT_ACCESS_LOG_MAX_MIB;
        private int accessLogFiles = DEFAULT_ACCESS_LOG_FILES;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        public Builder apiHost(String apiHost) {
            this.apiHost = apiHost;
            return this;
        }

        public Builder apiPort(int apiPort) {
            this.apiPort = apiPort;
            return this;
        }

        public Builder gatewayHost(String gatewayHost) {
            this.gatewayHost = gatewayHost;
            return this;
        }

        public Builder gatewayPort(int gatewayPort) {
            this.gatewayPort = gatewayPort;
            return this;
        }

        public Builder gatewayTls(GatewayTls gatewayTls) {
            this.gatewayTls = gatewayTls;
            return this;
        }

        public Builder gatewayLimits(GatewayLimits gatewayLimits) {
            this.gatewayLimits = gatewayLimits;
            return this;
        }

        public Builder stopGrace(Duration stopGrace) {
            this.stopGrace = stopGrace;
            return this;
        }

        public Builder logLevel(String logLevel) {
            this.logLevel = logLevel;
            return this;
        }

        public Builder apply(List<Path> apply) {
            this.apply = apply;
            return this;
        }

        public Builder metricsPort(int metricsPort) {
            this.metricsPort = metricsPort;
            return this;
        }

        public Builder otlpEndpoint(String otlpEndpoint) {
            this.otlpEndpoint = otlpEndpoint;
            return this;
        }

        public Builder accessLogMaxMiB(int accessLogMaxMiB) {
            this.accessLogMaxMiB = accessLogMaxMiB;
            return this;
        }

        public Builder accessLogFiles(int accessLogFiles) {
            this.accessLogFiles = accessLogFiles;
            return this;
        }

        public ServerSettings build() {
            return new ServerSettings(dataDir, apiHost, apiPort, gatewayHost, gatewayPort, gatewayTls, gatewayLimits,
                    stopGrace, logLevel, apply, metricsPort, otlpEndpoint, accessLogMaxMiB, accessLogFiles);
        }
    }
}
