package io.nuri.gateway.tls;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerListener;
import com.linecorp.armeria.server.ServerTlsConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.NetUtil;

/**
 * TLS termination for the gateway's Armeria server.
 *
 * <ul>
 *   <li>an HTTPS port on {@link TlsOptions#bindHost()}, HTTP/2 and HTTP/1.1 negotiated by ALPN;</li>
 *   <li>a certificate per TLS server name (SNI): exact name, then {@code *.parent} wildcard, then the default
 *       ({@code "*"} entry if any, else the self-signed certificate if asked for, else the first entry);</li>
 *   <li>{@link #PROTOCOLS TLS 1.3 and 1.2} only, with the {@link #CIPHERS cipher list} of Mozilla's
 *       "intermediate" profile without the DHE suites: forward secret ECDHE key exchange with AES-GCM or
 *       ChaCha20-Poly1305 only (no CBC, no RSA key exchange, no SHA-1 MACs);</li>
 *   <li>the PEM files are checked every {@link TlsOptions#reloadInterval()} and a changed certificate is
 *       served to new connections without a restart;</li>
 *   <li>optionally a self-signed certificate for local use, see {@link SelfSignedCertificates};</li>
 *   <li>optionally a 308 redirect of plain-HTTP requests to HTTPS, see {@link #redirectToHttps(int)}.</li>
 * </ul>
 *
 * <p>Usage: {@code Gateway.builder().serverCustomizer(TlsSetup.customizer(options))}, or keep the
 * {@link TlsSetup} from {@link #create(TlsOptions)} to {@link #reloadNow() reload on demand} or
 * {@link #certificates() show the certificates}. Bad files fail {@link #create}/{@link #customizer} with a
 * {@link TlsConfigException} naming the file and the problem; an expired or not-yet-valid certificate, or one
 * not covering its host name, is logged as a warning and served anyway.
 *
 * <p>It configures TLS through {@link ServerBuilder#tlsProvider(com.linecorp.armeria.common.TlsProvider,
 * ServerTlsConfig)}, which Armeria does not allow together with {@code ServerBuilder.tls(...)} or
 * {@code tlsSelfSigned()}: the rest of the gateway must leave TLS to this class.
 */
