package io.nuri.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.CronWindows;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutoscaleDecoderTest {
    static final String HEAD = """
            apiVersion: nuri.io/v1
            kind: App
            metadata: {name: portal}
            spec:
              run: {command: [./server]}
            """;

    static List<SpecError> errors(String spec) {
        try {
            SpecDecoder.decode("portal.yaml", HEAD + spec, Path.of("/tmp"));
        } catch (SpecException e) {
            return e.errors();
        }
        throw new AssertionError("expected errors");
    }

    @Test
    void defaults_react_fast_and_scale_in_calmly() throws Exception {
        var app = SpecDecoder.decode("portal.yaml", HEAD + "  autoscale: {maxReplicas: 8, targetConcurrency: 5}\n",
                Path.of("/tmp")).getFirst();
        Autoscale a = app.spec().autoscale();
        assertThat(a.minReplicas()).isEqualTo(1);
        assertThat(a.panicWindowSeconds()).isEqualTo(2);
        assertThat(a.stableWindowSeconds()).isEqualTo(10);
        assertThat(a.scaleDownStabilizationSeconds()).isEqualTo(60);
        assertThat(a.maxScaleUpStep()).isEqualTo("1000%");
        assertThat(a.scaleToZeroAfterSeconds()).isNull();
        assertThat(app.spec().replicas()).isEqualTo(1);
    }

    @Test
    void every_mistake_is_named_with_its_field_path() {
        List<SpecError> e = errors("""
                  replicas: 3
                  autoscale:
                    minReplicas: 5
                    maxReplicas: 2
                    targetCPUPercent: -3
                    maxScaleUpStep: "0"
                    scaleToZeroAfterSeconds: 60
                    bogus: 1
                    schedules:
                      - {name: tax, cron: "0 8 * *", timeZone: Mars/Base, durationMinutes: 60, minReplicas: 2}
                """);
        assertThat(e).extracting(SpecError::path).contains("spec.replicas", "spec.autoscale.minReplicas",
                "spec.autoscale.targetCPUPercent", "spec.autoscale.maxScaleUpStep",
                "spec.autoscale.scaleToZeroAfterSeconds", "spec.autoscale.bogus", "spec.autoscale.schedules[0].cron",
                "spec.autoscale.schedules[0].timeZone");
        assertThat(e).filteredOn(x -> x.path().equals("spec.replicas")).singleElement()
                .extracting(SpecError::message).asString().contains("leave it out when spec.autoscale is set");
    }

    @Test
    void a_target_is_required() {
        assertThat(errors("  autoscale: {maxReplicas: 3}\n")).extracting(SpecError::message)
                .anyMatch(m -> m.contains("needs at least one target"));
    }

    @Test
    void scale_to_zero_defaults_with_min_zero_and_schedules_open_in_their_time_zone() throws Exception {
        var app = SpecDecoder.decode("portal.yaml", HEAD + """
                  autoscale:
                    minReplicas: 0
                    maxReplicas: 4
                    targetRPS: 50
                    schedules:
                      - {name: deadline, cron: "0 9 * * MON-FRI", timeZone: Asia/Seoul, durationMinutes: 120, minReplicas: 3}
                """, Path.of("/tmp")).getFirst();
        Autoscale a = app.spec().autoscale();
        assertThat(a.scaleToZeroAfterSeconds()).isEqualTo(300);
        Autoscale.Schedule s = a.schedules().getFirst();
        // Wednesday 2026-11-25 09:30 in Seoul is 00:30 UTC: open; 11:00 Seoul (02:00 UTC): closed.
        assertThat(CronWindows.isOpen(s, Instant.parse("2026-11-25T00:30:00Z"))).isTrue();
        assertThat(CronWindows.isOpen(s, Instant.parse("2026-11-25T00:00:00Z"))).isTrue();
        assertThat(CronWindows.isOpen(s, Instant.parse("2026-11-24T23:59:00Z"))).isFalse();
        assertThat(CronWindows.isOpen(s, Instant.parse("2026-11-25T02:00:00Z"))).isFalse();
        // Saturday: closed.
        assertThat(CronWindows.isOpen(s, Instant.parse("2026-11-28T00:30:00Z"))).isFalse();
    }

    @Test
    void the_apm_section_takes_a_threshold_and_one_user_key() throws Exception {
        var app = SpecDecoder.decode("portal.yaml", HEAD + "  apm: {apdexThresholdMillis: 200, userHeader: X-User-Id}\n",
                Path.of("/tmp")).getFirst();
        assertThat(app.spec().apm()).isEqualTo(new io.nuri.api.spec.ApmSpec(200, null, "X-User-Id"));
        assertThat(errors("  apm: {apdexThresholdMillis: 0, userCookie: a b, userHeader: X}\n"))
                .extracting(SpecError::path)
                .containsExactlyInAnyOrder("spec.apm.apdexThresholdMillis", "spec.apm.userCookie", "spec.apm.userHeader");
    }
}
