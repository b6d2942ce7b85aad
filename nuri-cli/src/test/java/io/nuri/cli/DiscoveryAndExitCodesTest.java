package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiscoveryAndExitCodesTest extends CliTestSupport {
    @TempDir
    Path otherDir;

    @BeforeEach
    void apps() {
        server.on("GET", "/api/v1/apps", 200, "[]");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void dataDirFilesGiveServerAndToken() {
        Result r = nuri("get", "apps");
        assertThat(r.code()).isZero();
        assertThat(server.only("GET", "/api/v1/apps").header("Authorization")).isEqualTo("Bearer " + FakeServer.TOKEN);
    }

    @Test
    void dataDirFlagWinsOverNuriHome() throws IOException {
        writeDataDir(otherDir, server.url(), "other-token");
        server.token = "other-token";
        Map<String, String> env = env();
        env.put("NURI_HOME", "/nonexistent/nuri-home");
        Result r = nuri(env, "get", "apps", "--data-dir", otherDir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(server.only("GET", "/api/v1/apps").header("Authorization")).isEqualTo("Bearer other-token");
    }

    @Test
    void homeDotNuriIsTheLastResort() throws IOException {
        Path nuriDir = Files.createDirectory(otherDir.resolve(".nuri"));
        writeDataDir(nuriDir, server.url(), FakeServer.TOKEN);
        Result r = nuri(Map.of("HOME", otherDir.toString()), "get", "apps");
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void envBeatsDataDirFiles() throws IOException {
        try (FakeServer other = new FakeServer()) {
            other.token = "env-token";
            other.on("GET", "/api/v1/apps", 200, "[]");
            Map<String, String> env = env();
            env.put("NURI_SERVER", other.url() + "/");
            env.put("NURI_TOKEN", "env-token");
            Result r = nuri(env, "get", "apps");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(other.only("GET", "/api/v1/apps").header("Authorization")).isEqualTo("Bearer env-token");
            assertThat(server.requests).isEmpty();
        }
    }

    @Test
    void flagsBeatEnv() throws IOException {
        try (FakeServer other = new FakeServer()) {
            other.token = "flag-token";
            other.on("GET", "/api/v1/apps", 200, "[]");
            Map<String, String> env = env();
            env.put("NURI_SERVER", "http://127.0.0.1:" + closedPort());
            env.put("NURI_TOKEN", "env-token");
            Result r = nuri(env, "--server", other.url(), "--token", "flag-token", "get", "apps");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(other.only("GET", "/api/v1/apps").header("Authorization")).isEqualTo("Bearer flag-token");
        }
    }

    @Test
    void serverFromEnvAndTokenFromDataDirMix() throws IOException {
        try (FakeServer other = new FakeServer()) {
            other.on("GET", "/api/v1/apps", 200, "[]");
            Map<String, String> env = env();
            env.put("NURI_SERVER", other.url());
            Result r = nuri(env, "get", "apps");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(other.only("GET", "/api/v1/apps").header("Authorization")).isEqualTo("Bearer " + FakeServer.TOKEN);
        }
    }

    @Test
    void namespaceOptionWorksBeforeAndAfterTheCommand() {
        assertThat(nuri("-n", "tax", "get", "apps").code()).isZero();
        assertThat(nuri("get", "apps", "--namespace", "health").code()).isZero();
        assertThat(nuri("get", "apps").code()).isZero();
        assertThat(server.requests).extracting(r -> r.query().get("namespace")).containsExactly("tax", "health", "default");
    }

    @Test
    void noServerJsonIsExitCode3WithTheDirectory() {
        Map<String, String> env = new HashMap<>();
        env.put("NURI_HOME", otherDir.toString());
        Result r = nuri(env, "get", "apps");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).isEqualTo("error: no running server found in " + otherDir
                + " (no server.json); start one with ./nuri server or set NURI_SERVER\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void closedPortIsExitCode3() throws IOException {
        String url = "http://127.0.0.1:" + closedPort();
        writeDataDir(otherDir, url, "x");
        Map<String, String> env = Map.of("NURI_HOME", otherDir.toString());
        Result r = nuri(env, "get", "apps");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).isEqualTo("error: cannot reach the Nuri server at " + url
                + " (connection refused); is it running? start it with ./nuri server\n");
    }

    @Test
    void refusedTokenIsExitCode4AndTheTokenIsNeverPrinted() {
        server.token = "the-real-one";
        Result r = nuri("get", "apps");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).isEqualTo("error: the server refused the token (401); check NURI_TOKEN or "
                + dataDir.resolve("admin.token") + "\n");
        assertThat(r.out() + r.err()).doesNotContain(FakeServer.TOKEN);
    }

    @Test
    void missingTokenFileSendsNoAuthorizationAndGets4() throws IOException {
        Files.delete(dataDir.resolve("admin.token"));
        Result r = nuri("get", "apps");
        assertThat(r.code()).isEqualTo(4);
        assertThat(server.only("GET", "/api/v1/apps").header("Authorization")).isNull();
    }

    @Test
    void usageErrorsAreExitCode2() {
        Result unknownOption = nuri("get", "apps", "--bogus");
        assertThat(unknownOption.code()).isEqualTo(2);
        assertThat(unknownOption.err()).startsWith("error: Unknown option: '--bogus'").contains("nuri get apps --help");
        assertThat(nuri("frobnicate").code()).isEqualTo(2);
        assertThat(nuri("get").code()).isEqualTo(2);
        assertThat(nuri("get", "apps", "-o", "xml").err()).contains("unknown output format \"xml\"");
        assertThat(nuri("scale", "app", "portal").code()).isEqualTo(2); // --replicas missing
        assertThat(nuri("scale", "app", "portal", "--replicas", "-1").code()).isEqualTo(2);
        assertThat(server.requests).isEmpty();
    }

    @Test
    void serverCommandIsListedButLeftToTheLauncher() {
        Result help = nuri("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("server", "Run the platform (started by the ./nuri launcher with the server classpath)",
                "apply", "get", "describe", "delete", "scale", "logs", "events", "version");
        Result r = nuri("server", "--api-port", "7071");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("./nuri launcher");
    }

    @Test
    void versionShowsClientAndServer() {
        server.on("GET", "/api/v1/version", 200, "{\"version\":\"0.1.0\",\"driver\":\"process\"}");
        Result r = nuri("version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Client Version: 0.1.0").contains("Server Version: 0.1.0 (driver process)");
    }

    @Test
    void versionWithoutServerStillShowsTheClient() throws IOException {
        Map<String, String> env = Map.of("NURI_SERVER", "http://127.0.0.1:" + closedPort());
        Result r = nuri(env, "version");
        assertThat(r.out()).startsWith("Client Version: ");
        assertThat(r.code()).isEqualTo(3);
        assertThat(nuri(env, "version", "--client").code()).isZero();
    }

    @Test
    void notFoundIsExitCode1WithKubectlWording() {
        Result r = nuri("describe", "app", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app \"x\" not found in namespace \"default\"\n");
    }

    @Test
    void conflictIsExitCode1WithTheServersMessage() {
        server.on("PUT", "/api/v1/namespaces/default/apps/portal/scale", 409,
                "{\"error\":\"conflict\",\"message\":\"app default/portal is being deleted\"}");
        Result r = nuri("scale", "app", "portal", "--replicas", "3");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app default/portal is being deleted\n");
    }
}
