package io.nuri.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerTlsConfig;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;

class TlsServerTest extends TlsTestSupport {

    @TempDir
    Path tmp;


    @Test
    void sniPicksTheCertificatePerHost() throws Exception {
        var a = cert(tmp, "a.test");
        var wild = cert(tmp, "*.wild.test");
        var dflt = cert(tmp, "default.test");
        TlsOptions opts = TlsOptions.builder()
                                    .cert("a.test", a.certPem(), a.keyPem())
                                    .cert("*.wild.test", wild.certPem(), wild.keyPem())
                                    .cert("*", dflt.certPem(), dflt.keyPem())
                                    .build();
        Server s = server(TlsSetup.customizer(opts), false);
        int port = httpsPort(s);

        assertThat(cn(handshake(port, "a.test").peer())).isEqualTo("a.test");
        assertThat(cn(handshake(port, "A.Test").peer())).isEqualTo("a.test");
        assertThat(cn(handshake(port, "x.wild.test").peer())).isEqualTo("*.wild.test");
        // a wildcard covers one label only
        assertThat(cn(handshake(port, "y.x.wild.test").peer())).isEqualTo("default.test");
        assertThat(cn(handshake(port, "wild.test").peer())).isEqualTo("default.test");
        assertThat(cn(handshake(port, "other.test").peer())).isEqualTo("default.test");
        assertThat(cn(handshake(port, null).peer())).isEqualTo("default.test");

        // and with full verification: a client trusting a.test's certificate, checking the name
        var h = handshake(trusting(a.certPem()), port, "a.test", null, null);
        assertThat(h.peer().getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(1)).isEqualTo("a.test"));
    }

    @Test
    void withoutDefaultTheFirstCertificateServesUnknownNames() throws Exception {
        var a = cert(tmp, "a.test");
        var b = cert(tmp, "b.test");
        Server s = server(TlsSetup.customizer(TlsOptions.builder()
                                                        .cert("a.test", a.certPem(), a.keyPem())
                                                        .cert("b.test", b.certPem(), b.keyPem()).build()), false);
        assertThat(cn(handshake(httpsPort(s), "b.test").peer())).isEqualTo("b.test");
        assertThat(cn(handshake(httpsPort(s), "zzz.test").peer())).isEqualTo("a.test");
        assertThat(cn(handshake(httpsPort(s), null).peer())).isEqualTo("a.test");
    }

    @Test
    void tls12And13AcceptedWithModernCiphersOnly() throws Exception {
        var c = cert(tmp, "localhost");
        Server s = server(TlsSetup.customizer(TlsOptions.builder().cert("*", c.certPem(), c.keyPem()).build()), false);
        int port = httpsPort(s);

        assertThat(handshake(trustAll(), port, "localhost", new String[] {"TLSv1.3"}, null).protocol())
                .isEqualTo("TLSv1.3");
        var tls12 = handshake(trustAll(), port, "localhost", new String[] {"TLSv1.2"}, null);
        assertThat(tls12.protocol()).isEqualTo("TLSv1.2");
        assertThat(tls12.cipher()).startsWith("TLS_ECDHE_").containsAnyOf("_GCM_", "CHACHA20");
        for (String cipher : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                                     "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")) {
            assertThat(handshake(trustAll(), port, "localhost", new String[] {"TLSv1.2"}, new String[] {cipher}).cipher())
                    .isEqualTo(cipher);
        }
        // CBC suites are not on the list, although the JDK client still offers them with TLS 1.2
        assertThatThrownBy(() -> handshake(trustAll(), port, "localhost", new String[] {"TLSv1.2"},
                new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"}))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    @SuppressWarnings("deprecation") // the control server below allows unsafe ciphers on purpose
    void tls11IsRefusedByTheServer() throws Exception {
        var c = cert(tmp, "localhost");
        Server s = server(TlsSetup.customizer(TlsOptions.builder().cert("*", c.certPem(), c.keyPem()).build()), false);
        // The JDK client cannot even offer TLS 1.1 (jdk.tls.disabledAlgorithms); Netty's BoringSSL client can.
        Throwable refused = netty(httpsPort(s), "TLSv1.1");
        assertThat(refused).isInstanceOf(SSLException.class);
        assertThat(refused.getMessage()).containsIgnoringCase("PROTOCOL_VERSION");
        // the same client handshakes fine when it may use TLS 1.2: the refusal is the server's doing
        assertThat(netty(httpsPort(s), "TLSv1.2")).isNull();

        // and that client really can do TLS 1.1 with a server that allows it
        Server old = server(sb -> sb.https(0).tlsProvider(
                TlsProvider.of(TlsKeyPair.ofSelfSigned("localhost")),
                ServerTlsConfig.builder().allowsUnsafeCiphers(true)
                               .tlsCustomizer(b -> b.protocols("TLSv1.1", "TLSv1.2")
                                                    .ciphers(List.of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                                                                     "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                                                                     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                                                     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")))
                               .build()), false);
        assertThat(netty(httpsPort(old), "TLSv1.1")).isNull();
    }

    /** Handshakes with Netty's OpenSSL client limited to one protocol; returns the failure or null. */
    private static Throwable netty(int port, String protocol) throws Exception {
        SslContext ctx = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                                          .protocols(protocol)
                                          .ciphers(List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                                                           "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                                                           "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                                           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
                                          .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(ctx.newHandler(c.alloc(), "localhost", port));
                            c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    ctx.close(); // the handshake future carries the failure
                                }
                            });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            Future<Channel> hs = ch.pipeline().get(SslHandler.class).handshakeFuture();
            assertThat(hs.await(10, TimeUnit.SECONDS)).isTrue();
            ch.close().sync();
            return hs.cause();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void http2IsNegotiatedByAlpn() throws Exception {
        var c = cert(tmp, "localhost");
        Server s = server(TlsSetup.customizer(TlsOptions.builder().cert("*", c.certPem(), c.keyPem()).build()), false);
        int port = httpsPort(s);
        assertThat(handshake(trustAll(), port, "localhost", null, null, "h2", "http/1.1").alpn()).isEqualTo("h2");
        assertThat(handshake(trustAll(), port, "localhost", null, null, "http/1.1").alpn()).isEqualTo("http/1.1");

        HttpClient client = HttpClient.newBuilder().sslContext(trusting(c.certPem())).version(HttpClient.Version.HTTP_2)
                                      .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/x")).build(),
                                             HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.body()).isEqualTo("ok h2");
        assertThat(r.sslSession()).get().extracting(ss -> ss.getProtocol()).isEqualTo("TLSv1.3");
    }
}
