package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SettingsLoaderTest {
    @TempDir
    Path dir;

    private SettingsLoader.Flags flags(Integer port) {
        return SettingsLoader.Flags.builder().dataDir(dir).apiPort(port).build();
    }

    @Test
    void defaultsBindLoopbackAndPort7070() throws Exception {
        ServerSettings s = SettingsLoader.load(flags(null), Map.of());
        assertThat(s.apiHost()).isEqualTo("127.0.0.1");
        assertThat(s.apiPort()).isEqualTo(7070);
        assertThat(s.stopGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.dataDir()).isEqualTo(dir.toAbsolutePath());
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheConfigFile() throws Exception {
        Files.writeString(dir.resolve("config.yaml"), "apiPort: 7001\nstopGraceSeconds: 3\nlogLevel: debug\napiHost: 127.0.0.2\n");
        ServerSettings fileOnly = SettingsLoader.load(flags(null), Map.of());
        assertThat(fileOnly.apiPort()).isEqualTo(7001);
        assertThat(fileOnly.stopGrace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(fileOnly.apiHost()).isEqualTo("127.0.0.2");

        ServerSettings env = SettingsLoader.load(flags(null), Map.of("NURI_API_PORT", "7002", "NURI_LOG_LEVEL", "warn"));
        assertThat(env.apiPort()).isEqualTo(7002);
        assertThat(env.logLevel()).isEqualTo("warn");

        ServerSettings flag = SettingsLoader.load(flags(7003), Map.of("NURI_API_PORT", "7002"));
        assertThat(flag.apiPort()).isEqualTo(7003);
    }

    @Test
    void badSettingsNameWhereTheyCameFrom() throws Exception {
        Files.writeString(dir.resolve("config.yaml"), "apiPort: 7001\ncolour: blue\n");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of()))
                .hasMessageContaining("config.yaml: colour: unknown setting");
        Files.writeString(dir.resolve("config.yaml"), "apiPort: seventy\n");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of()))
                .hasMessageContaining("config file apiPort").hasMessageContaining("must be an integer");
        Files.delete(dir.resolve("config.yaml"));
        assertThatThrownBy(() -> SettingsLoader.load(flags(70000), Map.of("NURI_STOP_GRACE_SECONDS", "x")))
                .hasMessageContaining("api port (flag): must be between 0 and 65535, got 70000")
                .hasMessageContaining("stop grace seconds (environment): must be an integer");
    }

    @Test
    void gatewayLimitsComeFromTheConfigFileAndFlagsWin() throws Exception {
        assertThat(SettingsLoader.load(flags(null), Map.of()).gatewayLimits())
                .isEqualTo(ServerSettings.GatewayLimits.DEFAULTS);
        Files.writeString(dir.resolve("config.yaml"), "gatewayMaxBodyMiB: 8\ngatewayMaxHeaderKiB: 32\ngatewayEventLoops: 1\n");
        ServerSettings.GatewayLimits limits = SettingsLoader.load(flags(null), Map.of()).gatewayLimits();
        assertThat(limits).isEqualTo(new ServerSettings.GatewayLimits(8L << 20, 32 << 10, 1));
        SettingsLoader.Flags withFlag = SettingsLoader.Flags.builder().dataDir(dir).maxBodyMiB(2).eventLoops(4).build();
        assertThat(SettingsLoader.load(withFlag, Map.of()).gatewayLimits())
                .isEqualTo(new ServerSettings.GatewayLimits(2L << 20, 32 << 10, 4));
        Files.writeString(dir.resolve("config.yaml"), "gatewayEventLoops: -2\n");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of()))
                .hasMessageContaining("gateway event loops (config file): must be between 0 and 256, got -2");
    }

    @Test
    void theMetricsPortComesFromFlagEnvOrConfigFileAndIsOffByDefault() throws Exception {
        assertThat(SettingsLoader.load(flags(null), Map.of()).metricsPort()).isEqualTo(-1);
        Files.writeString(dir.resolve("config.yaml"), "metricsPort: 9464\n");
        assertThat(SettingsLoader.load(flags(null), Map.of()).metricsPort()).isEqualTo(9464);
        assertThat(SettingsLoader.load(flags(null), Map.of("NURI_METRICS_PORT", "9465")).metricsPort()).isEqualTo(9465);
        SettingsLoader.Flags withFlag = SettingsLoader.Flags.builder().dataDir(dir).metricsPort(0).build();
        assertThat(SettingsLoader.load(withFlag, Map.of("NURI_METRICS_PORT", "9465")).metricsPort()).isZero();
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of("NURI_METRICS_PORT", "x")))
                .hasMessageContaining("metrics port (environment): must be an integer, got \"x\"");
        Files.writeString(dir.resolve("config.yaml"), "metricsPort: 70000\n");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of()))
                .hasMessageContaining("metrics port (config file): must be between -1 and 65535, got 70000");
    }

    @Test
    void theOtlpEndpointComesFromFlagEnvOrConfigFileAndMustBeAnHttpUrl() throws Exception {
        assertThat(SettingsLoader.load(flags(null), Map.of()).otlpEndpoint()).isNull();
        Files.writeString(dir.resolve("config.yaml"), "otlpEndpoint: http://127.0.0.1:4318\n");
        assertThat(SettingsLoader.load(flags(null), Map.of()).otlpEndpoint()).isEqualTo("http://127.0.0.1:4318");
        assertThat(SettingsLoader.load(flags(null), Map.of("NURI_OTLP_ENDPOINT", "https://otel.example.kr")).otlpEndpoint())
                .isEqualTo("https://otel.example.kr");
        SettingsLoader.Flags withFlag = SettingsLoader.Flags.builder().dataDir(dir).otlpEndpoint("http://127.0.0.2:4318")
                .build();
        assertThat(SettingsLoader.load(withFlag, Map.of("NURI_OTLP_ENDPOINT", "https://otel.example.kr")).otlpEndpoint())
                .isEqualTo("http://127.0.0.2:4318");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of("NURI_OTLP_ENDPOINT", "127.0.0.1:4318")))
                .hasMessageContaining("otlp endpoint (environment NURI_OTLP_ENDPOINT): must be an http:// or https:// URL");
        Files.writeString(dir.resolve("config.yaml"), "otlpEndpoint: ftp://x\n");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of()))
                .hasMessageContaining("config.yaml otlpEndpoint): must be an http:// or https:// URL, got \"ftp://x\"");
    }

    @Test
    void theBuildersDefaultsAreTheLoadersDefaults() throws Exception {
        assertThat(SettingsLoader.load(flags(null), Map.of()))
                .isEqualTo(ServerSettings.builder(dir.toAbsolutePath()).build());
        ServerSettings d = ServerSettings.builder(dir).build();
        assertThat(d.metricsPort()).isEqualTo(-1);
        assertThat(d.otlpEndpoint()).isNull();
        assertThat(d.gatewayTls()).isNull();
        assertThat(d.accessLogMaxBytes()).isEqualTo(AccessLog.DEFAULT_MAX_BYTES);
        assertThat(d.accessLogFiles()).isEqualTo(AccessLog.DEFAULT_KEPT);
        assertThatThrownBy(() -> ServerSettings.builder(dir).accessLogFiles(0).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theAccessLogSettingsComeFromFlagThenEnvThenConfigFileThenDefaults() throws Exception {
        ServerSettings defaults = SettingsLoader.load(flags(null), Map.of());
        assertThat(defaults.accessLogMaxMiB()).isEqualTo(10);
        assertThat(defaults.accessLogFiles()).isEqualTo(3);

        Files.writeString(dir.resolve("config.yaml"), "accessLogMaxMiB: 20\naccessLogFiles: 5\n");
        ServerSettings file = SettingsLoader.load(flags(null), Map.of());
        assertThat(file.accessLogMaxMiB()).isEqualTo(20);
        assertThat(file.accessLogMaxBytes()).isEqualTo(20L << 20);
        assertThat(file.accessLogFiles()).isEqualTo(5);

        Map<String, String> env = Map.of("NURI_ACCESS_LOG_MAX_MIB", "30", "NURI_ACCESS_LOG_FILES", "6");
        ServerSettings fromEnv = SettingsLoader.load(flags(null), env);
        assertThat(fromEnv.accessLogMaxMiB()).isEqualTo(30);
        assertThat(fromEnv.accessLogFiles()).isEqualTo(6);

        ServerSettings fromFlags = SettingsLoader.load(
                SettingsLoader.Flags.builder().dataDir(dir).accessLogMaxMiB(40).accessLogFiles(7).build(), env);
        assertThat(fromFlags.accessLogMaxMiB()).isEqualTo(40);
        assertThat(fromFlags.accessLogFiles()).isEqualTo(7);

        // one from each source: each setting falls through on its own
        ServerSettings mixed = SettingsLoader.load(SettingsLoader.Flags.builder().dataDir(dir).accessLogFiles(1).build(),
                Map.of());
        assertThat(mixed.accessLogMaxMiB()).isEqualTo(20);
        assertThat(mixed.accessLogFiles()).isEqualTo(1);
    }

    @Test
    void badAccessLogSettingsNameWhereTheyCameFromAndWhatIsWrong() throws Exception {
        assertThatThrownBy(() -> SettingsLoader.load(
                SettingsLoader.Flags.builder().dataDir(dir).accessLogMaxMiB(0).accessLogFiles(101).build(), Map.of()))
                .hasMessageContaining("access log max MiB (flag): must be between 1 and 1048576, got 0")
                .hasMessageContaining("access log files (flag): must be between 1 and 100, got 101");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null),
                Map.of("NURI_ACCESS_LOG_MAX_MIB", "ten", "NURI_ACCESS_LOG_FILES", "0")))
                .hasMessageContaining("access log max MiB (environment): must be an integer, got \"ten\"")
                .hasMessageContaining("access log files (environment): must be between 1 and 100, got 0");
        Files.writeString(dir.resolve("config.yaml"), "accessLogMaxMiB: 1.5\naccessLogFiles: -1\n");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of()))
                .hasMessageContaining("access log max MiB (config file accessLogMaxMiB): must be an integer, got 1.5")
                .hasMessageContaining("access log files (config file): must be between 1 and 100, got -1");
        // a good flag hides a bad value below it, as for every other setting
        assertThat(SettingsLoader.load(SettingsLoader.Flags.builder().dataDir(dir).accessLogMaxMiB(2).accessLogFiles(2)
                .build(), Map.of()).accessLogFiles()).isEqualTo(2);
    }

    @Test
    void theServerCommandsFlagsReachTheSettings() throws Exception {
        ServerMain main = new ServerMain();
        new CommandLine(main).parseArgs("--data-dir", dir.toString(), "--api-port", "0", "--gateway-max-body-mib", "8",
                "--access-log-max-mib", "50", "--access-log-files", "9");
        ServerSettings s = SettingsLoader.load(main.flags(), Map.of("NURI_ACCESS_LOG_FILES", "4"));
        assertThat(s.apiPort()).isZero();
        assertThat(s.gatewayLimits().maxBodyBytes()).isEqualTo(8L << 20);
        assertThat(s.accessLogMaxMiB()).isEqualTo(50);
        assertThat(s.accessLogFiles()).isEqualTo(9);
    }

    @Test
    void theAdminTokenIsCreatedOnceWithMode0600() throws Exception {
        AdminToken first = AdminToken.loadOrCreate(dir);
        Path file = dir.resolve(AdminToken.FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String token = Files.readString(file).trim();
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);
        assertThat(first.matches(token)).isTrue();
        assertThat(first.matches(token + "x")).isFalse();
        assertThat(first.matches(null)).isFalse();
        assertThat(AdminToken.loadOrCreate(dir).matches(token)).as("kept across restarts").isTrue();
    }
}
