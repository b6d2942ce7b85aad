package io.nuri.gateway.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * TLS termination settings of the gateway.
 *
 * @param httpsPort       the HTTPS port; 0 = any free port (see {@code Server.activeLocalPort(SessionProtocol.HTTPS)})
 * @param bindHost        address to bind the HTTPS port to; {@code null} or blank = {@value #DEFAULT_BIND_HOST}
 * @param certs           certificates from PEM files, selected per TLS server name (SNI); see {@link CertSpec}
 * @param selfSigned      generate (once, then reuse) a self-signed certificate for local use
 * @param selfSignedHosts names the self-signed certificate is for, besides {@code localhost}, {@code 127.0.0.1}
 *                        and {@code ::1}, which it always covers
 * @param redirectHttp    answer every plain-HTTP request of the server with a 308 redirect to HTTPS
 * @param selfSignedDir   directory holding the self-signed certificate and key (required with {@code selfSigned})
 * @param reloadInterval  how often the PEM files are checked for changes; {@link Duration#ZERO} = never;
 *                        {@code null} = {@link #DEFAULT_RELOAD_INTERVAL}
 */
public record TlsOptions(int httpsPort, String bindHost, List<CertSpec> certs, boolean selfSigned,
                         List<String> selfSignedHosts, boolean redirectHttp, Path selfSignedDir,
                         Duration reloadInterval) {

    public static final String DEFAULT_BIND_HOST = "127.0.0.1";
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(5);

    public TlsOptions {
        if (httpsPort < 0 || httpsPort > 65535) {
            throw new IllegalArgumentException("httpsPort: " + httpsPort + " (expected: 0-65535)");
        }
        bindHost = bindHost == null || bindHost.isBlank() ? DEFAULT_BIND_HOST : bindHost.trim();
        certs = certs == null ? List.of() : List.copyOf(certs);
        List<String> hosts = new ArrayList<>();
        if (selfSignedHosts != null) {
            for (String h : selfSignedHosts) {
                String n = CertSpec.normalizeHost(Objects.requireNonNull(h, "selfSignedHosts element"));
                if ("*".equals(n)) {
                    throw new IllegalArgumentException("selfSignedHosts: '*' is not a host name");
                }
                if (!hosts.contains(n)) {
                    hosts.add(n);
                }
            }
        }
        selfSignedHosts = List.copyOf(hosts);
        reloadInterval = reloadInterval == null ? DEFAULT_RELOAD_INTERVAL : reloadInterval;
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reloadInterval: " + reloadInterval + " (expected: >= 0)");
        }
        if (selfSigned && selfSignedDir == null) {
            throw new IllegalArgumentException("selfSignedDir is required when selfSigned is set");
        }
        if (!selfSigned && certs.isEmpty()) {
            throw new IllegalArgumentException(
                    "TLS needs at least one certificate (certs) or a self-signed one (selfSigned)");
        }
        Set<String> seen = new HashSet<>();
        for (CertSpec c : certs) {
            if (!seen.add(c.host())) {
                throw new IllegalArgumentException("more than one certificate for TLS host '" + c.host() + "'");
            }
        }
    }

    /** The seven settings of the brief, checking the PEM files every {@link #DEFAULT_RELOAD_INTERVAL}. */
    public TlsOptions(int httpsPort, String bindHost, List<CertSpec> certs, boolean selfSigned,
                      List<String> selfSignedHosts, boolean redirectHttp, Path selfSignedDir) {
        this(httpsPort, bindHost, certs, selfSigned, selfSignedHosts, redirectHttp, selfSignedDir,
             DEFAULT_RELOAD_INTERVAL);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; everything optional except at least one {@link #cert} or {@link #selfSigned(Path, String...)}. */
    public static final class Builder {
        private int httpsPort;
        private String bindHost = DEFAULT_BIND_HOST;
        private final List<CertSpec> certs = new ArrayList<>();
        private boolean selfSigned;
        private final List<String> selfSignedHosts = new ArrayList<>();
        private boolean redirectHttp;
        private Path selfSignedDir;
        private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;

        private Builder() {
        }

        public Builder httpsPort(int port) {
            this.httpsPort = port;
            return this;
        }

        public Builder bindHost(String host) {
            this.bindHost = host;
            return this;
        }

        public Builder cert(String host, Path certPem, Path keyPem) {
            return cert(new CertSpec(host, certPem, keyPem));
        }

        public Builder cert(CertSpec spec) {
            certs.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /** Generates (or reuses) a self-signed certificate in {@code dir} for {@code hosts} and localhost. */
        public Builder selfSigned(Path dir, String... hosts) {
            this.selfSigned = true;
            this.selfSignedDir = Objects.requireNonNull(dir, "dir");
            this.selfSignedHosts.addAll(List.of(hosts));
            return this;
        }

        public Builder redirectHttp(boolean redirect) {
            this.redirectHttp = redirect;
            return this;
        }

        public Builder reloadInterval(Duration interval) {
            this.reloadInterval = interval;
            return this;
        }

        public TlsOptions build() {
            return new TlsOptions(httpsPort, bindHost, certs, selfSigned, selfSignedHosts, redirectHttp,
                                  selfSignedDir, reloadInterval);
        }
    }
}