public final class TlsSetup implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TlsSetup.class);
    private static final HttpStatus PERMANENT_REDIRECT = HttpStatus.valueOf(308);

    /** Enabled protocol versions. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * Enabled cipher suites (IANA names): Mozilla "intermediate" (server side TLS guidelines v5.7) minus the
     * finite-field DHE suites. The TLS 1.3 suites apply to TLS 1.3 only, the others to TLS 1.2. All are
     * ECDHE (forward secret) with an AEAD cipher, and all are allowed for HTTP/2 (RFC 9113, appendix A).
     */
    public static final List<String> CIPHERS = List.of(
            // TLS 1.3
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            // TLS 1.2
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final TlsOptions options;
    private final ReloadingTlsProvider provider;
    private final SelfSignedCertificates.SelfSignedFiles selfSigned;

    private TlsSetup(TlsOptions options, ReloadingTlsProvider provider,
                     SelfSignedCertificates.SelfSignedFiles selfSigned) {
        this.options = options;
        this.provider = provider;
        this.selfSigned = selfSigned;
    }

    /**
     * Loads and checks all certificates now (generating the self-signed one if asked for and absent).
     *
     * @throws TlsConfigException if a file is missing, not PEM, a key does not match its certificate, ...
     */
    public static TlsSetup create(TlsOptions options) {
        Objects.requireNonNull(options, "options");
        List<ReloadingTlsProvider.Source> sources = new ArrayList<>();
        ReloadingTlsProvider.Source explicitDefault = null;
        for (CertSpec c : options.certs()) {
            ReloadingTlsProvider.Source s = new ReloadingTlsProvider.Source(List.of(c.host()), c.certPem(), c.keyPem());
            sources.add(s);
            if (c.isDefault()) {
                explicitDefault = s;
            }
        }
        SelfSignedCertificates.SelfSignedFiles ss = null;
        ReloadingTlsProvider.Source selfSignedSource = null;
        if (options.selfSigned()) {
            ss = SelfSignedCertificates.ensure(options.selfSignedDir(), options.selfSignedHosts());
            selfSignedSource = new ReloadingTlsProvider.Source(ss.names(), ss.certPem(), ss.keyPem());
            sources.add(selfSignedSource); // after the explicit ones: an explicit certificate wins for a host
        }
        ReloadingTlsProvider.Source defaultSource = explicitDefault != null ? explicitDefault
                : selfSignedSource != null ? selfSignedSource : sources.get(0);
        ReloadingTlsProvider provider = new ReloadingTlsProvider(sources, defaultSource, options.reloadInterval());
        return new TlsSetup(options, provider, ss);
    }

    /** {@code create(options).serverCustomizer()}: the hook for {@code Gateway.builder().serverCustomizer(...)}. */
    public static Consumer<ServerBuilder> customizer(TlsOptions options) {
        return create(options).serverCustomizer();
    }

    /**
     * Adds the HTTPS port and TLS settings to a server builder, starts checking the PEM files when the server
     * has started (stops when it stops), and, with {@link TlsOptions#redirectHttp()}, adds
     * {@link #redirectToHttps(int)} as a server-wide decorator (it passes TLS requests through).
     */
    public Consumer<ServerBuilder> serverCustomizer() {
        return sb -> {
            sb.https(bindAddress());
            sb.tlsProvider(provider, ServerTlsConfig.builder().tlsCustomizer(TlsSetup::applyPolicy).build());
            sb.serverListener(ServerListener.builder()
                                            .whenStarted(s -> provider.start())
                                            .whenStopped(s -> provider.close())
                                            .build());
            if (options.redirectHttp()) {
                sb.decorator(redirectToHttps(options.httpsPort()));
            }
        };
    }

    private InetSocketAddress bindAddress() {
        try {
            return new InetSocketAddress(InetAddress.getByName(options.bindHost()), options.httpsPort());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("TLS bind host '" + options.bindHost() + "' cannot be resolved", e);
        }
    }

    /** Protocol versions and cipher suites, applied to every {@code SslContext} the server builds. */
    static void applyPolicy(SslContextBuilder b) {
        b.protocols(PROTOCOLS);
        b.ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
    }

    /** Checks the PEM files now; returns whether a certificate was replaced. */
    public boolean reloadNow() {
        return provider.reloadNow();
    }

    /** The leaf certificate served per host pattern ({@code "*"} = the default), e.g. for status output. */
    public Map<String, X509Certificate> certificates() {
        return provider.certificates();
    }

    /** The self-signed certificate file, when one was asked for: the file local clients should trust. */
    public Optional<Path> selfSignedCertificate() {
        return Optional.ofNullable(selfSigned).map(SelfSignedCertificates.SelfSignedFiles::certPem);
    }

    public TlsOptions options() {
        return options;
    }

    /** Stops checking the files (also done when the server stops). */
    public void close() {
        provider.close();
    }

    /**
     * A decorator answering plain-HTTP requests with {@code 308 Permanent Redirect} to
     * {@code https://HOST[:httpsPort]/same/path?same=query} (HOST from the request's Host/authority without its
     * port; the port left out when 443). Requests that came over TLS pass through, so it can be applied
     * server-wide. 308 keeps the method and body, unlike 301/302.
     *
     * @param httpsPort the port clients should use; 0 = the server's bound HTTPS port
     */
    public static DecoratingHttpServiceFunction redirectToHttps(int httpsPort) {
        if (httpsPort < 0 || httpsPort > 65535) {
            throw new IllegalArgumentException("httpsPort: " + httpsPort + " (expected: 0-65535)");
        }
        return (delegate, ctx, req) -> {
            if (ctx.sessionProtocol().isTls()) {
                return delegate.serve(ctx, req);
            }
            int port = httpsPort != 0 ? httpsPort : ctx.config().server().activeLocalPort(SessionProtocol.HTTPS);
            String path = req.path();
            if (path.isEmpty() || path.charAt(0) != '/') {
                path = "/"; // e.g. "OPTIONS *"
            }
            String location = "https://" + redirectHost(req.authority(), ctx) + (port == 443 ? "" : ":" + port) + path;
            return HttpResponse.of(ResponseHeaders.of(PERMANENT_REDIRECT, HttpHeaderNames.LOCATION, location));
        };
    }

    /** The request's host name without port; IPv6 literals keep their brackets. */
    static String redirectHost(String authority, ServiceRequestContext ctx) {
        String host = null;
        if (authority != null && !authority.isEmpty()) {
            int at = authority.lastIndexOf('@');
            String a = at >= 0 ? authority.substring(at + 1) : authority;
            if (a.startsWith("[")) {
                int end = a.indexOf(']');
                host = end > 0 ? a.substring(0, end + 1) : null;
            } else {
                int colon = a.indexOf(':');
                host = colon >= 0 ? a.substring(0, colon) : a;
            }
        }
        if (host == null || host.isEmpty() || !host.matches("[A-Za-z0-9.\\-_]+|\\[[0-9A-Fa-f:.%a-zA-Z]+\\]")) {
            // No usable Host header (HTTP/1.0): use the address the client connected to.
            InetSocketAddress local = ctx.localAddress();
            String ip = NetUtil.toAddressString(local.getAddress());
            host = ip.contains(":") ? "[" + ip + "]" : ip;
            log.debug("Redirecting to HTTPS without a usable Host header ({}); using {}", authority, host);
        }
        return host;
    }
}
