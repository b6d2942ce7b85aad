package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nuri.alerts.AlertRuleService;
import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import io.nuri.control.AppService;
import io.nuri.control.ArtifactStore;
import io.nuri.store.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One file with Apps and AlertRules: each kind to its decoder, errors of both at once with their document numbers. */
class KindRouterTest {
    @TempDir
    Path tmp;

    SqliteStore store;
    AppService apps;
    AlertRuleService rules;
    Path jar;

    @BeforeEach
    void open() throws Exception {
        store = SqliteStore.open(tmp.resolve("data"));
        apps = new AppService(store, new ArtifactStore(tmp.resolve("artifacts")), Clock.systemUTC());
        rules = new AlertRuleService(store);
        jar = Files.writeString(tmp.resolve("portal.jar"), "not really a jar");
    }

    @AfterEach
    void close() {
        store.close();
    }

    String app(String name, String extra) {
        return """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: %s}
                spec:
                  run: {jar: %s}
                %s""".formatted(name, jar, extra);
    }

    static final String RULE = """
            apiVersion: nuri.io/v1
            kind: AlertRule
            metadata: {name: portal-down}
            spec: {metric: instanceDown, condition: {op: ">", threshold: 0}}
            """;

    @Test
    void appsAndRulesOfOneFileAreStoredAndReportedWithTheirKind() throws Exception {
        List<Object> results = KindRouter.apply(apps, rules, "all.yaml", RULE + "---\n" + app("portal", "") + "---\n",
                tmp, false);
        assertThat(results).hasSize(2);
        assertThat(results.get(0)).isInstanceOf(AppService.ApplyResult.class);
        assertThat(results.get(1)).isEqualTo(new AlertRuleService.ApplyResult("AlertRule", "default", "portal-down", "created"));
        assertThat(store.app("default", "portal")).isPresent();
        assertThat(rules.stored()).extracting(r -> r.name()).containsExactly("portal-down");
    }

    @Test
    void errorsOfBothKindsComeTogetherWithTheirDocumentNumbersAndNothingIsStored() {
        String text = app("portal", "  replicas: -1\n") + "---\n" + RULE.replace("op: \">\"", "op: \"=\"") + "---\n"
                + app("second", "  port: 0\n");
        SpecException e = catchThrowableOfType(SpecException.class, () -> KindRouter.apply(apps, rules, "all.yaml", text,
                tmp, false));
        assertThat(e.errors()).extracting(SpecError::toString).containsExactly(
                "all.yaml: spec.replicas: must be between 0 and 1000, got -1",
                "all.yaml: [doc 3] spec.port: must be between 1 and 65535, got 0",
                "all.yaml: [doc 2] spec.condition.op: must be one of <, <=, >, >=, got \"=\"");
        assertThat(store.apps()).isEmpty();
        assertThat(store.alertRules()).isEmpty();
    }

    @Test
    void aFileWithoutAlertRulesGoesToTheAppDecoderAsItIs() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> KindRouter.apply(apps, rules, "a.yaml",
                "apiVersion: nuri.io/v1\nkind: App\nmetadata: {name: x}\nspec: {}\n", tmp, false));
        assertThat(e.errors()).extracting(SpecError::toString).containsExactly("a.yaml: spec.run: required");
    }
}
