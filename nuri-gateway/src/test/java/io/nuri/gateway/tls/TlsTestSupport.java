package io.nuri.gateway.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import org.junit.jupiter.api.AfterEach;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;

/** Real Armeria servers on 127.0.0.1 and real TLS clients; test certificates are generated per test. */
abstract class TlsTestSupport {

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
    }

    /** A server answering "ok &lt;protocol&gt;" on every path, with the TLS customizer applied. */
    Server server(Consumer<ServerBuilder> tls, boolean withHttpPort) {
        ServerBuilder sb = Server.builder().gracefulShutdownTimeoutMillis(0, 0);
        if (withHttpPort) {
            sb.http(new InetSocketAddress("127.0.0.1", 0));
        }
        sb.serviceUnder("/", (ctx, req) -> HttpResponse.of("ok " + ctx.sessionProtocol().uriText()));
        tls.accept(sb);
        Server s = sb.build();
        toClose.add(() -> s.stop().join());
        s.start().join();
        return s;
    }

    static int httpsPort(Server s) {
        return s.activeLocalPort(SessionProtocol.HTTPS);
    }

    /** A fresh self-signed certificate whose subject CN is {@code cn} (the tests' certificate factory). */
    static SelfSignedCertificates.SelfSignedFiles cert(Path root, String cn, String... moreNames) throws IOException {
        Path dir = Files.createTempDirectory(root, "cert");
        List<String> names = new ArrayList<>();
        names.add(cn);
        names.addAll(List.of(moreNames));
        return SelfSignedCertificates.ensure(dir, names);
    }

    static X509Certificate readCert(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    static String cn(X509Certificate c) {
        String dn = c.getSubjectX500Principal().getName();
        int i = dn.indexOf("CN=");
        int end = dn.indexOf(',', i);
        return dn.substring(i + 3, end < 0 ? dn.length() : end);
    }

    /** Trusts whatever the server shows (the tests look at it instead). */
    static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) { }
            @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) { }
            @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) { }
            @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) { }
            @Override public void checkClientTrusted(X509Certificate[] c, String a) { }
            @Override public void checkServerTrusted(X509Certificate[] c, String a) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return ctx;
    }

    /** Trusts exactly the certificate in this PEM file (with normal host name checks). */
    static SSLContext trusting(Path certPem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("gateway", readCert(certPem));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** What a TLS handshake showed. */
    record Handshake(String protocol, String cipher, String alpn, X509Certificate peer) {
    }

    /**
     * Handshakes with 127.0.0.1:port sending {@code sni} (none if null), offering the given protocol versions
     * (null = client default), cipher suites (null = default) and ALPN names (null = none).
     */
    static Handshake handshake(SSLContext ctx, int port, String sni, String[] protocols, String[] ciphers,
                               String... alpn) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            if (sni != null) {
                p.setServerNames(List.of(new SNIHostName(sni)));
            } else {
                p.setServerNames(List.of());
            }
            if (protocols != null) {
                p.setProtocols(protocols);
            }
            if (ciphers != null) {
                p.setCipherSuites(ciphers);
            }
            if (alpn != null && alpn.length > 0) {
                p.setApplicationProtocols(alpn);
            }
            s.setSSLParameters(p);
            s.startHandshake();
            return new Handshake(s.getSession().getProtocol(), s.getSession().getCipherSuite(),
                                 s.getApplicationProtocol(), (X509Certificate) s.getSession().getPeerCertificates()[0]);
        }
    }

    static Handshake handshake(int port, String sni) throws Exception {
        return handshake(trustAll(), port, sni, null, null);
    }
}
