package io.nuri.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges settings: a flag wins over {@code NURI_*} env, which wins over the config file
 * ({@code --config}, else {@code NURI_CONFIG}, else {@code <data-dir>/config.yaml} when it
 * exists), which wins over the defaults in {@link ServerSettings}.
 *
 * <pre>
 * # config.yaml
 * apiHost: 127.0.0.1
 * apiPort: 7070
 * gatewayHost: 127.0.0.1
 * gatewayPort: 8000        # -1: no gateway
 * gatewayHttpsPort: 8443   # HTTPS on the gateway (absent: none)
 * gatewayCerts:            # per host (SNI); "*" is the default certificate
 *   - {host: portal.go.kr, cert: /etc/nuri/portal.crt, key: /etc/nuri/portal.key}
 * gatewaySelfSigned: false # generate one for localhost in <data-dir>/tls
 * gatewayHttpsRedirect: false
 * gatewayMaxBodyMiB: 64     # 413 beyond; 0 = no limit
 * gatewayMaxHeaderKiB: 16   # 431 beyond
 * gatewayEventLoops: 0      # 0 = one per core
 * stopGraceSeconds: 10
 * logLevel: info
 * metricsPort: 9464         # /metrics without the token on the API host (absent or -1: none)
 * otlpEndpoint: http://127.0.0.1:4318   # OTLP/HTTP collector for spans and metrics (absent: none)
 * accessLogMaxMiB: 10      # the gateway's access log of an app rotates beyond this
 * accessLogFiles: 3        # rotated access logs kept: access.log.1 .. .3
 * </pre>
 */
final class SettingsLoader {
    /** Values given as flags; null when absent. Built with {@link #builder()}. */
    record Flags(Path dataDir, Path config, String apiHost, Integer apiPort, String gatewayHost, Integer gatewayPort,
            Integer httpsPort, List<String> certs, boolean selfSigned, boolean httpsRedirect,
            Integer maxBodyMiB, Integer maxHeaderKiB, Integer eventLoops,
            Integer stopGraceSeconds, String logLevel, List<Path> apply, Integer metricsPort, String otlpEndpoint,
            Integer accessLogMaxMiB, Integer accessLogFiles) {
        /** No flag given: {@code Flags.builder().dataDir(dir).apiPort(0).build()}. */
        static Builder builder() {
            return new Builder();
        }

        static final class Builder {
            private Path dataDir;
            private Path config;
            private String apiHost;
            private Integer apiPort;
            private String gatewayHost;
            private Integer gatewayPort;
            private Integer httpsPort;
            private List<String> certs = List.of();
            private boolean selfSigned;
            private boolean httpsRedirect;
            private Integer maxBodyMiB;
            private Integer maxHeaderKiB;
            private Integer eventLoops;
            private Integer stopGraceSeconds;
            private String logLevel;
            private List<Path> apply = List.of();
            private Integer metricsPort;
            private String otlpEndpoint;
            private Integer accessLogMaxMiB;
            private Integer accessLogFiles;

            private Builder() {}

            Builder dataDir(Path dataDir) {
                this.dataDir = dataDir;
                return this;
            }

            Builder config(Path config) {
                this.config = config;
                return this;
            }

            Builder apiHost(String apiHost) {
                this.apiHost = apiHost;
                return this;
            }

            Builder apiPort(Integer apiPort) {
                this.apiPort = apiPort;
                return this;
            }

            Builder gatewayHost(String gatewayHost) {
                this.gatewayHost = gatewayHost;
                return this;
            }

            Builder gatewayPort(Integer gatewayPort) {
                this.gatewayPort = gatewayPort;
                return this;
            }

            Builder httpsPort(Integer httpsPort) {
                this.httpsPort = httpsPort;
                return this;
            }

            Builder certs(List<String> certs) {
                this.certs = certs;
                return this;
            }

            Builder selfSigned(boolean selfSigned) {
                this.selfSigned = selfSigned;
                return this;
            }

            Builder httpsRedirect(boolean httpsRedirect) {
                this.httpsRedirect = httpsRedirect;
                return this;
            }

            Builder maxBodyMiB(Integer maxBodyMiB) {
                this.maxBodyMiB = maxBodyMiB;
                return this;
            }

            Builder maxHeaderKiB(Integer maxHeaderKiB) {
                this.maxHeaderKiB = maxHeaderKiB;
                return this;
            }

            Builder eventLoops(Integer eventLoops) {
                this.eventLoops = eventLoops;
                return this;
            }

            Builder stopGraceSeconds(Integer stopGraceSeconds) {
                this.stopGraceSeconds = stopGraceSeconds;
                return this;
            }

            Builder logLevel(String logLevel) {
                this.logLevel = logLevel;
                return this;
            }

            Builder apply(List<Path> apply) {
                this.apply = apply;
                return this;
            }

            Builder metricsPort(Integer metricsPort) {
                this.metricsPort = metricsPort;
                return this;
            }

            Builder otlpEndpoint(String otlpEndpoint) {
                this.otlpEndpoint = otlpEndpoint;
                return this;
            }

            Builder accessLogMaxMiB(Integer accessLogMaxMiB) {
                this.accessLogMaxMiB = accessLogMaxMiB;
                return this;
            }

            Builder accessLogFiles(Integer accessLogFiles) {
                this.accessLogFiles = accessLogFiles;
                return this;
            }

            Flags build() {
                return new Flags(dataDir, config, apiHost, apiPort, gatewayHost, gatewayPort, httpsPort, certs, selfSigned,
                        httpsRedirect, maxBodyMiB, maxHeaderKiB, eventLoops, stopGraceSeconds, logLevel, apply, metricsPort,
                        otlpEndpoint, accessLogMaxMiB, accessLogFiles);
            }
        }
    }

