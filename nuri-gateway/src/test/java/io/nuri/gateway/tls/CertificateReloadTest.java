package io.nuri.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.server.Server;

class CertificateReloadTest extends TlsTestSupport {

    @TempDir
    Path tmp;

    @Test
    void changedFilesAreServedWithoutRestart() throws Exception {
        var v1 = cert(tmp, "app.test", "v1.app.test");
        var v2 = cert(tmp, "app.test", "v2.app.test");
        var broken = cert(tmp, "app.test", "v3.app.test");
        Path live = Files.createDirectories(tmp.resolve("live"));
        Path crt = live.resolve("fullchain.pem");
        Path key = live.resolve("privkey.pem");
        Files.copy(v1.certPem(), crt);
        Files.copy(v1.keyPem(), key);

        TlsSetup tls = TlsSetup.create(TlsOptions.builder().cert("app.test", crt, key)
                                                 .reloadInterval(Duration.ofMillis(100)).build());
        Server s = server(tls.serverCustomizer(), false);
        int port = httpsPort(s);
        var first = readCert(v1.certPem());
        assertThat(handshake(port, "app.test").peer()).isEqualTo(first);

        // a connection opened before the change keeps working
        SSLSocket open = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        open.startHandshake();

        Files.copy(v2.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(v2.certPem(), crt, StandardCopyOption.REPLACE_EXISTING);
        var second = readCert(v2.certPem());
        await().atMost(Duration.ofSeconds(10))
               .untilAsserted(() -> assertThat(handshake(port, "app.test").peer()).isEqualTo(second));
        assertThat(tls.certificates().get("app.test")).isEqualTo(second);
        assertThat(s.isClosed()).isFalse();

        open.getOutputStream().write("GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n".getBytes());
        assertThat(new String(open.getInputStream().readNBytes(12))).isEqualTo("HTTP/1.1 200");
        open.close();

        // half a rotation (new certificate, old key) does not load: the last good one stays in service
        Files.copy(broken.certPem(), crt, StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.reloadNow()).isFalse();
        Thread.sleep(300); // a few checks of the watcher
        assertThat(handshake(port, "app.test").peer()).isEqualTo(second);
        // ... until the key follows
        Files.copy(broken.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        var third = readCert(broken.certPem());
        await().atMost(Duration.ofSeconds(10))
               .untilAsserted(() -> assertThat(handshake(port, "app.test").peer()).isEqualTo(third));
    }

    @Test
    void symlinkSwapIsSeen() throws Exception {
        var v1 = cert(tmp, "app.test", "v1.app.test");
        var v2 = cert(tmp, "app.test", "v2.app.test");
        // the way Kubernetes secret volumes and certbot's live/ directory change files: repoint a link
        Path link = tmp.resolve("current");
        Files.createSymbolicLink(link, v1.certPem().getParent());
        TlsSetup tls = TlsSetup.create(TlsOptions.builder()
                .cert("*", link.resolve(SelfSignedCertificates.CERT_FILE), link.resolve(SelfSignedCertificates.KEY_FILE))
                .reloadInterval(Duration.ZERO).build());
        Server s = server(tls.serverCustomizer(), false);
        assertThat(handshake(httpsPort(s), null).peer()).isEqualTo(readCert(v1.certPem()));

        Path next = tmp.resolve("next");
        Files.createSymbolicLink(next, v2.certPem().getParent());
        Files.move(next, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(tls.reloadNow()).isTrue();
        assertThat(handshake(httpsPort(s), null).peer()).isEqualTo(readCert(v2.certPem()));
        assertThat(tls.reloadNow()).isFalse();
    }
}
