package io.nuri.gateway.tls;

import java.net.IDN;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import io.netty.util.NetUtil;

/**
 * One certificate served by the gateway's HTTPS port.
 *
 * @param host    the TLS server name (SNI) this certificate is for: an exact host name
 *                ({@code app.example.com}), a one-label wildcard ({@code *.example.com}, matching
 *                {@code a.example.com} but not {@code b.a.example.com} or {@code example.com}), or
 *                {@code "*"} for the default certificate (clients without SNI or with an unknown name).
 *                Normalised to lower case (IDN names to their ASCII form).
 * @param certPem PEM file with the certificate chain, leaf first (as issued, e.g. certbot's {@code fullchain.pem})
 * @param keyPem  PEM file with the private key: PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1
 *                ({@code BEGIN RSA PRIVATE KEY}); not encrypted
 */
public record CertSpec(String host, Path certPem, Path keyPem) {

    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    public CertSpec {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(certPem, "certPem");
        Objects.requireNonNull(keyPem, "keyPem");
        host = normalizeHost(host);
    }

    /** Whether this is the default certificate ({@code host == "*"}). */
    public boolean isDefault() {
        return "*".equals(host);
    }

    static String normalizeHost(String host) {
        String h = host.trim();
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if ("*".equals(h)) {
            return h;
        }
        if (NetUtil.isValidIpV4Address(h) || NetUtil.isValidIpV6Address(h)) {
            return h.toLowerCase(Locale.ROOT);
        }
        try {
            h = IDN.toASCII(h, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid TLS host name '" + host + "': " + e.getMessage(), e);
        }
        if (h.length() > 253 || !HOST.matcher(h).matches()) {
            throw new IllegalArgumentException("invalid TLS host name '" + host
                    + "' (expected a host name, '*.domain' or '*')");
        }
        return h;
    }
}
