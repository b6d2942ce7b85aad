package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
    @TempDir
    Path dir;

    private SettingsLoader.Flags flags(Integer port) {
        return new SettingsLoader.Flags(dir, null, null, port, null, null, null, null, List.of());
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
        SettingsLoader.Flags withFlag = new SettingsLoader.Flags(dir, null, null, null, null, null, null, List.of(), false,
                false, 2, null, 4, null, null, List.of());
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
        SettingsLoader.Flags withFlag = new SettingsLoader.Flags(dir, null, null, null, null, null, null, List.of(), false,
                false, null, null, null, null, null, List.of(), 0);
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
        SettingsLoader.Flags withFlag = new SettingsLoader.Flags(dir, null, null, null, null, null, null, List.of(), false,
                false, null, null, null, null, null, List.of(), null, "http://127.0.0.2:4318");
        assertThat(SettingsLoader.load(withFlag, Map.of("NURI_OTLP_ENDPOINT", "https://otel.example.kr")).otlpEndpoint())
                .isEqualTo("http://127.0.0.2:4318");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of("NURI_OTLP_ENDPOINT", "127.0.0.1:4318")))
                .hasMessageContaining("otlp endpoint (environment NURI_OTLP_ENDPOINT): must be an http:// or https:// URL");
        Files.writeString(dir.resolve("config.yaml"), "otlpEndpoint: ftp://x\n");
        assertThatThrownBy(() -> SettingsLoader.load(flags(null), Map.of()))
                .hasMessageContaining("config.yaml otlpEndpoint): must be an http:// or https:// URL, got \"ftp://x\"");
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
