package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.nuri.api.spec.ApmSpec;
import io.nuri.apm.ApmHub;
import io.nuri.gateway.RequestSample;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** spec.apm reaches the APM: the user key per app and the APDEX threshold. */
class ApmRecorderTest {
    static RequestSample sample(String app, String client, long millis, RequestHeaders headers) {
        return new RequestSample("default", app, "default/" + app, "i-1", 1, "GET", "/", 200, System.nanoTime(),
                System.currentTimeMillis() * 1000 - millis * 1000, millis * 1_000_000, client,
                false, "/", 10, headers, null, null, null, null);
    }

    @Test
    void usersAreCountedByTheConfiguredHeaderOrCookieAndApdexUsesTheAppsThreshold() {
        ApmHub hub = new ApmHub();
        ApmRecorder recorder = new ApmRecorder(hub, new io.nuri.apm.ServiceMap());
        recorder.settings(Map.of("default/sso", new ApmSpec(50, null, "X-User-Id")));
        RequestHeaders alice = RequestHeaders.of(HttpMethod.GET, "/", "x-user-id", "alice", "cookie", "JSESSIONID=s1");
        RequestHeaders bob = RequestHeaders.of(HttpMethod.GET, "/", "x-user-id", "bob", "cookie", "JSESSIONID=s1");
        // Same session cookie, two users by header; two requests of 100 ms: tolerating with T = 50 ms.
        recorder.accept(sample("sso", "10.0.0.1", 100, alice));
        recorder.accept(sample("sso", "10.0.0.1", 100, bob));
        assertThat(hub.current("default", "sso").activeUsers()).isEqualTo(2);
        assertThat(hub.apdexThresholdMillis("default", "sso")).isEqualTo(50);
        assertThat(hub.current("default", "sso").apdex()).isEqualTo(0.5);

        // An app without spec.apm: JSESSIONID identifies the user, T = 500 ms.
        recorder.accept(sample("portal", "10.0.0.1", 100, alice));
        recorder.accept(sample("portal", "10.0.0.2", 100, bob));
        assertThat(hub.current("default", "portal").activeUsers()).isEqualTo(1);
        assertThat(hub.current("default", "portal").apdex()).isEqualTo(1.0);

        // A changed threshold applies to what is recorded from then on.
        recorder.settings(Map.of("default/portal", new ApmSpec(50, "JSESSIONID", null)));
        assertThat(hub.apdexThresholdMillis("default", "portal")).isEqualTo(50);
    }
}
