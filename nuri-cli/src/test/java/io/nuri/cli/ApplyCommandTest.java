package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplyCommandTest extends CliTestSupport {
    static final String PORTAL = """
            apiVersion: nuri.io/v1
            kind: App
            metadata: {name: portal}
            spec: {run: {jar: target/portal.jar}, replicas: 2}
            """;

    @TempDir
    Path specs;

    private void answer(String action, String... names) {
        StringBuilder results = new StringBuilder();
        for (String n : names) {
            results.append(results.isEmpty() ? "" : ",").append("{\"namespace\":\"default\",\"name\":\"").append(n)
                    .append("\",\"action\":\"").append(action).append("\",\"revision\":1}");
        }
        server.on("POST", "/api/v1/apply", 200, "{\"results\":[" + results + "]}");
    }

    @Test
    void postsTheRawTextWithFileAndBaseDirAndPrintsKubectlLines() throws IOException {
        Path file = Files.writeString(specs.resolve("portal.yaml"), PORTAL);
        answer("created", "portal");
        Result r = nuri("apply", "-f", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("app/portal created\n");
        FakeServer.Request req = server.only("POST", "/api/v1/apply");
        assertThat(req.body()).isEqualTo(PORTAL);
        assertThat(req.query()).containsEntry("file", file.toString()).containsEntry("baseDir", specs.toString())
                .doesNotContainKey("dryRun");
        assertThat(req.header("Authorization")).isEqualTo("Bearer " + FakeServer.TOKEN);
        assertThat(req.header("Content-Type")).isEqualTo("application/yaml");
    }

    @Test
    void relativeFileNameIsSentAsTypedWithAnAbsoluteBaseDir() throws IOException {
        Path dir = Files.createDirectories(Path.of("target/apply-test"));
        Files.writeString(dir.resolve("portal.yaml"), PORTAL);
        answer("configured", "portal");
        Result r = nuri("apply", "-f", "target/apply-test/portal.yaml");
        assertThat(r.out()).isEqualTo("app/portal configured\n");
        FakeServer.Request req = server.only("POST", "/api/v1/apply");
        assertThat(req.query().get("file")).isEqualTo("target/apply-test/portal.yaml");
        assertThat(req.query().get("baseDir")).isEqualTo(dir.toAbsolutePath().normalize().toString());
        assertThat(Path.of(req.query().get("baseDir")).isAbsolute()).isTrue();
    }

    @Test
    void dryRunSaysSo() throws IOException {
        Path file = Files.writeString(specs.resolve("portal.yaml"), PORTAL);
        answer("unchanged", "portal");
        Result r = nuri("apply", "-f", file.toString(), "--dry-run");
        assertThat(r.out()).isEqualTo("app/portal unchanged (dry run)\n");
        assertThat(server.only("POST", "/api/v1/apply").query()).containsEntry("dryRun", "true");
    }

    @Test
    void aDirectoryAppliesItsSpecFilesSortedAndSkipsOthers() throws IOException {
        Files.writeString(specs.resolve("b.yml"), "b");
        Files.writeString(specs.resolve("a.yaml"), "a");
        Files.writeString(specs.resolve("c.json"), "{}");
        Files.writeString(specs.resolve("README.md"), "no");
        Files.createDirectory(specs.resolve("sub.yaml"));
        answer("created", "x");
        Result r = nuri("apply", "-f", specs.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(server.requests).extracting(q -> q.query().get("file")).containsExactly(
                specs.resolve("a.yaml").toString(), specs.resolve("b.yml").toString(), specs.resolve("c.json").toString());
        assertThat(server.requests).extracting(FakeServer.Request::body).containsExactly("a", "b", "{}");
        assertThat(server.requests.get(2).header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void repeatedFilesAreAppliedInOrder() throws IOException {
        Path a = Files.writeString(specs.resolve("a.yaml"), "a");
        Path b = Files.writeString(specs.resolve("b.yaml"), "b");
        answer("created", "portal", "tax");
        Result r = nuri("apply", "-f", b.toString(), "-f", a.toString());
        assertThat(server.requests).extracting(FakeServer.Request::body).containsExactly("b", "a");
        assertThat(r.out()).isEqualTo("app/portal created\napp/tax created\napp/portal created\napp/tax created\n");
    }

    @Test
    void stdinIsReadWithTheWorkingDirectoryAsBaseDir() {
        answer("created", "portal");
        Result r = nuriWithStdin(env(), new ByteArrayInputStream(PORTAL.getBytes(StandardCharsets.UTF_8)), "apply", "-f", "-");
        assertThat(r.code()).as(r.err()).isZero();
        FakeServer.Request req = server.only("POST", "/api/v1/apply");
        assertThat(req.body()).isEqualTo(PORTAL);
        assertThat(req.query()).containsEntry("file", "<stdin>")
                .containsEntry("baseDir", Path.of("").toAbsolutePath().toString());
    }

    @Test
    void aMissingFileAppliesNothingAndExits1() throws IOException {
        Path good = Files.writeString(specs.resolve("a.yaml"), "a");
        answer("created", "portal");
        Result r = nuri("apply", "-f", good.toString(), "-f", "examples/x.yaml");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: examples/x.yaml: no such file\n");
        assertThat(server.requests).isEmpty();
    }

    @Test
    void invalidSpecPrintsEveryErrorAndExits1() throws IOException {
        Path file = Files.writeString(specs.resolve("bad.yaml"), "bad");
        server.on("POST", "/api/v1/apply", r -> FakeServer.Response.json(422, """
                {"error":"invalid","message":"2 problems","details":[
                  {"file":"%1$s","path":"spec.replicas","message":"must be >= 0, got -1"},
                  {"file":"%1$s","path":"spec.run","message":"needs exactly one of jar or command"}]}
                """.formatted(r.query().get("file"))));
        Result r = nuri("apply", "-f", file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(
                "error: " + file + ": spec.replicas: must be >= 0, got -1\n"
                + "error: " + file + ": spec.run: needs exactly one of jar or command\n");
    }

    @Test
    void oneRejectedFileDoesNotStopTheOthers() throws IOException {
        Path bad = Files.writeString(specs.resolve("a.yaml"), "bad");
        Path good = Files.writeString(specs.resolve("b.yaml"), "good");
        server.on("POST", "/api/v1/apply", r -> r.body().equals("bad")
                ? FakeServer.Response.json(422, "{\"error\":\"invalid\",\"message\":\"m\",\"details\":[{\"file\":\""
                        + r.query().get("file") + "\",\"path\":\"kind\",\"message\":\"must be App\"}]}")
                : FakeServer.Response.json(200, "{\"results\":[{\"namespace\":\"default\",\"name\":\"tax\","
                        + "\"action\":\"created\",\"revision\":1}]}"));
        Result r = nuri("apply", "-f", bad.toString(), "-f", good.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: " + bad + ": kind: must be App\n");
        assertThat(r.out()).isEqualTo("app/tax created\n");
    }

    @Test
    void aBadRequestNamesTheFile() throws IOException {
        Path file = Files.writeString(specs.resolve("a.yaml"), ": :");
        server.on("POST", "/api/v1/apply", 400, "{\"error\":\"bad_request\",\"message\":\"not YAML: line 1\"}");
        Result r = nuri("apply", "-f", file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: " + file + ": not YAML: line 1\n");
    }
}