    static final Set<String> FILE_KEYS = Set.of("apiHost", "apiPort", "gatewayHost", "gatewayPort",
            "gatewayHttpsPort", "gatewayCerts", "gatewaySelfSigned", "gatewayHttpsRedirect", "gatewayMaxBodyMiB",
            "gatewayMaxHeaderKiB", "gatewayEventLoops", "stopGraceSeconds", "logLevel", "metricsPort", "otlpEndpoint",
            "accessLogMaxMiB", "accessLogFiles");

    /** Each rotation renames every kept file: keep that bounded. */
    static final int MAX_ACCESS_LOG_FILES = 100;

    private SettingsLoader() {}

    static ServerSettings load(Flags flags, Map<String, String> env) throws SettingsException {
        Path dataDir = flags.dataDir() != null ? flags.dataDir()
                : env.get("NURI_HOME") != null ? Path.of(env.get("NURI_HOME"))
                : Path.of(System.getProperty("user.home"), ".nuri");
        dataDir = dataDir.toAbsolutePath().normalize();
        Path configFile = flags.config() != null ? flags.config()
                : env.get("NURI_CONFIG") != null ? Path.of(env.get("NURI_CONFIG"))
                : Files.exists(dataDir.resolve("config.yaml")) ? dataDir.resolve("config.yaml") : null;
        JsonNode file = configFile == null ? Json.MAPPER.createObjectNode() : readConfig(configFile);

        List<String> errors = new ArrayList<>();
        String apiHost = firstNonNull(flags.apiHost(), env.get("NURI_API_HOST"), text(file, "apiHost"),
                ServerSettings.DEFAULT_API_HOST);
        int apiPort = intSetting("api port", flags.apiPort(), env.get("NURI_API_PORT"), file, "apiPort",
                ServerSettings.DEFAULT_API_PORT, 0, 65535, errors);
        String gatewayHost = firstNonNull(flags.gatewayHost(), env.get("NURI_GATEWAY_HOST"), text(file, "gatewayHost"),
                ServerSettings.DEFAULT_API_HOST);
        int gatewayPort = intSetting("gateway port", flags.gatewayPort(), env.get("NURI_GATEWAY_PORT"), file,
                "gatewayPort", ServerSettings.DEFAULT_GATEWAY_PORT, -1, 65535, errors);
        ServerSettings.GatewayTls tls = gatewayTls(flags, env, file, configFile, errors);
        ServerSettings.GatewayLimits d = ServerSettings.GatewayLimits.DEFAULTS;
        int maxBodyMiB = intSetting("gateway max body MiB", flags.maxBodyMiB(), env.get("NURI_GATEWAY_MAX_BODY_MIB"), file,
                "gatewayMaxBodyMiB", (int) (d.maxBodyBytes() >> 20), 0, 1 << 20, errors);
        int maxHeaderKiB = intSetting("gateway max header KiB", flags.maxHeaderKiB(), env.get("NURI_GATEWAY_MAX_HEADER_KIB"),
                file, "gatewayMaxHeaderKiB", d.maxHeaderBytes() >> 10, 1, 1024, errors);
        int eventLoops = intSetting("gateway event loops", flags.eventLoops(), env.get("NURI_GATEWAY_EVENT_LOOPS"), file,
                "gatewayEventLoops", d.eventLoops(), 0, 256, errors);
        ServerSettings.GatewayLimits limits = new ServerSettings.GatewayLimits((long) maxBodyMiB << 20, maxHeaderKiB << 10,
                eventLoops);
        int grace = intSetting("stop grace seconds", flags.stopGraceSeconds(), env.get("NURI_STOP_GRACE_SECONDS"), file,
                "stopGraceSeconds", (int) ServerSettings.DEFAULT_STOP_GRACE.toSeconds(), 0, 3600, errors);
        String logLevel = firstNonNull(flags.logLevel(), env.get("NURI_LOG_LEVEL"), text(file, "logLevel"),
                ServerSettings.DEFAULT_LOG_LEVEL);
        if (!Set.of("trace", "debug", "info", "warn", "error").contains(logLevel.toLowerCase(java.util.Locale.ROOT))) {
            errors.add("log level: must be one of trace, debug, info, warn, error, got \"" + logLevel + "\"");
        }
        int metricsPort = intSetting("metrics port", flags.metricsPort(), env.get("NURI_METRICS_PORT"), file, "metricsPort",
                ServerSettings.DEFAULT_METRICS_PORT, -1, 65535, errors);
        String otlp = firstNonNull(flags.otlpEndpoint(), env.get("NURI_OTLP_ENDPOINT"), text(file, "otlpEndpoint"));
        if (otlp != null && otlp.isBlank()) {
            otlp = null;
        } else if (otlp != null) {
            try {
                OtlpExport.validate(otlp);
            } catch (IllegalArgumentException e) {
                errors.add("otlp endpoint (" + (flags.otlpEndpoint() != null ? "flag" : env.get("NURI_OTLP_ENDPOINT") != null
                        ? "environment NURI_OTLP_ENDPOINT" : "config file " + configFile + " otlpEndpoint") + "): " + e.getMessage());
            }
        }
        int accessLogMaxMiB = intSetting("access log max MiB", flags.accessLogMaxMiB(), env.get("NURI_ACCESS_LOG_MAX_MIB"),
                file, "accessLogMaxMiB", ServerSettings.DEFAULT_ACCESS_LOG_MAX_MIB, 1, 1 << 20, errors);
        int accessLogFiles = intSetting("access log files", flags.accessLogFiles(), env.get("NURI_ACCESS_LOG_FILES"),
                file, "accessLogFiles", ServerSettings.DEFAULT_ACCESS_LOG_FILES, 1, MAX_ACCESS_LOG_FILES, errors);
        if (!errors.isEmpty()) {
            throw new SettingsException(String.join("\n", errors));
        }
        return ServerSettings.builder(dataDir).apiHost(apiHost).apiPort(apiPort).gatewayHost(gatewayHost)
                .gatewayPort(gatewayPort).gatewayTls(tls).gatewayLimits(limits).stopGrace(Duration.ofSeconds(grace))
                .logLevel(logLevel).apply(flags.apply() == null ? List.of() : flags.apply()).metricsPort(metricsPort)
                .otlpEndpoint(otlp).accessLogMaxMiB(accessLogMaxMiB).accessLogFiles(accessLogFiles).build();
    }

