package io.nuri.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.internal.common.util.SelfSignedCertificate;
import com.linecorp.armeria.server.Server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

class BadInputTest extends TlsTestSupport {

    @TempDir
    Path tmp;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger providerLog = (Logger) LoggerFactory.getLogger(ReloadingTlsProvider.class);

    @BeforeEach
    void captureLogs() {
        logs.start();
        providerLog.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        providerLog.detachAppender(logs);
    }

    private static TlsOptions one(String host, Path cert, Path key) {
        return TlsOptions.builder().cert(host, cert, key).build();
    }

    private static String error(Path cert, Path key) {
        TlsConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                TlsConfigException.class, () -> TlsSetup.create(one("app.test", cert, key)));
        return e.getMessage();
    }

    @Test
    void missingFiles() throws Exception {
        var c = cert(tmp, "app.test");
        Path nope = tmp.resolve("nope.pem");
        assertThat(error(nope, c.keyPem())).isEqualTo("TLS certificate file " + nope + " does not exist");
        assertThat(error(c.certPem(), nope)).isEqualTo("TLS private key file " + nope + " does not exist");
        assertThat(error(tmp, c.keyPem())).isEqualTo("TLS certificate file " + tmp + " is a directory, not a file");
        TlsConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                TlsConfigException.class, () -> TlsSetup.create(one("app.test", nope, c.keyPem())));
        assertThat(e.file()).hasValue(nope);
    }

    @Test
    void notPem() throws Exception {
        var c = cert(tmp, "app.test");
        Path text = Files.writeString(tmp.resolve("text.pem"), "hello\n");
        Path empty = Files.writeString(tmp.resolve("empty.pem"), "");
        Path der = Files.write(tmp.resolve("cert.der"), readCert(c.certPem()).getEncoded());
        Path badBody = Files.writeString(tmp.resolve("bad.pem"),
                "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n");

        assertThat(error(text, c.keyPem())).isEqualTo("TLS certificate file " + text
                + " is not a PEM certificate: no '-----BEGIN CERTIFICATE-----' block found");
        assertThat(error(empty, c.keyPem())).isEqualTo("TLS certificate file " + empty
                + " is not a PEM certificate: the file is empty");
        assertThat(error(der, c.keyPem())).startsWith("TLS certificate file " + der
                + " is not a PEM certificate: it looks like binary DER");
        assertThat(error(badBody, c.keyPem())).startsWith("TLS certificate file " + badBody
                + ": certificate #1 is not a valid X.509 certificate");
        assertThat(error(c.certPem(), text)).isEqualTo("TLS private key file " + text
                + " is not a PEM private key: no '-----BEGIN PRIVATE KEY-----' block found");
    }

    @Test
    void swappedFiles() throws Exception {
        var c = cert(tmp, "app.test");
        assertThat(error(c.keyPem(), c.certPem())).isEqualTo("TLS certificate file " + c.keyPem()
                + " is not a PEM certificate: it holds a private key (are the certificate and key files swapped?)");
    }

    @Test
    void keyDoesNotMatchCertificate() throws Exception {
        var a = cert(tmp, "app.test");
        var b = cert(tmp, "app.test");
        assertThat(error(a.certPem(), b.keyPem())).isEqualTo("TLS private key file " + b.keyPem()
                + " does not match the certificate in " + a.certPem() + " (CN=app.test)");
    }

    @Test
    void unsupportedKeyFormatsSayHowToConvert() throws Exception {
        var c = cert(tmp, "app.test");
        String junk = Base64.getEncoder().encodeToString(new byte[48]);
        Path enc = Files.writeString(tmp.resolve("enc.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + junk + "\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path sec1 = Files.writeString(tmp.resolve("sec1.pem"),
                "-----BEGIN EC PRIVATE KEY-----\n" + junk + "\n-----END EC PRIVATE KEY-----\n");
        assertThat(error(c.certPem(), enc)).startsWith("TLS private key file " + enc
                + " is encrypted, which is not supported; decrypt it with: openssl pkcs8");
        assertThat(error(c.certPem(), sec1)).startsWith("TLS private key file " + sec1
                + " holds an 'EC PRIVATE KEY' (SEC1), which is not supported; convert it to PKCS#8 with: openssl pkcs8");
    }

    @Test
    void expiredCertificateIsServedWithAWarning() throws Exception {
        Instant now = Instant.now();
        SelfSignedCertificate old = new SelfSignedCertificate("old.test", new SecureRandom(), 256,
                Date.from(now.minus(Duration.ofDays(30))), Date.from(now.minus(Duration.ofDays(1))), "EC", List.of());
        Path dir = Files.createDirectories(tmp.resolve("old"));
        Path cert = Files.copy(old.certificate().toPath(), dir.resolve("cert.pem"));
        Path key = Files.copy(old.privateKey().toPath(), dir.resolve("key.pem"));
        old.delete();

        TlsSetup tls = TlsSetup.create(one("old.test", cert, key));
        Server s = server(tls.serverCustomizer(), false);
        assertThat(cn(handshake(httpsPort(s), "old.test").peer())).isEqualTo("old.test");
        assertThat(logs.list).anySatisfy(ev -> {
            assertThat(ev.getLevel()).isEqualTo(Level.WARN);
            assertThat(ev.getFormattedMessage()).startsWith("TLS certificate " + cert + " (CN=old.test) expired at ")
                                                .endsWith("; serving it anyway, clients will reject it");
        });
    }

    @Test
    void certificateNotCoveringItsHostIsAWarning() throws Exception {
        var c = cert(tmp, "other.test");
        TlsSetup.create(one("app.test", c.certPem(), c.keyPem()));
        assertThat(logs.list).anySatisfy(ev -> assertThat(ev.getFormattedMessage())
                .contains("does not cover host 'app.test'"));
        logs.list.clear();
        var w = cert(tmp, "*.example.test");
        TlsSetup.create(one("shop.example.test", w.certPem(), w.keyPem()));
        assertThat(logs.list).noneSatisfy(ev -> assertThat(ev.getFormattedMessage()).contains("does not cover"));
    }

    @Test
    void badOptions() {
        assertThatThrownBy(() -> TlsOptions.builder().build())
                .hasMessage("TLS needs at least one certificate (certs) or a self-signed one (selfSigned)");
        assertThatThrownBy(() -> new CertSpec("bad host!", tmp, tmp))
                .hasMessageStartingWith("invalid TLS host name 'bad host!'");
        assertThatThrownBy(() -> new CertSpec("a.*.test", tmp, tmp)).hasMessageStartingWith("invalid TLS host name");
        assertThatThrownBy(() -> TlsOptions.builder().cert("a.test", tmp, tmp).cert("A.TEST", tmp, tmp).build())
                .hasMessage("more than one certificate for TLS host 'a.test'");
        assertThatThrownBy(() -> new TlsOptions(70000, null, List.of(), true, List.of(), false, tmp))
                .hasMessage("httpsPort: 70000 (expected: 0-65535)");
        assertThatThrownBy(() -> new TlsOptions(0, null, List.of(), true, List.of(), false, null))
                .hasMessage("selfSignedDir is required when selfSigned is set");
        TlsOptions o = new TlsOptions(0, " ", null, true, List.of("Dev.Test"), false, tmp);
        assertThat(o.bindHost()).isEqualTo("127.0.0.1");
        assertThat(o.selfSignedHosts()).containsExactly("dev.test");
        assertThat(o.reloadInterval()).isEqualTo(TlsOptions.DEFAULT_RELOAD_INTERVAL);
    }

    /** PEM files as openssl (and so certbot, cert-manager, ...) writes them: RSA, PKCS#1 and PKCS#8, with a chain. */
    @Test
    void opensslFilesLoad() throws Exception {
        assumeTrue(opensslAvailable(), "openssl not installed");
        Path d = Files.createDirectories(tmp.resolve("openssl"));
        sh(d, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 60 -subj /CN=test-ca");
        sh(d, "openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=rsa.test");
        sh(d, "printf 'subjectAltName=DNS:rsa.test\\n' > ext && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key"
              + " -CAcreateserial -days 60 -extfile ext -out leaf.pem && cat leaf.pem ca.pem > fullchain.pem");
        sh(d, "openssl rsa -in leaf.key -traditional -out leaf.pkcs1.key");
        assertThat(Files.readString(d.resolve("leaf.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(d.resolve("leaf.pkcs1.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        for (String key : List.of("leaf.key", "leaf.pkcs1.key")) {
            TlsSetup tls = TlsSetup.create(one("rsa.test", d.resolve("fullchain.pem"), d.resolve(key)));
            Server s = server(tls.serverCustomizer(), false);
            var h = handshake(trusting(d.resolve("ca.pem")), httpsPort(s), "rsa.test", new String[] {"TLSv1.2"}, null);
            assertThat(cn(h.peer())).isEqualTo("rsa.test");
            assertThat(h.cipher()).startsWith("TLS_ECDHE_RSA_WITH_");
        }
        assertThat(logs.list).noneSatisfy(ev -> assertThat(ev.getLevel()).isEqualTo(Level.WARN));
        // a key from another pair
        assertThat(error(d.resolve("fullchain.pem"), d.resolve("ca.key"))).isEqualTo("TLS private key file "
                + d.resolve("ca.key") + " does not match the certificate in " + d.resolve("fullchain.pem") + " (CN=rsa.test)");
        // EC key of the wrong algorithm for an RSA certificate
        var ec = cert(tmp, "rsa.test");
        assertThat(error(d.resolve("fullchain.pem"), ec.keyPem())).isEqualTo("TLS private key file " + ec.keyPem()
                + " holds an EC key but the certificate's key is RSA: the key does not match the certificate");
    }

    private static boolean opensslAvailable() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    private static void sh(Path dir, String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(cmd + "\n" + out).isZero();
    }
}
