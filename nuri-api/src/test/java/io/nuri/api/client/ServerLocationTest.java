package io.nuri.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerLocationTest {
    @TempDir
    Path dir;

    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheDataDirFiles() throws Exception {
        Files.writeString(dir.resolve("server.json"), "{\"pid\": 7, \"nested\": {\"url\": \"x\"}, \"url\": \"http://127.0.0.1:7070/\"}");
        Files.writeString(dir.resolve("admin.token"), "from-file\n");
        Map<String, String> env = Map.of("NURI_HOME", dir.toString());
        assertThat(ServerLocation.resolve(null, null, null, env))
                .isEqualTo(new ServerLocation("http://127.0.0.1:7070", "from-file", dir.toAbsolutePath().normalize()));
        Map<String, String> withEnv = Map.of("NURI_HOME", dir.toString(), "NURI_SERVER", "http://127.0.0.1:1", "NURI_TOKEN", "env");
        assertThat(ServerLocation.resolve(null, null, null, withEnv).url()).isEqualTo("http://127.0.0.1:1");
        assertThat(ServerLocation.resolve("http://127.0.0.1:2", "flag", null, withEnv))
                .extracting(ServerLocation::url, ServerLocation::token).containsExactly("http://127.0.0.1:2", "flag");
    }

    @Test
    void aDataDirWithoutServerJsonOrUrlSaysSo() throws Exception {
        assertThatThrownBy(() -> ServerLocation.resolve(null, null, dir.toString(), Map.of()))
                .isInstanceOfSatisfying(ServerLocation.LocateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ServerLocation.LocateException.Kind.NO_SERVER))
                .hasMessageContaining("no running server found in " + dir);
        Files.writeString(dir.resolve("server.json"), "{\"pid\": 7}");
        assertThatThrownBy(() -> ServerLocation.resolve(null, null, dir.toString(), Map.of()))
                .hasMessageContaining("has no \"url\"");
    }
}