    /** HTTPS is on when an HTTPS port is given (flag, env or file) or any certificate / self-signed is asked for. */
    private static ServerSettings.GatewayTls gatewayTls(Flags flags, Map<String, String> env, JsonNode file, Path configFile,
            List<String> errors) {
        List<ServerSettings.GatewayTls.Cert> certs = new ArrayList<>();
        for (String c : flags.certs() == null ? List.<String>of() : flags.certs()) {
            int eq = c.indexOf('=');
            int comma = c.indexOf(',', eq + 1);
            if (eq <= 0 || comma <= eq + 1 || comma == c.length() - 1) {
                errors.add("--gateway-cert: must be HOST=CERT.pem,KEY.pem, got \"" + c + "\"");
                continue;
            }
            certs.add(new ServerSettings.GatewayTls.Cert(c.substring(0, eq), Path.of(c.substring(eq + 1, comma)),
                    Path.of(c.substring(comma + 1))));
        }
        JsonNode fileCerts = file.get("gatewayCerts");
        if (certs.isEmpty() && fileCerts != null && !fileCerts.isNull()) {
            if (!fileCerts.isArray()) {
                errors.add(configFile + ": gatewayCerts: must be a list of {host, cert, key}");
            } else {
                for (int i = 0; i < fileCerts.size(); i++) {
                    JsonNode c = fileCerts.get(i);
                    if (!c.isObject() || !c.path("host").isTextual() || !c.path("cert").isTextual() || !c.path("key").isTextual()) {
                        errors.add(configFile + ": gatewayCerts[" + i + "]: must have host, cert and key (strings)");
                        continue;
                    }
                    Path base = configFile.toAbsolutePath().getParent();
                    certs.add(new ServerSettings.GatewayTls.Cert(c.get("host").asText(), base.resolve(c.get("cert").asText()),
                            base.resolve(c.get("key").asText())));
                }
            }
        }
        boolean selfSigned = flags.selfSigned() || file.path("gatewaySelfSigned").asBoolean(false);
        boolean redirect = flags.httpsRedirect() || file.path("gatewayHttpsRedirect").asBoolean(false);
        Integer port = flags.httpsPort();
        if (port == null && env.get("NURI_GATEWAY_HTTPS_PORT") != null) {
            port = intSetting("gateway https port", null, env.get("NURI_GATEWAY_HTTPS_PORT"), file, "-", 0, 0, 65535, errors);
        }
        if (port == null && file.has("gatewayHttpsPort")) {
            port = intSetting("gateway https port", null, null, file, "gatewayHttpsPort", 0, 0, 65535, errors);
        }
        if (port == null && !selfSigned && certs.isEmpty()) {
            if (redirect) {
                errors.add("gateway https redirect: needs HTTPS (an https port, a certificate or self-signed)");
            }
            return null;
        }
        if (!selfSigned && certs.isEmpty()) {
            errors.add("gateway https: needs a certificate (--gateway-cert HOST=CERT.pem,KEY.pem or gatewayCerts) or --gateway-self-signed");
        }
        return new ServerSettings.GatewayTls(port == null ? 8443 : port, certs, selfSigned, redirect);
    }

