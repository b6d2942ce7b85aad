package io.nuri.gslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.gslb.spec.GlobalService;
import io.nuri.gslb.spec.GlobalServiceDecoder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DNS front end as the real {@code dig} sees it, with sites on 127.0.0.2 and 127.0.0.3. */
class GslbDnsTest {
    @TempDir
    Path tmp;

    SiteBackend privateSite;
    SiteBackend publicSite;
    Gslb gslb;

    @BeforeEach
    void start() throws Exception {
        privateSite = new SiteBackend("private", "127.0.0.2");
        publicSite = new SiteBackend("public", "127.0.0.3");
        String yaml = """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: portal}
                spec:
                  hostnames: [portal.egov.test]
                  ttlSeconds: 5
                  policy: weighted
                  sites:
                    - name: private
                      address: 127.0.0.2
                      port: %d
                      weight: 30
                      healthCheck: {path: /health, intervalSeconds: 1, unhealthyThreshold: 2, healthyThreshold: 2}
                    - name: public
                      address: 127.0.0.3
                      port: %d
                      weight: 70
                      healthCheck: {path: /health, intervalSeconds: 1, unhealthyThreshold: 2, healthyThreshold: 2}
                ---
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: many}
                spec:
                  hostnames: [many.egov.test]
                  policy: roundRobin
                  sites:
                %s
                """.formatted(privateSite.port(), publicSite.port(), manySites(40));
        List<GlobalService> services = GlobalServiceDecoder.decode("gslb.yaml", yaml);
        gslb = Gslb.builder().services(services).dnsPort(0).httpPort(-1).statusPort(-1).start();
    }

    /** 40 sites on addresses nothing listens on: all fail their checks, so all are answered (fail open). */
    private static String manySites(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            b.append("    - {name: s").append(i).append(", address: 127.0.1.").append(i).append(", port: 9}\n");
        }
        return b.toString();
    }

    @AfterEach
    void stop() {
        if (gslb != null) {
            gslb.close();
        }
        privateSite.close();
        publicSite.close();
    }

    @Test
    void weightedAnswersSplitThirtySeventy() throws Exception {
        List<String> answers = Dig.batch(gslb.dnsPort(), "portal.egov.test", 1000, tmp);
        long toPrivate = answers.stream().filter("127.0.0.2"::equals).count();
        long toPublic = answers.stream().filter("127.0.0.3"::equals).count();
        assertThat(toPrivate + toPublic).isEqualTo(1000);
        // Binomial(1000, 0.3): mean 300, sd 14.5; +-5 sd (228..372) fails by chance once in ~3.5 million runs.
        assertThat(toPrivate).isBetween(228L, 372L);
        assertThat(gslb.status().services().get(0).sites().get(0).dnsAnswers()).isEqualTo(toPrivate);
    }

    @Test
    void privateSiteDownThenBack() throws Exception {
        privateSite.healthy.set(false);
        // 2 failed checks at 1 s intervals: out within ~2-3 s; allow far more on a loaded machine.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                Dig.batch(gslb.dnsPort(), "portal.egov.test", 40, tmp).stream().allMatch("127.0.0.3"::equals));
        List<String> during = Dig.batch(gslb.dnsPort(), "portal.egov.test", 200, tmp);
        assertThat(during).containsOnly("127.0.0.3");
        assertThat(gslb.status().events()).anySatisfy(e -> {
            assertThat(e.reason()).isEqualTo("SiteDown");
            assertThat(e.site()).isEqualTo("private");
        });

        privateSite.healthy.set(true);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                Dig.batch(gslb.dnsPort(), "portal.egov.test", 100, tmp).contains("127.0.0.2"));
        assertThat(gslb.status().events()).anySatisfy(e -> assertThat(e.reason()).isEqualTo("SiteUp"));
    }

    @Test
    void unknownNameInZoneIsNxdomainWithSoa() {
        String out = Dig.run(gslb.dnsPort(), "nothing-here.egov.test", "A");
        assertThat(Dig.status(out)).isEqualTo("NXDOMAIN");
        assertThat(Dig.flags(out)).contains("aa").doesNotContain("ra");
        assertThat(out).contains("AUTHORITY: 1").containsPattern("egov\\.test\\.\\s+\\d+\\s+IN\\s+SOA\\s+ns1\\.egov\\.test\\.");
    }

    @Test
    void nameOutsideTheZoneIsRefused() {
        String out = Dig.run(gslb.dnsPort(), "www.example.com", "A");
        assertThat(Dig.status(out)).isEqualTo("REFUSED");
        assertThat(Dig.flags(out)).doesNotContain("aa");
    }

    @Test
    void apexHasSoaAndNsAndAnswersCarryTheTtl() {
        String soa = Dig.run(gslb.dnsPort(), "egov.test", "SOA");
        assertThat(Dig.status(soa)).isEqualTo("NOERROR");
        assertThat(soa).containsPattern("egov\\.test\\.\\s+\\d+\\s+IN\\s+SOA\\s+ns1\\.egov\\.test\\. hostmaster\\.egov\\.test\\.");
        String ns = Dig.run(gslb.dnsPort(), "egov.test", "NS");
        assertThat(ns).containsPattern("egov\\.test\\.\\s+3600\\s+IN\\s+NS\\s+ns1\\.egov\\.test\\.")
                .containsPattern("ns1\\.egov\\.test\\.\\s+3600\\s+IN\\s+A\\s+127\\.0\\.0\\.1");
        String a = Dig.run(gslb.dnsPort(), "portal.egov.test", "A");
        assertThat(a).containsPattern("portal\\.egov\\.test\\.\\s+5\\s+IN\\s+A\\s+127\\.0\\.0\\.[23]");
        String aaaa = Dig.run(gslb.dnsPort(), "portal.egov.test", "AAAA");
        assertThat(Dig.status(aaaa)).isEqualTo("NOERROR"); // the name exists, no IPv6 site: NODATA
        assertThat(aaaa).contains("ANSWER: 0").contains("AUTHORITY: 1");
    }

    @Test
    void tcpAndEdns() {
        String tcp = Dig.run(gslb.dnsPort(), "+tcp", "portal.egov.test", "A");
        assertThat(Dig.status(tcp)).isEqualTo("NOERROR");
        assertThat(tcp).contains("ANSWER: 1");
        String edns = Dig.run(gslb.dnsPort(), "+edns=0", "portal.egov.test", "A");
        assertThat(edns).contains("EDNS: version: 0").contains("udp: 1232");
        String badVersion = Dig.run(gslb.dnsPort(), "+edns=1", "+noednsnegotiation", "portal.egov.test", "A");
        assertThat(Dig.status(badVersion)).isEqualTo("BADVERS");
    }

    @Test
    void anAnswerTooBigForUdpIsTruncatedAndComplete() {
        // 40 A records are ~700 bytes: over the 512 bytes of plain DNS over UDP.
        String truncated = Dig.run(gslb.dnsPort(), "+noedns", "+ignore", "many.egov.test", "A");
        assertThat(Dig.flags(truncated)).contains("tc");
        assertThat(truncated).contains("ANSWER: 0");
        String retried = Dig.run(gslb.dnsPort(), "+noedns", "many.egov.test", "A"); // dig retries over TCP
        assertThat(retried).contains("ANSWER: 40");
        String withEdns = Dig.run(gslb.dnsPort(), "+bufsize=1232", "many.egov.test", "A");
        assertThat(Dig.flags(withEdns)).doesNotContain("tc");
        assertThat(withEdns).contains("ANSWER: 40");
    }
}
