package io.nuri.gslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import io.nuri.gslb.spec.GlobalService;
import io.nuri.gslb.spec.GlobalServiceDecoder;
import io.nuri.gslb.spec.Policy;
import java.util.List;
import org.junit.jupiter.api.Test;

class GlobalServiceDecoderTest {
    @Test
    void theIssueExampleDecodesWithDefaults() throws Exception {
        GlobalService s = GlobalServiceDecoder.decode("gslb.yaml", """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: portal}
                spec:
                  hostnames: [Portal.EGOV.test.]
                  ttlSeconds: 5
                  policy: weighted
                  sites:
                    - name: private
                      address: 127.0.0.2
                      port: 8080
                      weight: 30
                      healthCheck: {path: /health, host: portal.local, intervalSeconds: 1, unhealthyThreshold: 2, healthyThreshold: 2}
                    - name: public
                      address: 127.0.0.3
                      port: 8080
                      weight: 70
                """).get(0);
        assertThat(s.hostnames()).containsExactly("portal.egov.test");
        assertThat(s.zone()).isEqualTo("egov.test");
        assertThat(s.policy()).isEqualTo(Policy.WEIGHTED);
        assertThat(s.sites()).hasSize(2);
        assertThat(s.sites().get(0).healthCheck().host()).isEqualTo("portal.local");
        assertThat(s.sites().get(1).healthCheck().path()).isEqualTo("/");
        assertThat(s.sites().get(1).healthCheck().unhealthyThreshold()).isEqualTo(2);
    }

    @Test
    void everyProblemIsReportedWithItsPath() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> GlobalServiceDecoder.decode("gslb.yaml", """
                apiVersion: nuri.io/v2
                kind: GlobalService
                metadata: {name: Portal}
                spec:
                  hostnames: ["bad name!"]
                  ttlSeconds: -1
                  policy: nearest
                  colour: blue
                  sites:
                    - name: private
                      address: portal.example
                      port: 70000
                      weight: 30
                      subnets: [10.0.0.0/33]
                      healthCheck: {path: health, intervalSeconds: 0}
                    - name: private
                      port: 8080
                """));
        assertThat(e).isNotNull();
        List<String> lines = e.errors().stream().map(SpecError::toString).toList();
        assertThat(e.errors()).extracting(SpecError::path).contains(
                "apiVersion", "metadata.name", "spec.hostnames[0]", "spec.ttlSeconds", "spec.policy", "spec.colour",
                "spec.sites[0].address", "spec.sites[0].port", "spec.sites[0].subnets[0]",
                "spec.sites[0].healthCheck.path", "spec.sites[0].healthCheck.intervalSeconds",
                "spec.sites[1].name", "spec.sites[1].address");
        assertThat(e.errors()).allSatisfy(err -> assertThat(err.file()).isEqualTo("gslb.yaml"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("spec.policy").contains("weighted, failover"));
    }

    @Test
    void aHostnameServedTwiceAndAZoneThatDoesNotHoldItAreErrors() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> GlobalServiceDecoder.decode("g.yaml", """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: a}
                spec:
                  hostnames: [www.egov.test]
                  sites: [{name: s, address: 127.0.0.2, port: 80}]
                ---
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: b}
                spec:
                  hostnames: [www.egov.test]
                  sites: [{name: s, address: 127.0.0.3, port: 80}]
                ---
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: c}
                spec:
                  hostnames: [api.egov.test]
                  zone: other.test
                  sites: [{name: s, address: 127.0.0.3, port: 80}]
                """));
        assertThat(e.errors()).extracting(SpecError::path).containsExactlyInAnyOrder("[doc 2] spec.hostnames[0]", "[doc 3] spec.zone");
    }

    @Test
    void anEmptyFileSaysSo() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> GlobalServiceDecoder.decode("g.yaml", "# nothing\n"));
        assertThat(e.errors().get(0).message()).contains("no GlobalService");
    }
}