    private static JsonNode readConfig(Path file) throws SettingsException {
        JsonNode node;
        try {
            node = Json.YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new SettingsException(file + ": cannot read: " + e.getMessage());
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return Json.MAPPER.createObjectNode();
        }
        if (!node.isObject()) {
            throw new SettingsException(file + ": must be a map of settings");
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!FILE_KEYS.contains(key)) {
                unknown.add(file + ": " + key + ": unknown setting (known: " + String.join(", ", FILE_KEYS.stream().sorted().toList()) + ")");
            }
        }
        if (!unknown.isEmpty()) {
            throw new SettingsException(String.join("\n", unknown));
        }
        return node;
    }

    private static int intSetting(String what, Integer flag, String envValue, JsonNode file, String key, int dflt,
            int min, int max, List<String> errors) {
        Integer value = flag;
        String source = "flag";
        if (value == null && envValue != null) {
            source = "environment";
            try {
                value = Integer.parseInt(envValue.trim());
            } catch (NumberFormatException e) {
                errors.add(what + " (environment): must be an integer, got \"" + envValue + "\"");
                return dflt;
            }
        }
        if (value == null && file.has(key)) {
            source = "config file";
            if (!file.get(key).canConvertToInt() || !file.get(key).isIntegralNumber()) {
                errors.add(what + " (config file " + key + "): must be an integer, got " + file.get(key));
                return dflt;
            }
            value = file.get(key).intValue();
        }
        if (value == null) {
            return dflt;
        }
        if (value < min || value > max) {
            errors.add(what + " (" + source + "): must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static String text(JsonNode file, String key) {
        JsonNode n = file.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** Bad settings; the message names where each came from. */
    static final class SettingsException extends Exception {
        SettingsException(String message) {
            super(message);
        }
    }
}
