package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FormattingTest {
    @Test
    void agesReadLikeKubectl() {
        assertThat(Ages.human(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
        assertThat(Ages.human(Duration.ofMillis(-500))).isEqualTo("0s");
        assertThat(Ages.human(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(Ages.human(Duration.ofSeconds(119))).isEqualTo("119s");
        assertThat(Ages.human(Duration.ofSeconds(192))).isEqualTo("3m12s");
        assertThat(Ages.human(Duration.ofMinutes(4))).isEqualTo("4m");
        assertThat(Ages.human(Duration.ofMinutes(42))).isEqualTo("42m");
        assertThat(Ages.human(Duration.ofMinutes(5 * 60 + 7))).isEqualTo("5h7m");
        assertThat(Ages.human(Duration.ofHours(5))).isEqualTo("5h");
        assertThat(Ages.human(Duration.ofHours(30))).isEqualTo("30h");
        assertThat(Ages.human(Duration.ofDays(2))).isEqualTo("2d");
        assertThat(Ages.human(Duration.ofHours(3 * 24 + 4))).isEqualTo("3d4h");
        assertThat(Ages.human(Duration.ofDays(40))).isEqualTo("40d");
        assertThat(Ages.human(Duration.ofDays(365 * 3 + 10))).isEqualTo("3y10d");
        assertThat(Ages.human(Duration.ofDays(365 * 9))).isEqualTo("9y");
    }

    @Test
    void durationsForTimeouts() {
        assertThat(Ages.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Ages.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Ages.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Ages.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Ages.parseDuration("90")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> Ages.parseDuration("soon")).hasMessageContaining("invalid duration \"soon\"");
    }

    @Test
    void tableAlignsColumnsWithThreeSpacesAndNoTrailingBlanks() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new Table("NAME", "READY", "MESSAGE").row("portal", "2/2", "").row("api-gateway", "10/10", "all good")
                .print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "  ");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("""
                  NAME          READY   MESSAGE
                  portal        2/2
                  api-gateway   10/10   all good
                """);
    }

    @Test
    void secretEnvNamesAreRecognizedInAnyCase() {
        assertThat(DescribeCommand.secret("DB_PASSWORD")).isTrue();
        assertThat(DescribeCommand.secret("github_token")).isTrue();
        assertThat(DescribeCommand.secret("ClientSecret")).isTrue();
        assertThat(DescribeCommand.secret("API_KEY")).isTrue();
        assertThat(DescribeCommand.secret("APP_VERSION")).isFalse();
    }

    @Test
    void targetNeverPrintsTheToken() {
        assertThat(new io.nuri.api.client.ServerLocation("http://127.0.0.1:7070", "abc", java.nio.file.Path.of("/d")).toString()).doesNotContain("abc");
    }

    @Test
    void jsonTreesKeepNumbersAsTheServerWroteThem() throws Exception {
        String json = "{\"a\":1,\"b\":1.0,\"c\":12345678901,\"d\":123456789012345678901234567890,\"e\":null,"
                + "\"f\":[true,false,\"x\\\"y\"],\"g\":{}}";
        assertThat(Output.prettyJson(Output.parse(json))).isEqualTo("""
                {
                  "a": 1,
                  "b": 1.0,
                  "c": 12345678901,
                  "d": 123456789012345678901234567890,
                  "e": null,
                  "f": [
                    true,
                    false,
                    "x\\"y"
                  ],
                  "g": { }
                }""");
    }

    @Test
    void theCommandNameIsFoundPastGlobalOptions() {
        assertThat(Nuri.commandName(new String[] {"get", "apps"})).isEqualTo("get");
        assertThat(Nuri.commandName(new String[] {"-n", "tax", "--server", "http://x", "get", "apps"})).isEqualTo("get");
        assertThat(Nuri.commandName(new String[] {"--namespace=tax", "logs", "portal"})).isEqualTo("logs");
        assertThat(Nuri.commandName(new String[] {"--help", "get"})).isNull();
        assertThat(Nuri.commandName(new String[] {})).isNull();
    }
}
