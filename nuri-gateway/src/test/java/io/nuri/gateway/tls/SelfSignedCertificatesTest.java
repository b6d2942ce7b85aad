package io.nuri.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.server.Server;

class SelfSignedCertificatesTest extends TlsTestSupport {

    @TempDir
    Path tmp;

    @Test
    void generatedOnceWithLocalNamesThenReused() throws Exception {
        Path dir = tmp.resolve("tls"); // created on demand
        var first = SelfSignedCertificates.ensure(dir, List.of("Dev.Example.Test"));
        assertThat(first.generated()).isTrue();
        assertThat(first.certPem()).isEqualTo(dir.resolve("selfsigned-cert.pem")).isRegularFile();
        assertThat(first.keyPem()).isEqualTo(dir.resolve("selfsigned-key.pem")).isRegularFile();
        assertThat(Files.getPosixFilePermissions(first.keyPem())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.readString(first.keyPem())).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(first.certPem())).startsWith("-----BEGIN CERTIFICATE-----\n");

        X509Certificate cert = readCert(first.certPem());
        assertThat(cn(cert)).isEqualTo("dev.example.test");
        assertThat(sans(cert)).contains("dev.example.test", "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(first.names()).containsExactly("dev.example.test", "localhost", "127.0.0.1", "::1");

        byte[] certBytes = Files.readAllBytes(first.certPem());
        byte[] keyBytes = Files.readAllBytes(first.keyPem());
        var again = SelfSignedCertificates.ensure(dir, List.of("dev.example.test"));
        assertThat(again.generated()).isFalse();
        assertThat(Files.readAllBytes(again.certPem())).isEqualTo(certBytes);
        assertThat(Files.readAllBytes(again.keyPem())).isEqualTo(keyBytes);
        // the local names alone are covered too
        assertThat(SelfSignedCertificates.ensure(dir, List.of()).generated()).isFalse();

        // a new name makes a new certificate covering all asked for
        var more = SelfSignedCertificates.ensure(dir, List.of("dev.example.test", "other.test"));
        assertThat(more.generated()).isTrue();
        assertThat(sans(readCert(more.certPem()))).contains("dev.example.test", "other.test", "localhost");
        assertThat(Files.getPosixFilePermissions(more.keyPem())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
                .containsExactlyInAnyOrder("selfsigned-cert.pem", "selfsigned-key.pem", ".selfsigned.lock");
    }

    @Test
    void unusableFilesAreReplaced() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tls"));
        Files.writeString(dir.resolve(SelfSignedCertificates.CERT_FILE), "garbage");
        Files.writeString(dir.resolve(SelfSignedCertificates.KEY_FILE), "garbage");
        var ss = SelfSignedCertificates.ensure(dir, List.of());
        assertThat(ss.generated()).isTrue();
        assertThat(cn(readCert(ss.certPem()))).isEqualTo("localhost");

        Files.delete(ss.keyPem());
        assertThat(SelfSignedCertificates.ensure(dir, List.of()).generated()).isTrue();
    }

    @Test
    void servedAndVerifiableForLocalhostAnd127001() throws Exception {
        Path dir = tmp.resolve("state/tls");
        TlsSetup tls = TlsSetup.create(TlsOptions.builder().selfSigned(dir, "dev.test").build());
        assertThat(tls.selfSignedCertificate()).hasValue(dir.resolve(SelfSignedCertificates.CERT_FILE));
        Server s = server(tls.serverCustomizer(), false);
        int port = httpsPort(s);

        HttpClient client = HttpClient.newBuilder().sslContext(trusting(tls.selfSignedCertificate().get())).build();
        for (String host : List.of("localhost", "127.0.0.1")) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://" + host + ":" + port + "/")).build(),
                                                 HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
        assertThat(cn(handshake(trusting(tls.selfSignedCertificate().get()), port, "dev.test", null, null).peer()))
                .isEqualTo("dev.test");
        s.stop().join();

        // a later start reuses it
        byte[] before = Files.readAllBytes(dir.resolve(SelfSignedCertificates.CERT_FILE));
        TlsSetup again = TlsSetup.create(TlsOptions.builder().selfSigned(dir, "dev.test").build());
        assertThat(Files.readAllBytes(again.selfSignedCertificate().get())).isEqualTo(before);
    }

    @Test
    void explicitCertificateWinsForItsHostSelfSignedIsTheDefault() throws Exception {
        var a = cert(tmp, "a.test");
        TlsSetup tls = TlsSetup.create(TlsOptions.builder().cert("a.test", a.certPem(), a.keyPem())
                                                 .selfSigned(tmp.resolve("ss")).build());
        Server s = server(tls.serverCustomizer(), false);
        assertThat(cn(handshake(httpsPort(s), "a.test").peer())).isEqualTo("a.test");
        assertThat(cn(handshake(httpsPort(s), "localhost").peer())).isEqualTo("localhost");
        assertThat(cn(handshake(httpsPort(s), null).peer())).isEqualTo("localhost");
        assertThat(tls.certificates()).containsKeys("a.test", "localhost", "*");
    }

    private static List<String> sans(X509Certificate c) throws Exception {
        List<String> out = new ArrayList<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            out.add(String.valueOf(san.get(1)));
        }
        return out;
    }
}
