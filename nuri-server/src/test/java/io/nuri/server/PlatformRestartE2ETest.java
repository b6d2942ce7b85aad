package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The platform itself dies or is stopped: instances are re-adopted, never doubled or orphaned. */
class PlatformRestartE2ETest {
    @TempDir
    Path tmp;

    private Path portalSpec() throws IOException {
        Path file = tmp.resolve("portal.yaml");
        Files.writeString(file, TestApps.supervised("portal").replicas(2).yaml());
        return file;
    }

    @Test
    void afterKill9OfThePlatformARestartReadoptsTheSameInstancesWithNoOrphanOrDuplicate() throws Exception {
        Path data = tmp.resolve("data");
        try (ServerProcess server = ServerProcess.start(data, "--apply", portalSpec().toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("portal").size() == 2);
            Set<Long> pidsBefore = pids(server.readyInstances("portal"));
            Set<String> idsBefore = ids(server.readyInstances("portal"));

            server.kill9();
            assertThat(pidsBefore).allMatch(ServerProcess::alive); // instances outlive a crashed platform

            server.launch();
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("portal").size() == 2);
            List<JsonNode> after = server.instances("portal");
            assertThat(ids(after)).isEqualTo(idsBefore);
            assertThat(pids(after)).isEqualTo(pidsBefore);
            assertThat(after).allSatisfy(i -> assertThat(i.get("restarts").asInt()).isZero());
            // Exactly one process per instance on the whole machine.
            assertThat(instanceProcessesOf(idsBefore)).hasSize(2);
        }
    }

    @Test
    void anInstanceThatDiedWhileThePlatformWasDownIsStartedAgain() throws Exception {
        Path data = tmp.resolve("data2");
        try (ServerProcess server = ServerProcess.start(data, "--apply", portalSpec().toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("portal").size() == 2);
            Set<String> ids = ids(server.instances("portal"));
            server.kill9();
            // The platform is down; an instance also dies meanwhile.
            long victim = server.instances0pid(ids);
            ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
            server.launch();
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("portal").size() == 2);
            assertThat(instanceProcessesOf(ids)).hasSize(2);
        }
    }

    @Test
    void sigtermStopsEveryInstanceAndExitsZero() throws Exception {
        Path data = tmp.resolve("data3");
        try (ServerProcess server = ServerProcess.start(data, "--apply", portalSpec().toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("portal").size() == 2);
            Set<Long> pids = pids(server.instances("portal"));
            assertThat(server.terminate(Duration.ofSeconds(30))).isZero();
            assertThat(pids).noneMatch(ServerProcess::alive);
            assertThat(data.resolve(NuriServer.SERVER_FILE)).doesNotExist();

            // Started again, it brings the same apps back.
            server.launch();
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("portal").size() == 2);
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirIsRefused() throws Exception {
        Path data = tmp.resolve("data4");
        try (ServerProcess server = ServerProcess.start(data)) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                    "--data-dir", data.toString(), "--api-port", "0", "--gateway-port", "0").redirectErrorStream(true);
            Process second = pb.start();
            try {
                String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(second.waitFor()).isEqualTo(1);
                assertThat(out).contains("another Nuri server is running");
            } finally {
                second.destroyForcibly();
            }
            assertThat(server.process().isAlive()).isTrue();
        }
    }

    private static Set<Long> pids(List<JsonNode> instances) {
        return instances.stream().map(i -> i.get("pid").asLong()).collect(Collectors.toSet());
    }

    private static Set<String> ids(List<JsonNode> instances) {
        return instances.stream().map(i -> i.get("id").asText()).collect(Collectors.toSet());
    }

    /** Every live process on this machine whose environment names one of these instances. */
    static List<Long> instanceProcessesOf(Set<String> ids) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> {
                        try {
                            String env = new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8);
                            return ids.stream().anyMatch(id -> env.contains("NURI_INSTANCE_ID=" + id + "\0"));
                        } catch (IOException | SecurityException e) {
                            return false;
                        }
                    })
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .toList();
        }
    }
}
